"""Subsidy uptake (policy.md Re-employment support 6; N§6 ¶2): the last whole quarter, the flag, the share used."""

import datetime as dt

import pytest

from fund_monitor.rules.uptake import budget_used, last_whole_quarter, uptake_criterion


@pytest.mark.parametrize(
    ("month", "first", "last", "label"),
    [
        (dt.date(2026, 12, 1), dt.date(2026, 7, 1), dt.date(2026, 9, 1), "2026-Q3"),
        (dt.date(2026, 10, 1), dt.date(2026, 7, 1), dt.date(2026, 9, 1), "2026-Q3"),
        (dt.date(2026, 9, 1), dt.date(2026, 4, 1), dt.date(2026, 6, 1), "2026-Q2"),
        (dt.date(2026, 2, 1), dt.date(2025, 10, 1), dt.date(2025, 12, 1), "2025-Q4"),
    ],
)
def test_last_whole_quarter(month, first, last, label) -> None:
    assert last_whole_quarter(month) == (first, last, label)


def test_flag_only_when_nothing_was_paid() -> None:
    assert uptake_criterion(1, 1, "2026-Q3").met
    none = uptake_criterion(0, 0, "2026-Q3")
    assert (none.met, none.clause) == (False, "N§6 ¶2") and "reduced" in none.explanation


@pytest.mark.parametrize(
    ("spent", "budget", "used"), [(0, 0, None), (500, 0, None), (0, 100, "0.0000"), (1, 3, "0.3333"), (2, 3, "0.6667")]
)
def test_budget_used(spent, budget, used) -> None:
    assert budget_used(spent, budget) == used
