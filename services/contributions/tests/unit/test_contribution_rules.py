"""Declaration lines and dated parameters (policy.md Contributions 1-2; R6; N§3 ¶1)."""

import datetime as dt
from decimal import Decimal

import pytest

from contributions.rules.amounts import line_amounts
from contributions.rules.parameters import ParameterValue, default_values, in_force, parameters_for, validate_value
from contributions.rules.periods import due_date, months_between, parse_period

P = parameters_for(default_values(), "220100", dt.date(2026, 10, 1))  # floor 2500.00, ceiling 12500.00


@pytest.mark.parametrize(
    ("clause", "declared", "base", "clamped", "amounts"),
    [
        ("R6; C2", 500_000, 500_000, None, (100_000, 40_000, 10_000, 5_000)),
        ("C2 floor", 100_000, 250_000, "floor", (50_000, 20_000, 5_000, 2_500)),
        ("C2 ceiling", 2_000_000, 1_250_000, "ceiling", (250_000, 100_000, 25_000, 12_500)),
        ("C2 half up per line", 345_050, 345_050, None, (69_010, 27_604, 6_901, 3_451)),  # 3450.50 × 1% = 34.505
    ],
)
def test_line_amounts(clause, declared, base, clamped, amounts) -> None:
    got = line_amounts(declared, P)
    assert (got.base, got.clamped) == (base, clamped)
    assert (got.pension_unit, got.pension_person, got.unemployment_unit, got.unemployment_person) == amounts
    assert got.total == sum(amounts)


def test_defaults_are_r6() -> None:
    assert (P.unemployment_unit_rate, P.unemployment_person_rate) == (Decimal("0.02"), Decimal("0.01"))
    assert {u.name: u.clause for u in P.used}["unemployment_unit_rate"] == "R6"
    assert P.late_fee_daily_rate == Decimal("0.002") and P.due_day == 15


def test_a_new_value_applies_only_from_its_date() -> None:
    values = (*default_values(), ParameterValue("unemployment_unit_rate", "220100", "0.015", dt.date(2026, 5, 1)))
    assert parameters_for(values, "220100", dt.date(2026, 4, 1)).unemployment_unit_rate == Decimal("0.02")
    assert parameters_for(values, "220100", dt.date(2026, 5, 1)).unemployment_unit_rate == Decimal("0.015")
    assert parameters_for(values, "220200", dt.date(2026, 5, 1)).unemployment_unit_rate == Decimal("0.02")


def test_regional_value_beats_province_wide_of_the_same_date() -> None:
    values = [
        ParameterValue("due_day", None, "15", dt.date(2020, 1, 1)),
        ParameterValue("due_day", "220300", "20", dt.date(2020, 1, 1)),
    ]
    assert in_force(values, "due_day", "220300", dt.date(2021, 1, 1)).value == "20"
    assert in_force(values, "due_day", "220100", dt.date(2021, 1, 1)).value == "15"
    assert in_force(values, "due_day", "220100", dt.date(2019, 1, 1)) is None


@pytest.mark.parametrize(
    ("name", "value", "ok"),
    [
        ("unemployment_unit_rate", "0.02", True),
        ("unemployment_unit_rate", "1.5", False),
        ("unemployment_unit_rate", "-0.01", False),
        ("unemployment_unit_rate", "NaN", False),
        ("base_floor", "2600.00", True),
        ("base_floor", "2600.005", False),
        ("due_day", "31", False),
        ("bonus_rate", "0.1", False),
    ],
)
def test_validate_value(name, value, ok) -> None:
    assert (validate_value(name, value) is None) is ok


def test_periods() -> None:
    assert parse_period("2026-10") == dt.date(2026, 10, 1)
    assert due_date(dt.date(2026, 12, 1), 15) == dt.date(2027, 1, 15)
    assert months_between(dt.date(2025, 11, 1), dt.date(2026, 10, 1)) == 12
    for bad in ("2026-13", "2026-1", "26-10", "2026/10"):
        with pytest.raises(ValueError):
            parse_period(bad)
