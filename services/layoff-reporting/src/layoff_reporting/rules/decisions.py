"""Layoff decisions (policy.md, Layoffs; N§7; LL27): pure functions that return the decision and every
criterion behind it, with the values and dated parameters used and the clause."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from insurance_shared import Criterion, ParameterValue, in_force_all, load_parameter_file

NAMES = (
    "layoff_share_threshold",
    "layoff_count_threshold",
    "notice_days",
    "splitting_window_days",
    "rehire_window_months",
    "incentive_share",
    "long_term_unemployed_days",
    "incentive_contract_years",
)


@cache
def default_values() -> tuple[ParameterValue, ...]:
    return load_parameter_file("layoff_reporting.rules", "parameters.json")


def parameters_on(values: Iterable[ParameterValue], region: str, on: dt.date) -> dict[str, ParameterValue]:
    return in_force_all(values, NAMES, region, on)


@dataclass(frozen=True, slots=True)
class FilingDecision:
    reportable: bool
    late: bool
    consulted: bool
    possible_splitting: bool
    criteria: tuple[Criterion, ...]

    @property
    def compliant(self) -> bool:
        return not (self.reportable and (self.late or not self.consulted)) and not self.possible_splitting


def _crosses(persons: int, staff: int, share: Decimal, count: int) -> bool:
    """Strictly more than ``count`` people, or strictly more than ``share`` of the staff (N§7)."""
    return persons > count or (staff > 0 and Decimal(persons) > share * staff)


def judge_filing(
    *,
    persons: int,
    declared_staff: int,
    insured: int,
    filed_on: dt.date,
    planned_date: dt.date,
    consulted: bool,
    earlier: Sequence[tuple[int, dt.date, int]],
    params: dict[str, ParameterValue],
) -> FilingDecision:
    """``earlier``: the unit's other live filings as (id, planned date, persons)."""
    share = Decimal(params["layoff_share_threshold"].value)
    count = int(params["layoff_count_threshold"].value)
    notice = int(params["notice_days"].value)
    window = int(params["splitting_window_days"].value)
    staff = declared_staff if declared_staff > 0 else insured
    reportable = _crosses(persons, staff, share, count)
    criteria = [
        Criterion(
            "reportable",
            reportable,
            "N§7",
            f"{persons} persons of {staff} staff: reportable when more than {count} or more than {share:%} of staff",
            {"persons": persons, "staff": staff, "declared_staff": declared_staff, "insured": insured},
            (params["layoff_count_threshold"], params["layoff_share_threshold"]),
            f"职工{staff}人中裁减{persons}人: 裁减超过{count}人或超过职工总数{share:%}的须报告",
        )
    ]
    days = (planned_date - filed_on).days
    late = reportable and days < notice
    criteria.append(
        Criterion(
            "notice",
            not late,
            "N§7; LL27",
            f"filed {days} days before the planned date; a reportable layoff is filed at least {notice} days ahead"
            if reportable
            else f"filed {days} days ahead; the notice period applies to reportable layoffs only",
            {"days_ahead": days, "filed_on": filed_on.isoformat(), "planned_date": planned_date.isoformat()},
            (params["notice_days"],),
            f"在计划裁员日前{days}日报告; 须报告的裁员应至少提前{notice}日报告"
            if reportable
            else f"在计划裁员日前{days}日报告; 提前报告的期限只适用于须报告的裁员",
        )
    )
    criteria.append(
        Criterion(
            "consultation",
            consulted or not reportable,
            "N§7; LL27",
            "the union or staff were consulted"
            if consulted
            else (
                "no consultation of the union or staff was recorded"
                if reportable
                else "not required below the thresholds"
            ),
            {"consulted": consulted},
            explanation_zh="已征求工会或职工意见"
            if consulted
            else ("未记录征求工会或职工意见" if reportable else "未达到报告标准, 不要求征求意见"),
        )
    )
    near = [(fid, d, n) for fid, d, n in earlier if abs((d - planned_date).days) <= window]
    together = persons + sum(n for _, _, n in near)
    splitting = not reportable and bool(near) and _crosses(together, staff, share, count)
    criteria.append(
        Criterion(
            "splitting",
            not splitting,
            "N§7",
            f"with {len(near)} other filing(s) planned within {window} days, {together} persons would "
            + ("cross a threshold: possible splitting" if splitting else "not cross a threshold"),
            {"other_filings": [fid for fid, _, _ in near], "persons_together": together},
            (params["splitting_window_days"],),
            f"与计划日期相距{window}日内的其他{len(near)}份报告合计{together}人, "
            + ("达到报告标准: 疑似拆分报告" if splitting else "未达到报告标准"),
        )
    )
    return FilingDecision(reportable, late, consulted, splitting, tuple(criteria))


@dataclass(frozen=True, slots=True)
class ClaimSpan:
    """A registration as unemployed, from the claims events; ``stopped_on`` and its reason if the claim stopped."""

    registered_on: dt.date
    stopped_on: dt.date | None = None
    stop_reason: str | None = None


@dataclass(frozen=True, slots=True)
class JobSpan:
    """An employment from the contributions events (any unit, any region): one with paid months."""

    start: dt.date
    end: dt.date | None
    unit: str | None


def unemployed_since(
    hired_on: dt.date, hiring_unit: str, claims: Sequence[ClaimSpan], jobs: Sequence[JobSpan]
) -> tuple[dt.date | None, str]:
    """N§7's "unemployed for more than a year" is continuous unemployment that ends with this hire: it starts at
    the latest registration as unemployed before the hire, and re-employment since (a claim stopped for
    re-employment, or any other job held in between, which pays contribution months) breaks it. Returns the start,
    or None, and the interval in words."""
    before = [c for c in claims if c.registered_on <= hired_on]
    if not before:
        return None, f"never registered as unemployed before the hire on {hired_on}"
    claim = max(before, key=lambda c: c.registered_on)
    if (
        claim.stopped_on is not None
        and claim.stopped_on < hired_on
        and (claim.stop_reason or "").startswith("reemployed")
    ):
        return None, (
            f"registered unemployed on {claim.registered_on}, re-employed from {claim.stopped_on} "
            f"({claim.stop_reason}): not unemployed up to the hire on {hired_on}"
        )
    for job in sorted(jobs, key=lambda j: j.start):
        if job.unit == hiring_unit and job.start == hired_on:
            continue  # the hire itself
        if job.start < hired_on and (job.end is None or job.end > claim.registered_on):
            return None, (
                f"registered unemployed on {claim.registered_on}, but employed at {job.unit or 'flexible work'} from "
                f"{max(job.start, claim.registered_on)}: not unemployed continuously up to the hire on {hired_on}"
            )
    return (
        claim.registered_on,
        f"registered unemployed on {claim.registered_on}, continuously until the hire on {hired_on}",
    )


@dataclass(frozen=True, slots=True)
class Hire:
    person: str  # whom the unit hired, as this service knows them (a keyed hash)
    hired_on: dt.date
    unemployed_since: dt.date | None  # the start of the continuous unemployment ending at the hire; None if none
    contract_years: Decimal | None  # as stated by the unit; None if not stated
    interval: str = ""  # how ``unemployed_since`` was found (unemployed_since's explanation)


@dataclass(frozen=True, slots=True)
class HireJudgement:
    person: str
    counted: bool
    reason: str


@dataclass(frozen=True, slots=True)
class IncentiveDecision:
    qualifies: bool
    hires: int
    counted: int
    share: Decimal
    judgements: tuple[HireJudgement, ...]
    parameters: tuple[ParameterValue, ...]
    clause: str = "N§7"


def judge_incentive(hires: Sequence[Hire], params: dict[str, ParameterValue]) -> IncentiveDecision:
    long_days = int(params["long_term_unemployed_days"].value)
    min_years = Decimal(params["incentive_contract_years"].value)
    threshold = Decimal(params["incentive_share"].value)
    out = []
    for h in hires:
        interval = h.interval or ("never registered as unemployed" if h.unemployed_since is None else "")
        if h.unemployed_since is None:
            out.append(HireJudgement(h.person, False, interval))
            continue
        days = (h.hired_on - h.unemployed_since).days
        counted = f"{interval}: {days} days" if interval else f"unemployed {days} days before the hire"
        if days <= long_days:
            out.append(HireJudgement(h.person, False, f"{counted}; more than {long_days} needed"))
        elif h.contract_years is None or h.contract_years < min_years:
            out.append(
                HireJudgement(
                    h.person,
                    False,
                    f"{counted}; contract of {h.contract_years or 0} years, {min_years} or more needed",
                )
            )
        else:
            out.append(HireJudgement(h.person, True, f"{counted}; contract of {h.contract_years} years"))
    counted = sum(j.counted for j in out)
    share = (Decimal(counted) / len(out)).quantize(Decimal("0.0001")) if out else Decimal(0)
    return IncentiveDecision(
        qualifies=bool(out) and share > threshold,
        hires=len(out),
        counted=counted,
        share=share,
        judgements=tuple(out),
        parameters=(params["incentive_share"], params["long_term_unemployed_days"], params["incentive_contract_years"]),
    )
