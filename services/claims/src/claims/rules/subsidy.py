"""The social-insurance subsidy for flexible workers (社会保险补贴; docs/policy.md Re-employment support 2; N§6).

Pure functions. A person in flexible employment, certified hard to employ, paying their own contributions on the
merged track, and within the maximum number of subsidised months is approved; every criterion is listed with its
values, parameters and clause. An approved subsidy pays, for each month the person actually paid, a share of the
pension and unemployment contributions at the base floor of that month (contributions' figure, carried with the
paid month), until the flexible employment ends or the months run out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from insurance_shared import Criterion, ParameterValue

from .stops import FlexibleSpell

NAMES = ("si_subsidy_share", "si_subsidy_max_months")
CLAUSE = "N§6"


def parse_share(text: str) -> Fraction:
    """``"2/3"`` or ``"0.5"`` → the fraction; ValueError when it is not a share between 0 and 1."""
    try:
        share = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError("a share is a fraction such as 2/3 or a decimal such as 0.5") from None
    if not 0 < share <= 1:
        raise ValueError("a share lies above 0 and at most 1")
    return share


def share_problem(text: str) -> str | None:
    try:
        parse_share(text)
    except ValueError as exc:
        return str(exc)
    return None


def monthly_amount(floor_fen: int, share: Fraction) -> int:
    """``share`` of one month's contributions at the floor, rounded half up to the fen (exact: no float)."""
    return (2 * floor_fen * share.numerator + share.denominator) // (2 * share.denominator)


def spell_on(spells: Iterable[FlexibleSpell], on: dt.date) -> FlexibleSpell | None:
    """The flexible employment the person is in on ``on`` (of any kind), or None."""
    for s in spells:
        if s.start <= on and (last_day(s) is None or on <= last_day(s)):  # type: ignore[operator]
            return s
    return None


def last_day(s: FlexibleSpell) -> dt.date | None:
    """The last day of flexible employment: the spell's end, or an agreement's expiry if earlier."""
    ends = [d for d in (s.end, s.agreement_end if s.kind == "agreement" else None) if d is not None]
    return min(ends) if ends else None


@dataclass(frozen=True, slots=True)
class Certification:
    """就业困难人员认定: the categories, who certified them, when, and when they are next reviewed."""

    id: int
    categories: tuple[str, ...]
    certified_on: dt.date
    review_on: dt.date


@dataclass(frozen=True, slots=True)
class SubsidyDecision:
    approved: bool
    months_left: int
    spell: FlexibleSpell | None
    criteria: tuple[Criterion, ...]


def decide(
    *,
    spells: Sequence[FlexibleSpell],
    certification: Certification | None,
    enrolled_own: bool,
    months_used: int,
    params: dict[str, ParameterValue],
    on: dt.date,
) -> SubsidyDecision:
    """N§6: each criterion with its values; approved when all are met."""
    spell = spell_on(spells, on)
    flexible = Criterion(
        "in_flexible_employment",
        spell is not None,
        "N§6 ¶1",
        "registered in flexible employment on the day of the application"
        if spell is not None
        else "no registered flexible employment covers the day of the application",
        {
            "on": on,
            "kind": spell.kind if spell else None,
            "start": spell.start if spell else None,
            "last_day": last_day(spell) if spell else None,
            "document_ref": spell.document_ref if spell else None,
        },
        explanation_zh="申请之日已登记灵活就业" if spell is not None else "申请之日没有已登记的灵活就业",
    )
    certified = certification is not None and certification.certified_on <= on <= certification.review_on
    hard = Criterion(
        "hard_to_employ",
        certified,
        "N§6 ¶2",
        (
            f"certified hard to employ on {certification.certified_on}, next review {certification.review_on}"
            if certification is not None
            else "not certified hard to employ (就业困难人员)"
        )
        + ("" if certified or certification is None else ": the certification is not in force on that day"),
        {
            "certification_id": certification.id if certification else None,
            "categories": list(certification.categories) if certification else [],
        },
        explanation_zh=(
            f"{certification.certified_on}认定为就业困难人员, 下次复核{certification.review_on}"
            if certification is not None
            else "未认定为就业困难人员"
        )
        + ("" if certified or certification is None else ": 该认定在申请之日不在有效期内"),
    )
    paying = Criterion(
        "paying_own_contributions",
        enrolled_own,
        "N§3(2); N§6",
        "enrolled on the merged track and paying their own pension and unemployment contributions"
        if enrolled_own
        else "not enrolled on the merged track as a flexible worker on that day: there is nothing to subsidise",
        {"enrolled_on_merged_track": enrolled_own},
        explanation_zh="已并轨参保, 本人缴纳养老和失业保险费"
        if enrolled_own
        else "申请之日未以灵活就业人员身份并轨参保: 无可补贴的缴费",
    )
    most = int(params["si_subsidy_max_months"].value)
    left = max(0, most - months_used)
    within = Criterion(
        "within_maximum_period",
        left > 0,
        CLAUSE,
        f"{months_used} month(s) subsidised before; at most {most}",
        {"months_used": months_used, "months_left": left},
        (params["si_subsidy_max_months"], params["si_subsidy_share"]),
        f"此前已补贴{months_used}个月; 最长{most}个月",
    )
    criteria = (flexible, hard, paying, within)
    return SubsidyDecision(all(c.met for c in criteria), left, spell, criteria)


@dataclass(frozen=True, slots=True)
class OwnMonth:
    period: dt.date  # first day
    floor_fen: int


def payable(
    paid: Iterable[OwnMonth],
    *,
    subsidised: set[dt.date],
    first: dt.date,
    last: dt.date | None,
    through: dt.date,
    months_left: int,
) -> list[OwnMonth]:
    """The months a run subsidises: months the person actually paid, from the approval's month ``first`` to the last
    day of flexible employment ``last`` (None: still in it) and the run's month ``through``, not subsidised before,
    oldest first, at most ``months_left``. A month not paid is never subsidised; paid later, a later run takes it."""
    out = []
    for m in sorted(paid, key=lambda m: m.period):
        if m.period in subsidised or m.period < first or m.period > through:
            continue
        if last is not None and m.period > last:
            continue
        out.append(m)
    return out[:months_left]
