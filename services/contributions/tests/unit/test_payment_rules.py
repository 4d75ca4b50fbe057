"""Paying arrears: oldest first, proportional within a period, late fee per C13. Table-driven and property-based."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contributions.rules import postings
from contributions.rules.payments import Allocation, Owed, accrue, allocate, late_fee, undo_late_fee

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


@pytest.mark.parametrize(
    ("fee", "still_owed", "cancelled", "credited"),
    [
        (500, 0, 0, 500),  # paid in full: all of it credited
        (500, 500, 500, 0),  # nothing paid: all of it cancelled
        (500, 200, 200, 300),  # partly paid: the debt first, the rest credited
        (500, 900, 500, 0),  # later fees owed too: only this fee is undone
        (0, 300, 0, 0),
    ],
)
def test_undo_late_fee(fee, still_owed, cancelled, credited) -> None:
    # C13, overturned on appeal (policy.md Claims 11): the fund gives up exactly the fee
    assert undo_late_fee(fee, still_owed) == (cancelled, credited)


@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_undoing_a_fee_gives_it_up_exactly_and_never_cancels_more_than_owed(fee, owed) -> None:
    cancelled, credited = undo_late_fee(fee, owed)
    assert cancelled + credited == fee and 0 <= cancelled <= owed and credited >= 0


@given(
    st.integers(0, 10**7),
    st.integers(0, 10**7),
    st.integers(1, 10**6),
    st.integers(1, 10**6),
    st.integers(1, 3 * 10**7),
    st.booleans(),
)
def test_a_fee_charged_paid_in_part_and_undone_leaves_the_books_as_if_never_charged(
    pension, unemployment, fee_p, fee_u, amount, provincial_direct
) -> None:
    """Declared, charged a late fee, paid (any amount), the fee overturned: the books balance, no late-fee income
    remains, each fund holds only the principal it was paid, the receivable is the principal still owed, and all
    the money not in a fund is the payer's credit."""
    region = "220000" if provincial_direct else "220100"
    balances: dict[tuple[str, str, str], int] = {}

    def book(lines: list[postings.Line]) -> None:
        assert postings.balanced(lines)
        for x in lines:
            balances[(x.region, x.fund, x.kind)] = balances.get((x.region, x.fund, x.kind), 0) + x.debit - x.credit

    book(postings.declared(region, pension, unemployment))
    book(postings.fee_charged(region, fee_p, fee_u))
    (a, *_), leftover = allocate(amount, [Owed(1, D(2026, 1, 1), pension, unemployment, fee_p, fee_u)])
    book(
        postings.received(
            region,
            pension=a.pension + a.fee_pension,
            unemployment=a.unemployment + a.fee_unemployment,
            credit_used=0,
            credit_created=leftover,
            provincial_direct=provincial_direct,
        )
    )
    credited_total = 0
    for fund, fee, paid in (("pension", fee_p, a.fee_pension), ("unemployment", fee_u, a.fee_unemployment)):
        cancelled, credited = undo_late_fee(fee, fee - paid)
        credited_total += credited
        book(
            postings.fee_undone(
                region, region, fund, cancelled=cancelled, credited=credited, provincial_direct=provincial_direct
            )
        )
    get = lambda *k: balances.get(k, 0)  # noqa: E731
    assert sum(balances.values()) == 0
    assert get(region, "pension", "late_fee_assessed") == get(region, "unemployment", "late_fee_assessed") == 0
    assert get(region, "pension", "fund") == a.pension
    assert get(region, "unemployment", "fund") + get("220000", "unemployment", "provincial_clearing") == a.unemployment
    receivable = get(region, "pension", "receivable") + get(region, "unemployment", "receivable")
    assert receivable == pension + unemployment - a.pension - a.unemployment
    assert -get(region, "none", "unit_credit") == leftover + credited_total == get(region, "none", "suspense")
