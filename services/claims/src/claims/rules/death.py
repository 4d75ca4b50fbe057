"""A death while benefits are drawn (docs/policy.md, Claims 9; R19; 社会保险法 (SIL) 第四十九条).

The fund pays the survivors a one-off funeral subsidy (丧葬补助金) and a survivors' pension (抚恤金). The law changed
the *form* of the funeral subsidy on 2011-07-01, so it is a dated variant (``FUNERAL``):

* for deaths before, the Regulation's funeral subsidy is paid with the stop (R19);
* from that date a death that also qualifies for the basic pension's or work-injury insurance's funeral subsidy
  pays only one of the three, the one the survivors choose (SIL49 ¶2). Under merged collection (N§3) nearly every
  claimant is insured for pension too, whose fund pays a funeral subsidy on an insured person's death (SIL17), and
  only the survivors know which they take: so the unemployment fund's funeral subsidy waits for their choice,
  and is paid only if they choose it. The survivors' pension is not part of that choice and is paid with the stop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from insurance_shared import LAW_START, Variant, variant_on

from .eligibility import SIL_IN_FORCE

WITH_THE_STOP = "with_the_stop"
ON_THE_SURVIVORS_CHOICE = "on_the_survivors_choice"

FUNERAL: tuple[Variant[str], ...] = (
    Variant(LAW_START, "R19", WITH_THE_STOP),
    Variant(SIL_IN_FORCE, "SIL49", ON_THE_SURVIVORS_CHOICE),
)

UNEMPLOYMENT_INSURANCE = "unemployment_insurance"
FUNDS = {  # the funeral subsidies SIL49 ¶2 lets the survivors choose between
    UNEMPLOYMENT_INSURANCE: ("unemployment insurance", "失业保险"),
    "basic_pension": ("basic pension insurance", "基本养老保险"),
    "work_injury": ("work-injury insurance", "工伤保险"),
}


def funeral_subsidy_on(death: dt.date) -> Variant[str]:
    """How the funeral subsidy for a death on ``death`` is paid, with its clause."""
    return variant_on(FUNERAL, death)


@dataclass(frozen=True, slots=True)
class Choice:
    """The survivors' choice of funeral subsidy, decided: whether this fund pays it, and why."""

    pays: bool
    clause: str
    explanation: str
    explanation_zh: str


def survivors_choice(death: dt.date, chosen: str) -> Choice:
    """SIL49 ¶2: the unemployment fund pays the funeral subsidy only when the survivors chose it. ValueError for a
    death the Regulation governs (its subsidy was paid with the stop) or a fund the law does not name."""
    variant = funeral_subsidy_on(death)
    if variant.formula != ON_THE_SURVIVORS_CHOICE:
        raise ValueError(f"a death on {death} had its funeral subsidy paid with the stop ({variant.reference})")
    if chosen not in FUNDS:
        raise ValueError(f"{chosen!r} is not a fund SIL49 names")
    en, zh = FUNDS[chosen]
    if chosen == UNEMPLOYMENT_INSURANCE:
        return Choice(
            True,
            "SIL49",
            f"the survivors chose the {en} funeral subsidy of the death on {death}; they take no other (SIL49 ¶2)",
            f"遗属选择领取{death}死亡的{zh}丧葬补助金, 不再领取其他丧葬补助金 (SIL49 第二款)",
        )
    return Choice(
        False,
        "SIL49",
        f"the survivors chose the {en} funeral subsidy of the death on {death}: the unemployment fund pays none "
        f"(SIL49 ¶2: one of the three)",
        f"遗属选择领取{death}死亡的{zh}丧葬补助金, 失业保险基金不再支付丧葬补助金 (SIL49 第二款: 只能选择其中一项)",
    )
