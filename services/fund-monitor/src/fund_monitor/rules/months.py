"""Calendar months as the first day of the month: the unit every fund figure is kept in."""

import datetime as dt


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from ``first`` to ``last`` inclusive (empty when ``last`` is earlier)."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, i) for i in range(max(count, 0))]


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` to its first day; ValueError otherwise."""
    year, _, month = text.partition("-")
    if len(year) != 4 or len(month) != 2 or not (year + month).isdigit():
        raise ValueError(f"{text!r} is not a month YYYY-MM")
    return dt.date(int(year), int(month), 1)


def format_month(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"
