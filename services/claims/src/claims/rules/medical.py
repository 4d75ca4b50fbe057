"""Medical treatment while benefits are drawn (docs/policy.md, Claims 9; R19; 社会保险法 (SIL) 第四十八条).

The law changed the *form* of this rule on 2011-07-01, not only a value, so it is a dated variant (``TREATMENT``):

* for dates before, a claimant who falls ill may be paid a medical subsidy (医疗补助金, R19) at the region's standard
  (parameter ``medical_subsidy``), at most one a month;
* from that date the fund pays the claimant's basic medical-insurance contribution to the medical-insurance fund,
  and the claimant pays none (SIL48): ``medical_contribution`` per beneficiary and month, one transfer per region
  and month, made with the monthly run. No medical subsidy is paid for those dates.

A beneficiary of a month is a claim whose benefit covers at least one day of it: the contribution is a monthly one,
so a part month counts whole (the person is insured for that month).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from insurance_shared import LAW_START, ParameterValue, Variant, in_force, parse_yuan, variant_on

from .eligibility import SIL_IN_FORCE

SUBSIDY = "medical_subsidy"
CONTRIBUTION = "medical_contribution"

TREATMENT: tuple[Variant[str], ...] = (
    Variant(LAW_START, "R19", SUBSIDY),
    Variant(SIL_IN_FORCE, "SIL48", CONTRIBUTION),
)


def treatment_on(on: dt.date) -> Variant[str]:
    """Which form of medical treatment the fund owes for ``on``, with its clause."""
    return variant_on(TREATMENT, on)


def covered(days_paid: int) -> bool:
    """Whether a month with ``days_paid`` benefit days is a month the fund pays the medical contribution for."""
    return days_paid > 0


@dataclass(frozen=True, slots=True)
class Transfer:
    """What the fund owes the medical-insurance fund for one region and month, and why."""

    beneficiaries: int
    per_person: int  # fen
    amount: int  # fen
    parameter: ParameterValue
    clause: str


def transfer_for(values: Iterable[ParameterValue], region: str, month: dt.date, beneficiaries: int) -> Transfer | None:
    """SIL48: the contributions of ``beneficiaries`` people for ``month``; None for months the medical subsidy
    (R19) governs. LookupError when no contribution standard is in force (a gap in the parameters, not a refusal)."""
    variant = treatment_on(month)
    if variant.formula != CONTRIBUTION:
        return None
    p = in_force(values, CONTRIBUTION, region, month)
    if p is None:
        raise LookupError(f"no {CONTRIBUTION} in force for region {region} on {month}")
    per = parse_yuan(p.value)
    return Transfer(beneficiaries, per, beneficiaries * per, p, variant.reference)


@dataclass(frozen=True, slots=True)
class Subsidy:
    """The answer to a request for a medical subsidy on a date: the standard amount, or why none is paid."""

    amount: int | None  # fen; None: not paid on this date
    parameter: ParameterValue | None
    clause: str


def subsidy_on(values: Iterable[ParameterValue], region: str, on: dt.date) -> Subsidy:
    """R19 before 2011-07-01: the region's standard in force on ``on``. From then on none (SIL48: the fund pays the
    medical-insurance contribution instead)."""
    variant = treatment_on(on)
    if variant.formula != SUBSIDY:
        return Subsidy(None, None, variant.reference)
    p = in_force(values, SUBSIDY, region, on)
    if p is None:
        raise LookupError(f"no {SUBSIDY} in force for region {region} on {on}")
    return Subsidy(parse_yuan(p.value), p, variant.reference)
