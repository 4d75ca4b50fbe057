"""Properties of the eligibility rule over random contribution histories (docs/policy.md, Claims 2-5):
more paid months never hurt (monotone), the order and repetition of what arrived never matter, a calendar month
counts once, and the carry-over never lifts the total above 24 months. Histories mix employers, regions, concurrent
jobs, flexible months, restart points and decision dates on either side of 2011-07-01."""

import datetime as dt
import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from claims.rules.eligibility import PaidMonth, decide, default_values, months_before, parameters_on

REGION = "220100"
DATES = (dt.date(2010, 11, 15), dt.date(2011, 7, 1), dt.date(2026, 11, 15))
PARAMS = {on: parameters_on(default_values(), REGION, on) for on in DATES}

units = st.sampled_from(["A", "B", "C", "D", None])  # None: the person's own months on the merged flexible track
regions = st.sampled_from([REGION, REGION, "220200"])


@st.composite
def jobs(draw) -> list[tuple[str | None, str, int, int]]:
    """(unit, region, months back from the decision's month to the job's last month, length)."""
    return draw(
        st.lists(
            st.tuples(units, regions, st.integers(0, 150), st.integers(1, 40)),
            max_size=6,
        )
    )


def paid_months(on: dt.date, history: list[tuple[str | None, str, int, int]]) -> list[PaidMonth]:
    last = on.replace(day=1)
    return [
        PaidMonth(months_before(last, back + k), region, unit)
        for unit, region, back, length in history
        for k in range(length)
    ]


@st.composite
def cases(draw):
    on = draw(st.sampled_from(DATES))
    history = paid_months(on, draw(jobs()))
    restart = draw(st.none() | st.integers(6, 160).map(lambda k: months_before(on, k) + dt.timedelta(days=9)))
    return {
        "on": on,
        "months": history,
        "ended_unit": draw(units),
        "reason": draw(st.sampled_from(["dismissed", "contract_expired_not_renewed", "voluntary_resignation"])),
        "restart_after": restart,
        "carried_over": draw(st.integers(0, 40)),
    }


def decision(case, months=None):
    on = case["on"]
    return decide(
        months=case["months"] if months is None else months,
        ended_unit=case["ended_unit"],
        separation_reason=case["reason"],
        unemployed_from=on,
        region=REGION,
        job_seeking=True,
        restart_after=case["restart_after"],
        carried_over=case["carried_over"],
        params=PARAMS[on],
        on=on,
    )


_ON = DATES[-1]
# the history that broke monotonicity before #19: an 11-month job and a 5-month job add up as short jobs
# (N§3(3)); a 12th month of the first took it out of the short-job sum and the person became ineligible
_ELEVEN_AND_FIVE = {
    "on": _ON,
    "months": paid_months(_ON, [("A", REGION, 8, 11), ("B", REGION, 1, 5)]),
    "ended_unit": "B",
    "reason": "dismissed",
    "restart_after": None,
    "carried_over": 0,
}


@settings(max_examples=300, deadline=None)
@given(cases(), st.integers(0, 150), units, regions)
@example(_ELEVEN_AND_FIVE, 19, "A", REGION)
def test_a_paid_month_more_never_hurts(case, back, unit, region) -> None:
    """Monotone: adding a paid month never turns eligible into ineligible nor shortens the duration."""
    before = decision(case)
    extra = PaidMonth(months_before(case["on"].replace(day=1), back), region, unit)
    after = decision(case, [*case["months"], extra])
    assert after.eligible or not before.eligible
    assert after.total_months >= before.total_months
    assert after.months_counted >= before.months_counted


@settings(max_examples=200, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_order_and_repetition_do_not_matter(case, rnd: random.Random) -> None:
    """The same months arriving in any order, or replayed, give the same decision."""
    replayed = case["months"] + rnd.sample(case["months"], k=len(case["months"]) // 2)
    rnd.shuffle(replayed)
    assert decision(case, replayed) == decision(case)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_a_month_counts_once(case) -> None:
    """However many jobs paid a calendar month, it is one month: never more than the distinct months known."""
    d = decision(case)
    restart = case["restart_after"]
    distinct = {m.period for m in case["months"] if restart is None or m.period > restart.replace(day=1)}
    assert d.months_counted <= len(distinct)
    values = {c.name: c for c in d.criteria}["contribution_months"].values
    assert values["months_paid_since_restart"] == len(distinct)
    if case["on"] >= dt.date(2011, 7, 1):  # SIL52: every region's months count
        assert d.months_counted == len(distinct)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_carry_over_never_lifts_the_total_above_24(case) -> None:
    d = decision(case)
    assert d.carried_over <= 24 and d.total_months <= 24
    assert d.total_months == 0 or d.total_months >= d.entitled_months


@settings(max_examples=200, deadline=None)
@given(cases(), st.lists(st.tuples(st.integers(1, 40), regions, units), min_size=1, max_size=8))
def test_months_paid_after_the_day_decided_change_nothing(case, later) -> None:
    """SIL45(1)/R14: a decision counts the months paid by its day. Months paid afterwards (a later job, while a
    claim registered earlier is decided again) neither make it eligible nor lengthen it."""
    after_the_day = [PaidMonth(months_before(case["on"].replace(day=1), -k), r, u) for k, r, u in later]
    assert decision(case, [*case["months"], *after_the_day]) == decision(case)
