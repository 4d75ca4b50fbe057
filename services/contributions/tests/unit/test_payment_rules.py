"""Paying arrears: oldest first, proportional within a period, late fee per C13. Table-driven and property-based."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contributions.rules.payments import Allocation, Owed, accrue, allocate, late_fee

D = dt.date


@pytest.mark.parametrize(
    ("clause", "principal", "due", "from_date", "to_date", "fee"),
    [
        ("C13", 100_000, D(2026, 2, 15), D(2026, 2, 15), D(2026, 2, 15), 0),  # paid on the due day: no fee
        ("C13", 100_000, D(2026, 2, 15), D(2026, 2, 15), D(2026, 2, 16), 200),  # one day late: 2‰
        ("C13", 100_000, D(2026, 2, 15), D(2026, 2, 15), D(2026, 3, 17), 6_000),  # 30 days
        ("C13", 100_000, D(2026, 2, 15), D(2026, 3, 1), D(2026, 3, 11), 2_000),  # accrued before: 10 more days
        ("C13", 12_345, D(2026, 2, 15), D(2026, 2, 1), D(2026, 2, 18), 74),  # 74.07 → 74, half up per ledger
        ("C13", 0, D(2026, 2, 15), D(2026, 2, 1), D(2026, 9, 1), 0),
    ],
)
def test_late_fee(clause, principal, due, from_date, to_date, fee) -> None:
    assert late_fee(principal, due=due, from_date=from_date, to_date=to_date, daily_rate=Decimal("0.002")) == fee


def test_accrue_adds_fee_per_ledger() -> None:
    o = Owed(1, D(2026, 1, 1), pension=28_000, unemployment=3_000)
    got = accrue(o, due=D(2026, 2, 15), accrued_until=D(2026, 2, 15), on=D(2026, 2, 25), daily_rate=Decimal("0.002"))
    assert (got.fee_pension, got.fee_unemployment) == (560, 60)


@pytest.mark.parametrize(
    ("amount", "owed", "allocations", "credit"),
    [
        # full payment of one period
        (31_000, [Owed(1, D(2026, 1, 1), 28_000, 3_000)], [Allocation(1, 28_000, 3_000, 0, 0)], 0),
        # partial: proportional (28:3) within the period
        (15_500, [Owed(1, D(2026, 1, 1), 28_000, 3_000)], [Allocation(1, 14_000, 1_500, 0, 0)], 0),
        # oldest period first, whatever order given
        (
            40_000,
            [Owed(2, D(2026, 2, 1), 28_000, 3_000), Owed(1, D(2026, 1, 1), 28_000, 3_000)],
            [Allocation(1, 28_000, 3_000, 0, 0), Allocation(2, 8_129, 871, 0, 0)],
            0,
        ),
        # overpayment becomes credit
        (35_000, [Owed(1, D(2026, 1, 1), 28_000, 3_000)], [Allocation(1, 28_000, 3_000, 0, 0)], 4_000),
        # late fee settled before principal within each ledger
        (
            1_000,
            [Owed(1, D(2026, 1, 1), 28_000, 3_000, fee_pension=560, fee_unemployment=60)],
            [Allocation(1, 343, 37, 560, 60)],
            0,
        ),
        # nothing owed: all credit
        (500, [], [], 500),
    ],
)
def test_allocate(amount, owed, allocations, credit) -> None:
    got, left = allocate(amount, owed)
    assert got == allocations
    assert left == credit


owed_st = st.lists(
    st.builds(
        Owed,
        key=st.integers(1, 10_000),
        period=st.dates(D(2020, 1, 1), D(2026, 12, 1)).map(lambda d: d.replace(day=1)),
        pension=st.integers(0, 10**8),
        unemployment=st.integers(0, 10**7),
        fee_pension=st.integers(0, 10**6),
        fee_unemployment=st.integers(0, 10**5),
    ),
    max_size=8,
    unique_by=lambda o: o.key,
)


@given(st.integers(0, 10**9), owed_st)
def test_allocation_never_overpays_a_ledger_and_loses_nothing(amount: int, owed: list[Owed]) -> None:
    allocations, credit = allocate(amount, owed)
    by_key = {o.key: o for o in owed}
    assert credit >= 0
    assert sum(a.total for a in allocations) + credit == amount
    for a in allocations:
        o = by_key[a.key]
        assert 0 <= a.pension <= o.pension and 0 <= a.unemployment <= o.unemployment
        assert 0 <= a.fee_pension <= o.fee_pension and 0 <= a.fee_unemployment <= o.fee_unemployment
    if credit > 0:  # money left over only when every period is settled
        assert all(a.total == by_key[a.key].total for a in allocations)
        assert sum(o.total for o in owed) == amount - credit
