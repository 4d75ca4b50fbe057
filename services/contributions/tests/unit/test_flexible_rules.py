"""A flexible worker's own months (policy.md Re-employment support 1; N§3(2), N§6 ¶1): the band of the chosen base,
the flexible rates, months and quarters and their due date, and overlapping spells."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contributions.rules.flexible import (
    base_outside_band,
    flexible_amounts,
    floor_contribution,
    months_declared,
    overlaps,
)
from contributions.rules.parameters import default_values, flexible_parameters_for

P = flexible_parameters_for(default_values(), "220100", dt.date(2026, 10, 1))  # floor 2500.00, ceiling 12500.00


@pytest.mark.parametrize(
    ("clause", "base", "refused", "pension", "unemployment"),
    [
        ("N§6 ¶1 floor", 250_000, False, 50_000, 5_000),
        ("N§6 ¶1 ceiling", 1_250_000, False, 250_000, 25_000),
        ("N§6 ¶1 below", 249_999, True, None, None),
        ("N§6 ¶1 above", 1_250_001, True, None, None),
        ("C2 half up", 300_025, False, 60_005, 6_001),  # 3000.25 × 2% = 60.005 → 60.01
    ],
)
def test_base_and_amounts(clause, base, refused, pension, unemployment) -> None:
    assert (base_outside_band(base, P) is not None) is refused
    if not refused:
        a = flexible_amounts(base, P)
        assert (a.pension_unit, a.unemployment_unit) == (0, 0)  # the person pays both funds alone
        assert (a.pension_person, a.unemployment_person) == (pension, unemployment)


def test_floor_contribution_is_both_funds_at_the_floor() -> None:
    assert floor_contribution(P) == 55_000  # 2500.00 × (20% + 2%)


@pytest.mark.parametrize(
    ("first", "frequency", "periods", "due"),
    [
        (dt.date(2026, 10, 1), "monthly", [dt.date(2026, 10, 1)], dt.date(2026, 11, 15)),
        (
            dt.date(2026, 10, 1),
            "quarterly",
            [dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)],
            dt.date(2027, 1, 15),
        ),
    ],
)
def test_months_declared(first, frequency, periods, due) -> None:
    m = months_declared(first, frequency, 15)
    assert (list(m.periods), m.due) == (periods, due)


def test_a_quarter_starts_a_calendar_quarter() -> None:
    with pytest.raises(ValueError, match="quarterly"):
        months_declared(dt.date(2026, 11, 1), "quarterly", 15)


days = st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))
spans = st.tuples(days, st.one_of(st.none(), days)).filter(lambda s: s[1] is None or s[1] >= s[0])


@given(spans, spans)
def test_overlap_is_symmetric_and_means_a_shared_day(a, b) -> None:
    assert overlaps(*a, *b) == overlaps(*b, *a)
    far = dt.date(2031, 1, 1)
    shared = max(a[0], b[0]) <= min(a[1] or far, b[1] or far)
    assert overlaps(*a, *b) == shared


@given(st.integers(250_000, 1_250_000), st.integers(0, 1_000_000))
def test_more_base_never_costs_less(base, more) -> None:
    higher = min(base + more, 1_250_000)
    assert flexible_amounts(higher, P).total >= flexible_amounts(base, P).total
