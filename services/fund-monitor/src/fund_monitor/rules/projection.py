"""The next months of a region's fund, with the expected cost of filed layoffs not yet claimed (policy.md Fund
monitoring 2; N§8).

Baseline: each projected month repeats the average monthly recurring income and expenditure of the capacity
window. Layoffs: each filed (or executed) and not withdrawn layoff adds
``remaining claimants × average monthly benefit`` to every projected month within ``layoff_expected_months`` of
its first benefit month (the month after the layoff date), where
``remaining claimants = round(people × layoff_claim_share) − claims already registered by people it laid off``.
People are the planned count until the layoff is executed, then the count actually separated. Every term is kept
so the projection can show its working.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from insurance_shared import Criterion, ParameterValue, format_yuan, round_half_up

from .capacity import window
from .months import add_months, format_month, month_of
from .parameters import as_decimal, as_fen, as_int


@dataclass(frozen=True, slots=True)
class LayoffExposure:
    filing_id: int
    unit_credit_code: str
    layoff_date: dt.date
    people: int  # planned, or separated once executed
    executed: bool
    claimed: int


@dataclass(frozen=True, slots=True)
class LayoffTerm:
    filing_id: int
    unit_credit_code: str
    people: int
    executed: bool
    claim_share: Decimal
    expected_claimants: int
    claimed: int
    remaining_claimants: int
    average_benefit_fen: int
    expected_months: int
    first_benefit_month: dt.date
    total_expected_cost_fen: int  # remaining claimants × benefit × expected months still to come
    cost_in_horizon_fen: int


@dataclass(frozen=True, slots=True)
class ProjectedMonth:
    month: dt.date
    baseline_income_fen: int
    baseline_expenditure_fen: int
    layoff_cost_fen: int
    closing_balance_fen: int
    capacity_months: Decimal | None


@dataclass(frozen=True, slots=True)
class Projection:
    as_of: dt.date
    opening_balance_fen: int
    average_benefit_fen: int
    average_benefit_source: str  # "payments" (the region's own, in the window) or "parameter"
    months: tuple[ProjectedMonth, ...]
    layoffs: tuple[LayoffTerm, ...]
    criteria: tuple[Criterion, ...]
    runs_out: dt.date | None  # the first month the fund cannot pay from its own balance (see runs_out)


def runs_out(as_of: dt.date, balance_fen: int, months: Sequence[ProjectedMonth]) -> dt.date | None:
    """The month the fund runs out: ``as_of`` if its balance is already below zero, else the first projected month
    that closes below zero; None when it lasts the whole horizon."""
    if balance_fen < 0:
        return as_of
    return next((m.month for m in months if m.closing_balance_fen < 0), None)


def average_benefit(
    benefits_fen: int, benefit_claim_months: int, params: Mapping[str, ParameterValue]
) -> tuple[int, str]:
    """The region's own average monthly benefit in the window, or the parameter while it has paid none."""
    if benefit_claim_months > 0:
        return round_half_up(Decimal(benefits_fen) / benefit_claim_months), "payments"
    return as_fen(params["average_monthly_benefit"]), "parameter"


def _count(first: dt.date, last: dt.date) -> int:
    return max((last.year - first.year) * 12 + last.month - first.month + 1, 0)


def layoff_term(
    layoff: LayoffExposure,
    first_projected: dt.date,
    horizon: int,
    benefit_fen: int,
    params: Mapping[str, ParameterValue],
) -> LayoffTerm:
    share = as_decimal(params["layoff_claim_share"])
    expected_months = as_int(params["layoff_expected_months"])
    expected = round_half_up(Decimal(layoff.people) * share)
    remaining = max(expected - layoff.claimed, 0)
    first = add_months(month_of(layoff.layoff_date), 1)
    last_benefit = add_months(first, expected_months - 1)
    start = max(first, first_projected)  # months already past are no longer a cost to come
    last_projected = add_months(first_projected, horizon - 1)
    months_to_come = _count(start, last_benefit)
    months_in_horizon = _count(start, min(last_benefit, last_projected))
    return LayoffTerm(
        filing_id=layoff.filing_id,
        unit_credit_code=layoff.unit_credit_code,
        people=layoff.people,
        executed=layoff.executed,
        claim_share=share,
        expected_claimants=expected,
        claimed=layoff.claimed,
        remaining_claimants=remaining,
        average_benefit_fen=benefit_fen,
        expected_months=expected_months,
        first_benefit_month=first,
        total_expected_cost_fen=remaining * benefit_fen * months_to_come,
        cost_in_horizon_fen=remaining * benefit_fen * months_in_horizon,
    )


def _cost_in(term: LayoffTerm, month: dt.date) -> int:
    if term.first_benefit_month <= month < add_months(term.first_benefit_month, term.expected_months):
        return term.remaining_claimants * term.average_benefit_fen
    return 0


def project(
    as_of: dt.date,
    balance_fen: int,
    income_by_month: Mapping[dt.date, int],
    expenditure_by_month: Mapping[dt.date, int],
    first_month: dt.date | None,
    benefit: tuple[int, str],
    layoffs: Sequence[LayoffExposure],
    params: Mapping[str, ParameterValue],
) -> Projection:
    """``income_by_month`` holds recurring income only (no opening balances or one-off transfers)."""
    size = as_int(params["capacity_window_months"])
    horizon = as_int(params["projection_months"])
    past = window(as_of, size, first_month)
    base_income = round_half_up(Decimal(sum(income_by_month.get(m, 0) for m in past)) / len(past))
    base_spend = round_half_up(Decimal(sum(expenditure_by_month.get(m, 0) for m in past)) / len(past))
    first_projected = add_months(as_of, 1)
    terms = tuple(layoff_term(lay, first_projected, horizon, benefit[0], params) for lay in layoffs)

    spending = {m: expenditure_by_month.get(m, 0) for m in past}
    balance = balance_fen
    months = []
    for i in range(horizon):
        month = add_months(first_projected, i)
        layoff_cost = sum(_cost_in(t, month) for t in terms)
        spend = base_spend + layoff_cost
        balance += base_income - spend
        spending[month] = spend
        trailing = window(month, size, first_month)
        total = sum(spending.get(m, 0) for m in trailing)
        capacity = None
        if total:
            capacity = (Decimal(balance) * len(trailing) / Decimal(total)).quantize(Decimal("0.01"), ROUND_DOWN)
        months.append(ProjectedMonth(month, base_income, base_spend, layoff_cost, balance, capacity))

    criteria = (
        Criterion(
            name="projection_baseline",
            met=True,
            clause="N§8",
            explanation=(
                f"each month from {format_month(first_projected)} repeats the average recurring income "
                f"{format_yuan(base_income)} and expenditure {format_yuan(base_spend)} of the {len(past)} months "
                f"to {format_month(as_of)}"
            ),
            values={"months_averaged": len(past), "horizon_months": horizon},
            parameters=(params["capacity_window_months"], params["projection_months"]),
            explanation_zh=(
                f"自{format_month(first_projected)}起每月按截至{format_month(as_of)}的{len(past)}个月"
                f"平均经常性收入{format_yuan(base_income)}元、支出{format_yuan(base_spend)}元推算"
            ),
        ),
        Criterion(
            name="projection_filed_layoffs",
            met=bool(terms),
            clause="N§8",
            explanation=(
                f"{len(terms)} filed layoff(s) not withdrawn add {format_yuan(sum(t.cost_in_horizon_fen for t in terms))}"
                f" within the horizon; average monthly benefit {format_yuan(benefit[0])} from {benefit[1]}"
            ),
            values={"layoffs": len(terms), "average_benefit_source": benefit[1]},
            explanation_zh=(
                f"已报告未撤回的{len(terms)}次裁员在预测期内增加支出"
                f"{format_yuan(sum(t.cost_in_horizon_fen for t in terms))}元; 月均待遇{format_yuan(benefit[0])}元"
                f" (来源: {benefit[1]})"
            ),
            parameters=(
                params["layoff_claim_share"],
                params["layoff_expected_months"],
                *((params["average_monthly_benefit"],) if benefit[1] == "parameter" else ()),
            ),
        ),
    )
    out = runs_out(as_of, balance_fen, months)
    criteria += (
        Criterion(
            name="projection_runs_out",
            met=out is not None,
            clause="N§8",
            explanation=(
                f"the balance lasts the {horizon} projected months"
                if out is None
                else f"the balance is below zero from {format_month(out)}"
            ),
            values={"runs_out": None if out is None else format_month(out)},
            parameters=(params["projection_months"],),
            explanation_zh=f"预测的{horizon}个月内结余足够" if out is None else f"自{format_month(out)}起结余为负",
        ),
    )
    return Projection(as_of, balance_fen, benefit[0], benefit[1], tuple(months), terms, criteria, out)


def layoff_counted(ended_on: dt.date, filings: Iterable[tuple[dt.date, int]]) -> int | None:
    """N§8 projection: an involuntary end at a unit counts against the latest layoff the unit had filed by that day
    (``filings``: (filed on, filing id)); None when it had filed none by then."""
    latest = max((f for f in filings if f[0] <= ended_on), default=None)
    return None if latest is None else latest[1]
