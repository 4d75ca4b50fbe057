"""Eligibility, duration and amount of unemployment benefit (policy.md, Claims 2-6; R14, R17, R18; N§3(2), N§3(3)).

Pure functions over plain data. Every answer lists each criterion: met or not, the values used, every parameter
with its ``valid_from``, and the clause, so an officer can check the decision against the text.

Reading of the rules (documented, tested):
* R14(1) is met by the job that just ended when it carries 12 or more paid months (the months counted since the
  previous claim: after re-employment the count restarts, R17).
* Otherwise N§3(3): within the 36 months before the unemployment, in the claim's pooling region, jobs whose paid
  months were each under 12 are added up; 12 or more qualifies, and the duration comes from that sum.
* N§3(2): a merged-track (已并轨) flexible worker's earlier contribution time is added (their flexible months
  count as months of the ended job's history); while still in flexible employment they cannot register.
* R17: 12-59 months → 12 months of benefit; 60-119 → 18; 120 or more → 24. Months left unclaimed from the previous
  unemployment are added, the total capped at 24.
* R18: the amount is the region's parameter, which must lie above the minimum-living standard and below the
  minimum wage; a parameter outside that band is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from insurance_shared import parse_yuan
from insurance_shared.contracts import is_involuntary
from insurance_shared.decisions import Criterion
from insurance_shared.parameters import ParameterValue, in_force_all, load_parameter_file

NAMES = (
    "short_job_window_months",
    "minimum_months",
    "max_total_months",
    "benefit_amount",
    "minimum_wage",
    "living_standard",
    "separation_filing_days",
    "unjustified_refusals_to_stop",
    "funeral_subsidy",
    "survivors_pension_months",
)


@cache
def default_values() -> tuple[ParameterValue, ...]:
    return load_parameter_file("claims.rules", "parameters.json")


def parameters_on(values: Iterable[ParameterValue], region: str, on: dt.date) -> dict[str, ParameterValue]:
    return in_force_all(values, NAMES, region, on)


@dataclass(frozen=True, slots=True)
class PaidMonth:
    period: dt.date  # first day of the month
    region: str
    unit: str | None  # None: a flexible worker's own month on the merged track


@dataclass(frozen=True, slots=True)
class Decision:
    eligible: bool
    months_counted: int
    entitled_months: int
    carried_over: int
    total_months: int
    monthly_amount: int  # fen
    criteria: tuple[Criterion, ...]


def duration_for(months: int) -> tuple[int, str]:
    """R17's table."""
    if months >= 120:
        return 24, "120 or more months → at most 24 months"
    if months >= 60:
        return 18, "60–119 months → at most 18 months"
    if months >= 12:
        return 12, "12–59 months → at most 12 months"
    return 0, "under 12 months → no benefit"


def months_before(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - n, 12)
    return dt.date(y, m + 1, 1)


def benefit_band_problem(amount: int, minimum_wage: int, living_standard: int) -> str | None:
    """R18: why ``amount`` cannot be the benefit, or None."""
    if not living_standard < amount < minimum_wage:
        return f"the benefit must lie above the minimum-living standard ({living_standard} fen) and below the minimum wage ({minimum_wage} fen)"
    return None


def decide(
    *,
    months: Sequence[PaidMonth],
    ended_unit: str | None,
    separation_reason: str | None,
    unemployed_from: dt.date,
    region: str,
    job_seeking: bool,
    restart_after: dt.date | None,
    carried_over: int,
    params: dict[str, ParameterValue],
) -> Decision:
    """``restart_after``: the previous claim's registration date (months up to it were used by that claim)."""
    p = params
    window = int(p["short_job_window_months"].value)
    minimum = int(p["minimum_months"].value)
    cap = int(p["max_total_months"].value)
    counted = sorted(
        {m for m in months if restart_after is None or m.period > restart_after.replace(day=1)}, key=lambda m: m.period
    )
    distinct = {(m.period, m.unit) for m in counted}
    by_unit: dict[str | None, set[dt.date]] = {}
    for period, unit in distinct:
        by_unit.setdefault(unit, set()).add(period)
    total_months = len({period for period, _ in distinct})
    criteria: list[Criterion] = []

    ended_job = len(by_unit.get(ended_unit, set())) if ended_unit else 0
    flexible = len(by_unit.get(None, set()))
    via = None
    basis = 0
    if ended_job + flexible >= minimum:
        via, basis = "R14(1)", total_months
        explanation = (
            f"the job that ended carries {ended_job} paid months"
            + (f", with {flexible} earlier months on the merged flexible track added (N§3(2))" if flexible else "")
            + f"; {minimum} needed"
        )
    else:
        # the window's last month is the month the unemployment began: a job ending on the 30th of April paid
        # April, and April counts (a story across the services found it left out)
        last = unemployed_from.replace(day=1)
        since = months_before(last, window - 1)
        region_at = {(m.unit, m.period): m.region for m in counted}
        short_jobs = {
            unit: {q for q in periods if since <= q <= last and region_at.get((unit, q)) == region}
            for unit, periods in by_unit.items()
            if unit is not None and len(periods) < minimum
        }
        short_sum = sum(len(v) for v in short_jobs.values())
        if short_sum >= minimum:
            via, basis = "N§3(3)", short_sum
        explanation = (
            f"the job that ended carries {ended_job} paid months; short jobs in region {region} since {since:%Y-%m} "
            f"add up to {short_sum} months (N§3(3)); {minimum} needed"
        )
    criteria.append(
        Criterion(
            "contribution_months",
            via is not None,
            via or "R14(1); N§3(3)",
            explanation,
            {"months_paid_since_restart": total_months, "ended_job_months": ended_job, "basis_months": basis},
            (p["minimum_months"], p["short_job_window_months"]),
        )
    )
    involuntary = separation_reason is not None and is_involuntary(separation_reason)
    criteria.append(
        Criterion(
            "involuntary_separation",
            involuntary,
            "R14(2)",
            f"separation reason {separation_reason or 'unknown'}: "
            + ("the job ended against the person's will" if involuntary else "not an involuntary separation"),
            {"separation_reason": separation_reason},
        )
    )
    criteria.append(
        Criterion(
            "registered_and_seeking_work",
            job_seeking,
            "R14(3)",
            "registered as unemployed and declared seeking work" if job_seeking else "no job-seeking declaration",
            {"job_seeking": job_seeking},
        )
    )
    entitled, rule = duration_for(basis)
    total = min(entitled + carried_over, cap) if entitled else 0
    criteria.append(
        Criterion(
            "duration",
            entitled > 0,
            "R17",
            f"{basis} months: {rule}; {carried_over} months left from the previous unemployment added, capped at {cap}",
            {"basis_months": basis, "entitled_months": entitled, "carried_over": carried_over, "total_months": total},
            (p["max_total_months"],),
        )
    )
    amount = parse_yuan(p["benefit_amount"].value)
    band = benefit_band_problem(amount, parse_yuan(p["minimum_wage"].value), parse_yuan(p["living_standard"].value))
    criteria.append(
        Criterion(
            "amount",
            band is None,
            "R18",
            band
            or f"{p['benefit_amount'].value} yuan a month, between the minimum-living standard and the minimum wage",
            {"monthly_amount": p["benefit_amount"].value},
            (p["benefit_amount"], p["minimum_wage"], p["living_standard"]),
        )
    )
    eligible = all(c.met for c in criteria)
    return Decision(eligible, basis, entitled, carried_over, total if eligible else 0, amount, tuple(criteria))
