"""Eligibility, duration and amount of unemployment benefit (docs/policy.md, Claims 2-6; R14, R17, R18; N§3(2),
N§3(3); 社会保险法 (SIL) 45, 46, 52 for decisions dated from 2011-07-01).

Pure functions over plain data. Every answer lists each criterion: met or not, the values used, every parameter
with its ``valid_from`` and clause, and the clause applied, so an officer can check the decision against the text.

How the months are counted (the reading this project enforces, each part tested):
* Contribution months are counted **in total** (累计) since the restart point, across every employer and the
  merged flexible track (N§3(2)): not only the job that just ended. A calendar month counts once, however many
  jobs paid it.
* The restart point is the registration of the latest earlier claim that **drew benefits** (R17/SIL46: after
  re-employment the count restarts); a claim that drew nothing restarts nothing.
* Months paid in another pooling region count for decisions dated from 2011-07-01 (SIL52: the relationship moves
  with the person and the time adds up). Before that only the claim's own region counted (N§3(3)). This is a
  dated *variant* of the rule, not a value: ``COUNTING``.
* N§3(3) (short jobs in the same region within 36 months add up) is a guarantee: the months it finds are also
  counted above, so it can never lower the count. It is computed and shown, and the basis is the larger of the two.
* Duration (R17; SIL46, same figures) from a dated table; months left unclaimed from the previous unemployment
  are added, the total capped at 24.
* The amount (R18) is the region's parameter; a value outside the band between the minimum-living standard and the
  minimum wage is refused when the parameters are read (``default_values``), so it never refuses a claimant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from insurance_shared import (
    Criterion,
    ParameterValue,
    Variant,
    in_force_all,
    load_parameter_file,
    parse_yuan,
    variant_on,
)
from insurance_shared.contracts import is_involuntary

NAMES = (
    "short_job_window_months",
    "minimum_months",
    "duration_table",
    "max_total_months",
    "benefit_amount",
    "minimum_wage",
    "living_standard",
    "separation_filing_days",
    "unjustified_refusals_to_stop",
    "funeral_subsidy",
    "survivors_pension_months",
)

SIL_IN_FORCE = dt.date(2011, 7, 1)
"""社会保险法 in force: where it differs from the 1999 Regulation it governs every decision dated from this day."""


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


# ---- parameters ---------------------------------------------------------------------------------------------------


def benefit_band_problem(amount: int, minimum_wage: int, living_standard: int) -> str | None:
    """R18: why ``amount`` cannot be the benefit, or None."""
    if not living_standard < amount < minimum_wage:
        return f"the benefit must lie above the minimum-living standard ({living_standard} fen) and below the minimum wage ({minimum_wage} fen)"
    return None


def band_problems(values: Iterable[ParameterValue]) -> list[str]:
    """R18 over a whole set of dated values: at every date any of the three changes, in every region, the benefit
    in force lies strictly between the living standard and the minimum wage in force. Each problem names the
    region, the date and both bounds with the dates they took effect."""
    values = tuple(values)
    names = ("benefit_amount", "minimum_wage", "living_standard")
    regions = sorted({v.region for v in values if v.region is not None and v.name in names})
    problems = []
    for region in regions:
        dates = sorted({v.valid_from for v in values if v.name in names and v.region in (None, region)})
        for on in dates:
            try:
                p = in_force_all(values, names, region, on)
            except LookupError:
                continue
            amount, wage, floor = (parse_yuan(p[n].value) for n in names)
            if benefit_band_problem(amount, wage, floor):
                problems.append(
                    f"region {region} on {on}: benefit {p['benefit_amount'].value} (from {p['benefit_amount'].valid_from}) "
                    f"must lie above the minimum-living standard {p['living_standard'].value} "
                    f"(from {p['living_standard'].valid_from}) and below the minimum wage {p['minimum_wage'].value} "
                    f"(from {p['minimum_wage'].valid_from}) (R18)"
                )
    return problems


@cache
def default_values() -> tuple[ParameterValue, ...]:
    values = load_parameter_file("claims.rules", "parameters.json")
    if problems := band_problems(values):
        raise ValueError("claims parameters break R18: " + "; ".join(problems))
    return values


def parameters_on(values: Iterable[ParameterValue], region: str, on: dt.date) -> dict[str, ParameterValue]:
    return in_force_all(values, NAMES, region, on)


# ---- dated rules --------------------------------------------------------------------------------------------------


def _same_region(month: PaidMonth, region: str) -> bool:
    return month.region == region


def _every_region(month: PaidMonth, region: str) -> bool:
    return True


COUNTING: tuple[Variant, ...] = (
    Variant(dt.date(2005, 1, 1), "N§3(3)", _same_region),
    Variant(SIL_IN_FORCE, "SIL52", _every_region),
)
"""Which paid months count towards a claim of ``region``: before 2011-07-01 those of the same pooling region; from
then on every region's (the relationship moves with the person)."""


def duration_table(param: ParameterValue) -> tuple[tuple[int, int], ...]:
    """``"12:12,60:18,120:24"`` → ((12, 12), (60, 18), (120, 24)): from so many months, at most so many."""
    rows = []
    for part in param.value.split(","):
        months, entitled = part.split(":")
        rows.append((int(months), int(entitled)))
    return tuple(sorted(rows))


def table_first(table: ParameterValue) -> int:
    """The fewest months the duration table pays for."""
    return duration_table(table)[0][0]


def duration_for(months: int, table: Sequence[tuple[int, int]] = ((12, 12), (60, 18), (120, 24))) -> tuple[int, str]:
    """R17/SIL46: the longest benefit period for ``months`` of contributions, and the row applied."""
    entitled, rule = 0, f"under {table[0][0]} months → no benefit"
    for i, (lower, most) in enumerate(table):
        if months >= lower:
            upper = table[i + 1][0] - 1 if i + 1 < len(table) else None
            span = f"{lower}–{upper} months" if upper is not None else f"{lower} or more months"
            entitled, rule = most, f"{span} → at most {most} months"
    return entitled, rule


@dataclass(frozen=True, slots=True)
class Job:
    """A job as the contribution history knows it (unit track or the person's own flexible employment)."""

    unit: str | None
    track: str  # unit | flexible
    start: dt.date
    end: dt.date | None
    reason: str | None  # why it ended


@dataclass(frozen=True, slots=True)
class Separation:
    """The unit's filing of the separation (R16; SIL50): the last word on why and when a job ended."""

    unit: str
    on: dt.date
    reason: str


@dataclass(frozen=True, slots=True)
class Unemployment:
    reason: str | None
    ended_unit: str | None
    since: dt.date


def unemployment_on(jobs: Sequence[Job], filed: Separation | None, on: dt.date) -> Unemployment:
    """Which separation a decision on ``on`` rests on (R14(2)): the unit job that ended last on or before ``on``;
    a separation the unit filed on or after that end prevails (the filing is the unit's own account, R16), and with
    no job known the filing alone; with neither, the unemployment begins on ``on``."""
    ended = [j for j in jobs if j.track == "unit" and j.end is not None and j.end <= on]
    last = max(ended, key=lambda j: j.end) if ended else None  # type: ignore[arg-type, return-value]
    out = Unemployment(last.reason, last.unit, last.end) if last is not None else Unemployment(None, None, on)  # type: ignore[arg-type]
    if filed is not None and (last is None or filed.on >= out.since):
        out = Unemployment(filed.reason, filed.unit, filed.on)
    return out


def in_flexible_employment(jobs: Sequence[Job], on: dt.date) -> bool:
    """N§3(2): a merged-track flexible worker in flexible employment on ``on`` is not registered as unemployed. In it
    on ``on``: begun by then and not ended by then (a spell that ended after a day in the past still held that day,
    for a check dated back or a claim decided again; one ending on the day has ended, as a unit job does)."""
    return any(j.track == "flexible" and j.start <= on and (j.end is None or j.end > on) for j in jobs)


def insured_region(months: Sequence[PaidMonth], ended_unit: str | None, fallback: str | None) -> str | None:
    """参保地 (Claims 5): the pooling region of the last insured job, where the claim is registered and decided.
    Read from the paid months, which name the pooling region whose fund they fed (a provincial-direct unit's
    people belong to its home region, N§3(4), though the province collects): the latest month of the job that
    ended, else the latest month of any job, else ``fallback`` (the region of the employment or separation)."""
    of_job = [m for m in months if ended_unit is not None and m.unit == ended_unit]
    pool = of_job or list(months)
    if not pool:
        return fallback
    return max(pool, key=lambda m: (m.period, m.region)).region


def months_before(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - n, 12)
    return dt.date(y, m + 1, 1)


def separation_deadline(separation_date: dt.date, filed_on: dt.date, days: ParameterValue) -> Criterion:
    """R16 (7 days), SIL50 (15 days for separations from 2011-07-01): was the list filed in time? ``days`` is the
    parameter in force on the separation date. ``met`` means filed in time."""
    limit = int(days.value)
    deadline = separation_date + dt.timedelta(days=limit)
    late_by = (filed_on - deadline).days
    return Criterion(
        "separation_filed_in_time",
        late_by <= 0,
        days.clause,
        f"separated on {separation_date}, filed on {filed_on}: the list is due within {limit} days, by {deadline}"
        + (f"; {late_by} days late" if late_by > 0 else ""),
        {"separation_date": separation_date, "filed_on": filed_on, "deadline": deadline, "days_late": max(late_by, 0)},
        (days,),
        f"{separation_date}离职, {filed_on}报送: 名单应在离职后{limit}日内、即{deadline}前报送"
        + (f"; 逾期{late_by}日" if late_by > 0 else ""),
    )


# ---- the decision -------------------------------------------------------------------------------------------------


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
    on: dt.date,
) -> Decision:
    """``restart_after``: the registration date of the latest earlier claim that drew benefits (its months were
    used by it); ``on``: the decision's date, which chooses the law in force (the parameters are those of ``on``)."""
    p = params
    window = int(p["short_job_window_months"].value)
    minimum = int(p["minimum_months"].value)
    cap = int(p["max_total_months"].value)
    counting = variant_on(COUNTING, on)

    restart = restart_after.replace(day=1) if restart_after is not None else None
    # the months paid by the decision's day (SIL45(1): contributions before the unemployment); after the restart
    since_restart = [m for m in months if m.period <= on and (restart is None or m.period > restart)]
    all_periods = {m.period for m in since_restart}
    counted = {m.period for m in since_restart if counting.formula(m, region)}
    flexible = {m.period for m in since_restart if m.unit is None and counting.formula(m, region)}
    ended_job = {m.period for m in since_restart if ended_unit is not None and m.unit == ended_unit}

    # N§3(3): jobs (units) of this region each under the minimum within the window, summed, a month once
    last = unemployed_from.replace(day=1)
    since = months_before(last, window - 1)
    per_unit: dict[str, set[dt.date]] = {}
    for m in since_restart:
        if m.unit is not None and m.region == region:
            per_unit.setdefault(m.unit, set()).add(m.period)
    short_months: set[dt.date] = set()
    for periods in per_unit.values():
        if len(periods) < minimum:
            short_months |= {q for q in periods if since <= q <= last}
    short_sum = len(short_months)

    basis = max(len(counted), short_sum)
    via = None
    if len(counted) >= minimum:
        via = f"{p['minimum_months'].clause}; {counting.reference}"
    elif short_sum >= minimum:  # cannot happen while N§3(3)'s months are counted above; kept as the guarantee
        via = "N§3(3)"
    other_regions = len(all_periods) - len(counted)
    explanation = (
        f"{len(counted)} distinct months paid since "
        + (f"the claim registered on {restart_after} that drew benefits" if restart_after else "the first record")
        + f", across every employer (the job that ended carries {len(ended_job)})"
        + (f", {len(flexible)} of them on the merged flexible track (N§3(2))" if flexible else "")
        + (
            f"; {other_regions} months paid only in other regions do not count before {SIL_IN_FORCE} ({counting.reference})"
            if other_regions and counting.formula is _same_region
            else ("; months of every pooling region count (SIL52)" if counting.formula is _every_region else "")
        )
        + f"; short jobs in region {region} since {since:%Y-%m} add up to {short_sum} (N§3(3), a guarantee)"
        + f"; {minimum} needed"
    )
    explanation_zh = (
        ("自" + (f"{restart_after}登记并领取过待遇的上次申领以来" if restart_after else "有缴费记录以来"))
        + f"共缴费{len(counted)}个不同月份, 计入所有用人单位 (刚结束的工作占{len(ended_job)}个月)"
        + (f", 其中{len(flexible)}个月为并轨的灵活就业人员本人缴费 (N§3(2))" if flexible else "")
        + (
            f"; 仅在其他统筹地区缴费的{other_regions}个月在{SIL_IN_FORCE}之前不累计 ({counting.reference})"
            if other_regions and counting.formula is _same_region
            else ("; 各统筹地区的缴费月份均累计计算 (SIL52)" if counting.formula is _every_region else "")
        )
        + f"; 本地区 {since:%Y-%m} 以来的短期就业累计{short_sum}个月 (N§3(3), 保底规则)"
        + f"; 需满{minimum}个月"
    )
    criteria: list[Criterion] = [
        Criterion(
            "contribution_months",
            via is not None,
            via or f"{p['minimum_months'].clause}; {counting.reference}; N§3(3)",
            explanation,
            {
                "months_paid_since_restart": len(all_periods),
                "months_counted": len(counted),
                "other_region_months_not_counted": other_regions if counting.formula is _same_region else 0,
                "ended_job_months": len(ended_job),
                "flexible_months": len(flexible),
                "short_job_months": short_sum,
                "basis_months": basis,
                "restart_after": restart_after,
                "rule_in_force_on": on,
            },
            (p["minimum_months"], p["short_job_window_months"]),
            explanation_zh,
        )
    ]
    involuntary = separation_reason is not None and is_involuntary(separation_reason)
    reason_clause = "SIL45(2)" if on >= SIL_IN_FORCE else "R14(2)"
    criteria.append(
        Criterion(
            "involuntary_separation",
            involuntary,
            reason_clause,
            f"separation reason {separation_reason or 'unknown'}: "
            + ("the job ended against the person's will" if involuntary else "not an involuntary separation"),
            {"separation_reason": separation_reason},
            explanation_zh=f"离职原因 {separation_reason or '不明'}: "
            + ("非因本人意愿中断就业" if involuntary else "不属于非因本人意愿中断就业"),
        )
    )
    criteria.append(
        Criterion(
            "registered_and_seeking_work",
            job_seeking,
            "SIL45(3)" if on >= SIL_IN_FORCE else "R14(3)",
            "registered as unemployed and declared seeking work" if job_seeking else "no job-seeking declaration",
            {"job_seeking": job_seeking},
            explanation_zh="已进行失业登记, 有求职要求" if job_seeking else "未表示有求职要求",
        )
    )
    table = p["duration_table"]
    entitled, rule = duration_for(basis, duration_table(table))
    carried = min(max(carried_over, 0), cap)
    total = min(entitled + carried, cap) if entitled else 0
    criteria.append(
        Criterion(
            "duration",
            entitled > 0,
            table.clause,
            f"{basis} months: {rule}; {carried} months left from the previous unemployment added, capped at {cap}",
            {"basis_months": basis, "entitled_months": entitled, "carried_over": carried, "total_months": total},
            (table, p["max_total_months"]),
            (
                f"累计缴费{basis}个月, 最长领取{entitled}个月"
                if entitled
                else f"累计缴费{basis}个月, 不足{table_first(table)}个月, 不享受待遇"
            )
            + f"; 加上次失业应领而未领的{carried}个月, 合计不超过{cap}个月",
        )
    )
    amount = parse_yuan(p["benefit_amount"].value)
    criteria.append(
        Criterion(
            "amount",
            True,  # the band is checked when parameters are read or entered, never against a claimant
            p["benefit_amount"].clause,
            f"{p['benefit_amount'].value} yuan a month, above the minimum-living standard "
            f"{p['living_standard'].value} and below the minimum wage {p['minimum_wage'].value}",
            {"monthly_amount": p["benefit_amount"].value},
            (p["benefit_amount"], p["minimum_wage"], p["living_standard"]),
            f"每月{p['benefit_amount'].value}元, 高于城市居民最低生活保障标准{p['living_standard'].value}元, "
            f"低于最低工资标准{p['minimum_wage'].value}元",
        )
    )
    eligible = all(c.met for c in criteria)
    return Decision(eligible, basis, entitled, carried, total if eligible else 0, amount, tuple(criteria))
