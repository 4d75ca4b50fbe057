"""The double-entry invariants under random sequences of declarations and payments (policy.md C4-C7):
debits equal credits after every step, no fund holds more than was paid, and each fund holds exactly its split."""

import datetime as dt
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from contributions.rules import postings
from contributions.rules.payments import Owed, allocate

REGION = "220100"

ops = st.lists(
    st.one_of(
        st.tuples(st.just("declare"), st.integers(0, 5_000_000), st.integers(0, 600_000)),
        st.tuples(st.just("pay"), st.integers(1, 8_000_000), st.booleans()),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(ops, st.booleans())
def test_ledger_invariants(sequence, provincial_direct) -> None:
    region = "220000" if provincial_direct else REGION
    balances: dict[tuple[str, str, str], int] = defaultdict(int)
    owed: dict[int, Owed] = {}
    credit = cash = 0
    split = {"pension": 0, "unemployment": 0}

    def book(lines: list[postings.Line]) -> None:
        assert postings.balanced(lines)
        for x in lines:
            balances[(x.region, x.fund, x.kind)] += x.debit - x.credit

    for i, op in enumerate(sequence):
        if op[0] == "declare":
            _, pension, unemployment = op
            if pension + unemployment == 0:
                continue
            owed[i] = Owed(i, dt.date(2020, 1, 1) + dt.timedelta(days=31 * i), pension, unemployment)
            book(postings.declared(region, pension, unemployment))
        else:
            _, amount, _ = op
            if not any(o.total for o in owed.values()):
                continue  # the API refuses a payment when nothing is owed
            allocations, leftover = allocate(amount + credit, list(owed.values()))
            allocated = sum(a.total for a in allocations)
            used = min(credit, allocated)
            created = leftover - (credit - used)
            pension = sum(a.pension + a.fee_pension for a in allocations)
            unemployment = sum(a.unemployment + a.fee_unemployment for a in allocations)
            book(
                postings.received(
                    region,
                    pension=pension,
                    unemployment=unemployment,
                    credit_used=used,
                    credit_created=created,
                    provincial_direct=provincial_direct,
                )
            )
            for a in allocations:
                o = owed[a.key]
                owed[a.key] = Owed(o.key, o.period, o.pension - a.pension, o.unemployment - a.unemployment)
            credit = credit - used + created
            cash += amount
            split["pension"] += pension
            split["unemployment"] += unemployment

        assert sum(balances.values()) == 0  # debits equal credits
        pension_fund = balances[(region, "pension", "fund")]
        unemployment_held = (
            balances[(region, "unemployment", "fund")] + balances[("220000", "unemployment", "provincial_clearing")]
        )
        assert pension_fund == split["pension"] and unemployment_held == split["unemployment"]
        assert 0 <= pension_fund + unemployment_held <= cash  # no fund holds more than was paid
        assert pension_fund + unemployment_held + balances[(region, "none", "suspense")] == cash
        assert -balances[(region, "none", "unit_credit")] == credit >= 0
        receivable = sum(balances[(region, f, "receivable")] for f in ("pension", "unemployment"))
        assert receivable == sum(o.pension + o.unemployment for o in owed.values())
