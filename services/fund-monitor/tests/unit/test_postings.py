"""Every movement is a balanced journal entry, and a region's fund account moves exactly as its monthly flows
(architecture.md, Data rules)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fund_monitor.ledger import postings
from fund_monitor.ledger.postings import EXPENDITURE, INCOME, OPENING, fund
from fund_monitor.rules.coverage import insured_not_rising

REGIONS = ("220100", "220200")
amount = st.integers(min_value=1, max_value=10**11)
day = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 11, 1))

movement = st.one_of(
    st.builds(
        postings.collected,
        st.sampled_from(REGIONS),
        amount,
        st.integers(0, 10**6),
        day,
        st.integers(1, 10**9),
        st.booleans(),
    ),
    st.builds(
        lambda r, a, d, i: postings.remitted(r, a, d, i), st.sampled_from(REGIONS), amount, day, st.integers(1, 10**9)
    ),
    st.builds(
        lambda r, a, d, i: postings.benefits_paid(r, d.replace(day=1), a, i),
        st.sampled_from(REGIONS),
        amount,
        day,
        st.integers(1, 10**9),
    ),
    st.builds(
        postings.subsidy_paid,
        st.sampled_from(REGIONS),
        st.sampled_from(["medical", "funeral", "survivors"]),
        amount,
        day,
        st.integers(1, 10**9),
    ),
    st.builds(
        lambda r, a, d, i: postings.medical_contributions(r, d.replace(day=1), a, i),
        st.sampled_from(REGIONS),
        amount,
        day,
        st.integers(1, 10**9),
    ),
    st.builds(
        postings.other_income,
        st.sampled_from(REGIONS),
        st.sampled_from(["interest", "fiscal_subsidy"]),
        amount,
        day,
        st.text("abc", min_size=1, max_size=5),
    ),
    st.builds(postings.late_fee_refunded, st.sampled_from(REGIONS), amount, day, st.integers(1, 10**9), st.booleans()),
    st.builds(postings.opening_balance, st.sampled_from((*REGIONS, "220000")), amount, day),
    st.builds(postings.adjustment_transfer, st.sampled_from(REGIONS), amount, day, st.integers(1, 10**9)),
)


@given(st.lists(movement, max_size=40))
def test_entries_balance_and_fund_accounts_match_flows(entries) -> None:
    balances: dict[str, int] = {}
    for e in entries:
        assert sum(ln.amount_fen for ln in e.lines) == 0
        for ln in e.lines:
            balances[ln.account] = balances.get(ln.account, 0) + ln.amount_fen
    assert sum(balances.values()) == 0  # debits equal credits over the whole journal
    for region in REGIONS:
        sign = {INCOME: 1, OPENING: 1, EXPENDITURE: -1}
        from_flows = sum(sign[f.direction] * f.amount_fen for e in entries for f in e.flows if f.region == region)
        assert balances.get(fund(region), 0) == from_flows


def test_provincial_direct_money_is_nobodys_income_until_remitted() -> None:
    # N§3(4): the province holds a provincial-direct unit's unemployment money until it remits it
    e = postings.collected("220000", 1_000, 0, dt.date(2026, 10, 5), 7, via_province=True)
    assert e.flows == ()
    r = postings.remitted("220100", 1_000, dt.date(2026, 10, 31), 3)
    assert [(f.region, f.kind, f.amount_fen) for f in r.flows] == [("220100", "remittance", 1_000)]


def test_a_refunded_late_fee_reverses_income_and_reconciles_as_its_source_reports_it() -> None:
    # #23: an overturned late fee that was paid leaves the fund as negative late-fee income of the month; a
    # provincial-direct unit's leaves the province's clearing account; both read back as contributions' /totals
    # lists them (a negative amount of the kind first booked)
    from fund_monitor.reconciliation.repository import movement

    e = postings.late_fee_refunded("220100", 310, dt.date(2026, 11, 20), 9, via_province=False)
    assert [(f.region, f.kind, f.direction, f.amount_fen) for f in e.flows] == [("220100", "late_fees", INCOME, -310)]
    moved = [m for ln in e.lines if (m := movement(e.source, e.kind, e.booked_on, ln.account, ln.amount_fen))]
    assert [(m.key, m.region, m.month, m.kind, m.amount_fen) for m in moved] == [
        ("contributions:late_fee_refund:9:unemployment", "220100", "2026-11", "late_fees", -310)
    ]
    p = postings.late_fee_refunded("220000", 310, dt.date(2026, 11, 20), 10, via_province=True)
    assert p.flows == ()
    moved = [m for ln in p.lines if (m := movement(p.source, p.kind, p.booked_on, ln.account, ln.amount_fen))]
    assert [(m.region, m.kind, m.amount_fen) for m in moved] == [("220000", "held_for_regions", -310)]


def test_insured_count_must_rise() -> None:
    # N§2: coverage widens; a region whose insured count did not rise over the year is flagged
    assert insured_not_rising(1_001, 1_000).met is True
    assert insured_not_rising(1_000, 1_000).met is False
    assert insured_not_rising(900, 1_000).met is False
    assert insured_not_rising(900, 1_000).clause == "N§2; N§8"
