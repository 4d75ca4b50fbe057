"""A claim's entitlement pays exactly its months (R17; R16; N§4 "in full"; policy.md Claims 6 and 10).

Benefit time runs from the registration day for the entitled number of months, and a monthly run pays each
calendar month its part. Whatever the day of registration, the months add up to the entitled number of monthly
amounts, to the fen: the first calendar month is paid by its days from the registration day, every calendar month
inside the entitlement one monthly amount, and the last, partial month the rest of the month begun on the
registration day. Before, the last month was paid by its own days: a claim registered on 10 August for 18 months
was paid 41.99 yuan more than 18 monthly amounts, one registered on 10 February 41.99 less."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.rules.payments import add_months, amount_for_month, entitlement_end


def paid(monthly: int, start: dt.date, months: int, stopped_on: dt.date | None = None) -> list[int]:
    """What every calendar month of the entitlement pays, in order."""
    end = entitlement_end(start, months)
    out, month = [], start.replace(day=1)
    while month < end:
        extra = () if stopped_on is None else (stopped_on,)
        out.append(amount_for_month(monthly, month, start, end, *extra)[0])
        month = add_months(month, 1)
    return out


@pytest.mark.parametrize(
    ("clause", "start", "months"),
    [
        ("R17: 18 months from 10 August (was paid 4,199 fen more)", dt.date(2025, 8, 10), 18),
        ("R17: 18 months from 10 February (was paid 4,199 fen less)", dt.date(2025, 2, 10), 18),
        ("R17: 14 months with months carried over, from 15 December", dt.date(2024, 12, 15), 14),
        ("one month from 10 January", dt.date(2025, 1, 10), 1),
        ("one month from 31 January, ending on 28 February", dt.date(2025, 1, 31), 1),
        ("11 months from 31 March, ending on the 29th of a leap February", dt.date(2023, 3, 31), 11),
        ("12 months from the first of a month", dt.date(2025, 3, 1), 12),
    ],
)
def test_an_entitlement_pays_its_months_to_the_fen(clause, start, months) -> None:
    assert sum(paid(135_000, start, months)) == months * 135_000, clause


def test_the_last_month_pays_the_rest_of_the_month_begun_on_the_registration_day() -> None:
    # from 10 August: August pays 22 of its 31 days; September to January one monthly amount each; February
    # (nine days, up to the 10th) the rest of that first month
    months = paid(135_000, dt.date(2025, 8, 10), 6)
    assert months == [95_806, 135_000, 135_000, 135_000, 135_000, 135_000, 135_000 - 95_806]


def test_a_stop_in_the_last_month_pays_its_days_of_the_rest() -> None:
    # the last month's 9 days carry 39,194 fen; stopped after 3 of them: a third, rounded half up
    start, stop = dt.date(2025, 8, 10), dt.date(2026, 2, 4)
    months = paid(135_000, start, 6, stopped_on=stop)
    assert months[-1] == 13_065 and months[:-1] == [95_806] + [135_000] * 5


dates = st.dates(min_value=dt.date(2011, 1, 1), max_value=dt.date(2035, 12, 31))
monthly_amounts = st.integers(min_value=1, max_value=10_000_000)


@given(start=dates, months=st.integers(min_value=1, max_value=24), monthly=monthly_amounts)
def test_any_entitlement_pays_exactly_its_months(start, months, monthly) -> None:
    amounts = paid(monthly, start, months)
    assert sum(amounts) == months * monthly
    assert all(a >= 0 for a in amounts)
    assert all(a == monthly for a in amounts[1:-1])  # a calendar month inside the entitlement: one monthly amount


@given(
    start=dates,
    months=st.integers(min_value=1, max_value=24),
    monthly=monthly_amounts,
    cut=st.floats(min_value=0, max_value=1),
    later=st.integers(min_value=0, max_value=40),
)
def test_a_later_stop_never_pays_less_and_never_more_than_the_entitlement(start, months, monthly, cut, later) -> None:
    end = entitlement_end(start, months)
    stop = start + dt.timedelta(days=int((end - start).days * cut))
    earlier = sum(paid(monthly, start, months, stopped_on=stop))
    after = sum(paid(monthly, start, months, stopped_on=stop + dt.timedelta(days=later)))
    assert 0 <= earlier <= after <= months * monthly
    assert sum(paid(monthly, start, months, stopped_on=end)) == months * monthly
