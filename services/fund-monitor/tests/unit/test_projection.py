"""The six-month projection with filed layoffs not yet claimed (N§8; policy.md Fund monitoring 2)."""

import datetime as dt
from decimal import Decimal

import pytest

from fund_monitor.rules import parameters
from fund_monitor.rules.months import add_months
from fund_monitor.rules.projection import LayoffExposure, average_benefit, layoff_counted, layoff_term, project

PARAMS = parameters.in_force("220100", dt.date(2026, 11, 1))
AS_OF = dt.date(2026, 10, 1)
NEXT = dt.date(2026, 11, 1)


def layoff(people=60, claimed=0, date=dt.date(2026, 11, 20), executed=False) -> LayoffExposure:
    return LayoffExposure(1, "91220101MA0Y3XXK87", date, people, executed, claimed)


@pytest.mark.parametrize(
    ("case", "lay", "remaining", "first", "months_to_come", "horizon_months"),
    [
        # 60 × 0.70 = 42 expected claimants; benefits from the month after the layoff, for 12 months
        ("planned layoff next month", layoff(), 42, dt.date(2026, 12, 1), 12, 5),
        ("claims already registered shrink it", layoff(claimed=12), 30, dt.date(2026, 12, 1), 12, 5),
        ("more claims than expected: nothing left", layoff(claimed=50), 0, dt.date(2026, 12, 1), 12, 5),
        (
            "a layoff in March: April to March, 5 months to come",
            layoff(date=dt.date(2026, 3, 5)),
            42,
            dt.date(2026, 4, 1),
            5,
            5,
        ),
        (
            "an old layoff beyond the expected months adds nothing",
            layoff(date=dt.date(2025, 1, 5)),
            42,
            dt.date(2025, 2, 1),
            0,
            0,
        ),
        ("executed: the separated count", layoff(people=10, executed=True), 7, dt.date(2026, 12, 1), 12, 5),
    ],
)
def test_layoff_term(case, lay, remaining, first, months_to_come, horizon_months) -> None:
    t = layoff_term(lay, NEXT, 6, 40_000, PARAMS)
    assert t.remaining_claimants == remaining, case
    assert t.first_benefit_month == first, case
    assert t.total_expected_cost_fen == remaining * 40_000 * months_to_come, case
    assert t.cost_in_horizon_fen == remaining * 40_000 * horizon_months, case
    assert t.claim_share == Decimal("0.70") and t.expected_months == 12


def test_projection_shows_each_term() -> None:
    months = [add_months(AS_OF, -i) for i in range(12)]
    income = {m: 90_000 for m in months}
    spending = {m: 100_000 for m in months}
    p = project(AS_OF, 1_000_000, income, spending, months[-1], (40_000, "payments"), [layoff()], PARAMS)
    assert [m.month for m in p.months] == [add_months(NEXT, i) for i in range(6)]
    first, second = p.months[0], p.months[1]
    assert (first.baseline_income_fen, first.baseline_expenditure_fen, first.layoff_cost_fen) == (90_000, 100_000, 0)
    assert first.closing_balance_fen == 1_000_000 - 10_000
    assert second.layoff_cost_fen == 42 * 40_000
    assert second.closing_balance_fen == first.closing_balance_fen + 90_000 - 100_000 - 42 * 40_000
    # capacity of a projected month: its balance over the trailing 12 months of actual and projected spending
    expected = Decimal(second.closing_balance_fen) * 12 / Decimal(10 * 100_000 + 100_000 + 100_000 + 42 * 40_000)
    assert second.capacity_months == expected.quantize(Decimal("0.01"), "ROUND_DOWN")
    assert {c.name for c in p.criteria} == {"projection_baseline", "projection_filed_layoffs", "projection_runs_out"}
    assert all(c.clause == "N§8" for c in p.criteria)
    # 1,000,000 − 10,000 a month, then − 1,680,000 more from December: below zero at December's close
    assert p.runs_out == NEXT.replace(month=12)


@pytest.mark.parametrize(
    ("case", "balance", "net_fen", "expected"),
    [
        ("already below zero: runs out now", -1, 0, AS_OF),
        ("lasts the horizon", 1_000_000, -10_000, None),
        ("exactly zero is not run out", 60_000, -10_000, None),
        ("the first month that closes below zero", 25_000, -10_000, dt.date(2027, 1, 1)),
        ("income above spending never runs out", 0, 5_000, None),
    ],
)
def test_the_month_the_fund_runs_out(case, balance, net_fen, expected) -> None:
    """#26 item 3: the dashboard marks the month the projection goes below zero (N§8)."""
    months = [add_months(AS_OF, -i) for i in range(12)]
    income = {m: 100_000 + net_fen for m in months}
    spending = {m: 100_000 for m in months}
    p = project(AS_OF, balance, income, spending, months[-1], (40_000, "payments"), [], PARAMS)
    assert p.runs_out == expected, case
    explained = next(c for c in p.criteria if c.name == "projection_runs_out")
    assert explained.met is (expected is not None) and explained.clause == "N§8", case


def test_average_benefit_from_payments_or_parameter() -> None:
    assert average_benefit(1_200_000, 30, PARAMS) == (40_000, "payments")
    assert average_benefit(0, 0, PARAMS) == (40_000, "parameter")  # 400.00 yuan in parameters.json


@pytest.mark.parametrize(
    ("clause", "ended_on", "filings", "counted"),
    [
        (
            "N§8: the latest filing by the end",
            dt.date(2026, 11, 30),
            [(dt.date(2026, 9, 1), 1), (dt.date(2026, 10, 1), 2)],
            2,
        ),
        (
            "N§8: a filing after the end does not count it",
            dt.date(2026, 9, 15),
            [(dt.date(2026, 9, 1), 1), (dt.date(2026, 10, 1), 2)],
            1,
        ),
        ("N§8: no filing by then", dt.date(2026, 8, 1), [(dt.date(2026, 9, 1), 1)], None),
    ],
)
def test_an_involuntary_end_counts_against_the_layoff_filed_by_then(clause, ended_on, filings, counted) -> None:
    assert layoff_counted(ended_on, filings) == counted, clause
