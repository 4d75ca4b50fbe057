"""Benefit time and monthly amounts (R16, R17; policy.md Claims 6).

Benefit time runs from the registration date (R16) for the entitled number of months: the entitlement covers
the days [registered_on, registered_on + N months). A monthly run pays, for each calendar month, the monthly
amount times the share of that month's days inside the entitlement and before any stop, rounded half up to the
fen. So the first month is paid from the registration day, the last month up to the day the entitlement ends,
and nothing is paid on or after a stop's effective date. Months left at a stop (whole months) are kept for a
later carry-over (R17).
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from insurance_shared import round_half_up


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def entitlement_end(registered_on: dt.date, months: int) -> dt.date:
    """The first day no longer covered."""
    return add_months(registered_on, months)


def month_bounds(month_start: dt.date) -> tuple[dt.date, dt.date]:
    days = calendar.monthrange(month_start.year, month_start.month)[1]
    return month_start, month_start + dt.timedelta(days=days)


def amount_for_month(monthly: int, month_start: dt.date, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(amount in fen, days paid) for the calendar month starting ``month_start``, covering [start, end)."""
    first, after = month_bounds(month_start)
    lo, hi = max(first, start), min(after, end)
    days = max(0, (hi - lo).days)
    if days == 0:
        return 0, 0
    total_days = (after - first).days
    if days == total_days:
        return monthly, days
    return round_half_up(Decimal(monthly) * days / total_days), days


def whole_months_left(stop: dt.date, end: dt.date) -> int:
    """Whole months from ``stop`` to ``end`` (the entitlement not used), for a later carry-over."""
    months = 0
    while add_months(stop, months + 1) <= end:
        months += 1
    return months
