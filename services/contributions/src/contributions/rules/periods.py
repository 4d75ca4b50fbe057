"""Contribution periods (``YYYY-MM``) and their due dates (C13: the late fee runs from the day after)."""

from __future__ import annotations

import datetime as dt
import re

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def parse_period(text: str) -> dt.date:
    """``"2026-10"`` → the first day of that month; ValueError for anything else."""
    m = _PERIOD.fullmatch(text)
    if m is None:
        raise ValueError("a period is written YYYY-MM, e.g. 2026-10")
    return dt.date(int(m[1]), int(m[2]), 1)


def format_period(first_day: dt.date) -> str:
    return f"{first_day.year:04d}-{first_day.month:02d}"


def next_month(first_day: dt.date) -> dt.date:
    return dt.date(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1)


def due_date(period_start: dt.date, due_day: int) -> dt.date:
    """Contributions for a month are due on ``due_day`` of the following month."""
    return next_month(period_start).replace(day=due_day)


def months_between(first: dt.date, last: dt.date) -> int:
    """Whole months from the month of ``first`` to the month of ``last``, inclusive of both."""
    return (last.year - first.year) * 12 + last.month - first.month + 1
