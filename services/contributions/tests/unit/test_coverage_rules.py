"""Coverage widening year on year (N§2), as a criterion that explains itself."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contributions.rules.coverage import rising

ON, BEFORE = dt.date(2026, 12, 1), dt.date(2025, 12, 1)


@pytest.mark.parametrize(
    ("now", "before", "met"),
    [(2, 1, True), (1, 1, False), (0, 0, False), (0, 5, False)],  # holding steady is not widening (N§2)
)
def test_rising_means_more_insured_than_a_year_before(now: int, before: int, met: bool) -> None:
    c = rising(now, before, ON, BEFORE)
    assert (c.met, c.clause, c.values["change"]) == (met, "N§2", now - before)


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 1000))
def test_more_insured_today_never_turns_a_rise_into_a_fall(now: int, before: int, more: int) -> None:
    assert rising(now + more, before, ON, BEFORE).met >= rising(now, before, ON, BEFORE).met
