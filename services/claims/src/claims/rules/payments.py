"""Benefit time and monthly amounts (R16, R17; N§4; policy.md Claims 6 and 10).

Benefit time runs from the registration date (R16) for the entitled number of months: the entitlement covers the
days [registered_on, registered_on + N months). A monthly run pays each calendar month its part, so that the
months add up to exactly N monthly amounts, to the fen, whatever the day of registration:

* the calendar month of registration pays its days from the registration day, by that month's length;
* every calendar month inside the entitlement pays one monthly amount;
* the last, partial calendar month pays the rest of the month begun on the registration day (the monthly amount
  less what the first month paid), spread over its days.

Nothing is paid on or after a stop's effective date: a month cut by a stop pays its days before it. Each month
pays the difference between what the entitlement has earned by its end and by its start, each rounded half up to
the fen, so the roundings never add up to a fen too many or too few. Months left at a stop (whole months) are
kept for a later carry-over (R17).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from decimal import Decimal
from fractions import Fraction

from insurance_shared import round_half_up


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def entitlement_end(registered_on: dt.date, months: int) -> dt.date:
    """The first day no longer covered."""
    return add_months(registered_on, months)


@functools.lru_cache(maxsize=1024)  # a run asks it of the same month for each of its claims: 3.6 → 2.0 µs a claim
def month_bounds(month_start: dt.date) -> tuple[dt.date, dt.date]:
    days = calendar.monthrange(month_start.year, month_start.month)[1]
    return month_start, month_start + dt.timedelta(days=days)


def amount_for_month(
    monthly: int, month_start: dt.date, start: dt.date, end: dt.date, stopped_on: dt.date | None = None
) -> tuple[int, int]:
    """(amount in fen, days paid) for the calendar month starting ``month_start``, of an entitlement covering
    [start, end), paid up to ``stopped_on`` (the first day not paid) if it is stopped."""
    first, after = month_bounds(month_start)
    paid_until = end if stopped_on is None else min(end, stopped_on)
    lo, hi = max(first, start), min(after, paid_until)
    if hi <= lo:
        return 0, 0
    if lo == first and hi == after and after <= end.replace(day=1):
        # a calendar month wholly inside the entitlement, before its last month and not cut by a stop: one
        # monthly amount (what _earned gives it too, exactly), without the exact arithmetic a run does per claim
        return monthly, (hi - lo).days
    return _earned(monthly, start, end, hi) - _earned(monthly, start, end, lo), (hi - lo).days


def _earned(monthly: int, start: dt.date, end: dt.date, day: dt.date) -> int:
    """What the entitlement [start, end) has earned for the days before ``day``, in fen, rounded half up."""
    if day <= start:
        return 0
    first_month, after_first = month_bounds(start.replace(day=1))
    first_length = (after_first - first_month).days
    if day <= after_first:
        months = Fraction((day - start).days, first_length)
    else:
        first_share = Fraction((after_first - start).days, first_length)
        last_month = end.replace(day=1)
        if day <= last_month:  # within the calendar months wholly inside the entitlement
            whole = _months_between(after_first, day.replace(day=1))
            of_month = month_bounds(day.replace(day=1))
            months = first_share + whole + Fraction((day - of_month[0]).days, (of_month[1] - of_month[0]).days)
        else:  # the last, partial month: the rest of the month begun on the registration day
            whole = _months_between(after_first, last_month)
            months = (
                first_share + whole + (1 - first_share) * Fraction((day - last_month).days, (end - last_month).days)
            )
    return round_half_up(Decimal(months.numerator * monthly) / Decimal(months.denominator))


def _months_between(a: dt.date, b: dt.date) -> int:
    """Calendar months from the first of one month to the first of another."""
    return (b.year - a.year) * 12 + b.month - a.month


def whole_months_left(stop: dt.date, end: dt.date) -> int:
    """Whole months from ``stop`` to ``end`` (the entitlement not used), for a later carry-over."""
    months = 0
    while add_months(stop, months + 1) <= end:
        months += 1
    return months
