"""Reconciliation (architecture.md, Data rules: money conserved across services): every movement booked once, in
its region and month, with its amount; any other case named."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fund_monitor.rules.reconciliation import Movement, reconcile, sums

PAY = Movement("contributions:payment:41:unemployment", "220100", "2026-11", "contributions", 12_000)
FEE = Movement("contributions:payment:41:unemployment", "220100", "2026-11", "late_fees", 1_128)
RUN = Movement("claims:run:7:220100:2026-11", "220100", "2026-11", "benefits", 270_000)


@pytest.mark.parametrize(
    ("case", "booked", "source", "problems"),
    [
        ("booked exactly once", [PAY, FEE, RUN], [PAY, FEE, RUN], []),
        ("a run's benefits not booked (event lost or parked)", [PAY, FEE], [PAY, FEE, RUN], ["missing"]),
        ("booked from an event the source never sent", [PAY, FEE, RUN], [PAY, FEE], ["unexpected"]),
        (
            "the late fee booked twice (#20 defect 1)",
            [Movement(PAY.key, "220100", "2026-11", "contributions", 13_128), FEE],
            [PAY, FEE],
            ["different_amount"],
        ),
        (
            "booked in another month",
            [Movement(RUN.key, "220100", "2026-10", "benefits", 270_000)],
            [RUN],
            ["misplaced"],
        ),
    ],
)
def test_each_difference_is_named(case, booked, source, problems) -> None:
    assert [d.problem for d in reconcile(booked, source)] == problems, case


def test_lines_of_one_entry_add_up_and_sums_show_the_difference() -> None:
    half = Movement(RUN.key, "220100", "2026-11", "benefits", 135_000)
    assert reconcile([half, half], [RUN]) == []
    (row,) = sums([half], [RUN])
    assert (row.booked_fen, row.source_fen, row.difference_fen) == (135_000, 270_000, -135_000)


movements = st.lists(
    st.builds(
        Movement,
        key=st.sampled_from([f"k{i}" for i in range(12)]),
        region=st.sampled_from(["220100", "220200"]),
        month=st.sampled_from(["2026-10", "2026-11"]),
        kind=st.sampled_from(["contributions", "late_fees", "benefits"]),
        amount_fen=st.integers(1, 10**7),
    ),
    unique_by=lambda m: (m.key, m.kind),
    max_size=20,
)


@given(movements)
def test_the_same_movements_reconcile(ms) -> None:
    assert reconcile(ms, list(reversed(ms))) == []
    assert all(s.difference_fen == 0 for s in sums(ms, ms))


@given(movements.filter(bool), st.data())
def test_one_change_is_one_difference(ms, data) -> None:
    i = data.draw(st.integers(0, len(ms) - 1))
    changed = Movement(ms[i].key, ms[i].region, ms[i].month, ms[i].kind, ms[i].amount_fen + 1)
    assert [d.problem for d in reconcile([*ms[:i], changed, *ms[i + 1 :]], ms)] == ["different_amount"]
    assert [d.problem for d in reconcile(ms[:i] + ms[i + 1 :], ms)] == ["missing"]
