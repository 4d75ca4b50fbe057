"""Payment capacity = balance ÷ average monthly expenditure over the trailing window (N§8), and the alert tiers it
calls for (N§8: under two months; early warning under six)."""

import datetime as dt
from decimal import Decimal

import pytest

from fund_monitor.rules import alerts, parameters
from fund_monitor.rules.capacity import explain, payment_capacity
from fund_monitor.rules.months import add_months

PARAMS = parameters.in_force("220100", dt.date(2026, 11, 1))
M = dt.date(2026, 10, 1)


def spend(months: int, amount: int, until: dt.date = M) -> dict[dt.date, int]:
    return {add_months(until, -i): amount for i in range(months)}


@pytest.mark.parametrize(
    ("case", "balance", "expenditure", "first_month", "months", "window"),
    [
        ("N§8 twelve months of 100 against 1,200", 1_200, spend(12, 100), None, Decimal("12.00"), 12),
        (
            "N§8 only the trailing 12 months count",
            1_200,
            {**spend(12, 100), dt.date(2025, 1, 1): 10_000},
            None,
            Decimal("12.00"),
            12,
        ),
        ("N§8 under two months", 199, spend(12, 100), None, Decimal("1.99"), 12),
        ("N§8 rounded down so 1.999 is not shown as 2", 19_999, spend(12, 10_000), None, Decimal("1.99"), 12),
        ("N§8 young fund averaged over its own months", 300, spend(3, 100), add_months(M, -2), Decimal("3.00"), 3),
        ("N§8 no expenditure: unbounded", 5_000, {}, None, None, 12),
        ("N§8 overdrawn fund", -100, spend(12, 100), None, Decimal("-1.00"), 12),
    ],
)
def test_payment_capacity(case, balance, expenditure, first_month, months, window) -> None:
    cap = payment_capacity(M, balance, expenditure, first_month, PARAMS)
    assert cap.months == months, case
    assert cap.window_months == window, case
    c = explain(cap, PARAMS)
    assert c.clause == "N§8" and c.parameters[0].name == "capacity_window_months"


@pytest.mark.parametrize(
    ("capacity", "critical", "early"),
    [
        (Decimal("1.99"), True, True),  # N§8: under two months
        (Decimal("2.00"), False, True),  # two months exactly is not "under two"
        (Decimal("5.99"), False, True),  # early-warning tier
        (Decimal("6.00"), False, False),
        (None, False, False),  # no expenditure, nothing to warn of
        (Decimal("-3.00"), True, True),
    ],
)
def test_alert_tiers(capacity, critical, early) -> None:
    decided = {d.level: d for d in alerts.tiers(capacity, PARAMS)}
    assert decided["critical"].due is critical
    assert decided["early_warning"].due is early
    assert decided["critical"].criterion.clause == "N§8"
    assert decided["critical"].criterion.parameters[0].name == "alert_threshold_months"


def test_critical_alert_goes_to_three_recipients() -> None:
    # N§8: report to the local government, file with the provincial labor department and social-insurance company
    assert alerts.RECIPIENTS["critical"] == (
        "local_government",
        "provincial_labor_department",
        "provincial_social_insurance",
    )


def test_months_before_the_first_parameter_use_the_first_values() -> None:
    # money booked from records older than the notice still gets a capacity figure, with the 2005 values
    old = parameters.in_force("220100", dt.date(1998, 3, 1))
    assert old["capacity_window_months"].valid_from == dt.date(2005, 1, 1)
