"""Dates a request may carry, bounded by the law this system administers.

Nothing it books can precede the first parameters it holds (2005-01-01, the year of 吉政办发〔2005〕58号): a date
before that cannot be priced, booked to a fund month or shown on a chart, and an earlier system's history belongs in
an opening balance, not in dated acts. An act that has happened (a payment, a separation, a registration) cannot be
dated in the future either. The request types carry these bounds so that no endpoint of any service can forget them;
each failure has a stable code and names the bound.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

__all__ = ["LAW_START", "ActDate", "LawDate", "check_bookable"]

LAW_START = dt.date(2005, 1, 1)
"""The earliest date the system holds parameters for; the lower bound of every date it accepts or books."""


def _iso(value: object) -> object:
    """Only an ISO date (``2026-11-25``) is a date: not a number (0 read as 1970-01-01), not a datetime string."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value
    raise PydanticCustomError("date_format", "an ISO date, YYYY-MM-DD (got {value!r})", {"value": value})


def _in_law(value: dt.date) -> dt.date:
    if value < LAW_START:
        raise PydanticCustomError(
            "date_before_law",
            "the date {value} lies before {start}, the first day the system holds parameters for",
            {"value": value.isoformat(), "start": LAW_START.isoformat()},
        )
    return value


def _happened(value: dt.date) -> dt.date:
    _in_law(value)
    today = dt.date.today()
    if value > today:
        raise PydanticCustomError(
            "date_in_future",
            "the date {value} lies after today ({today}); it names something that has already happened",
            {"value": value.isoformat(), "today": today.isoformat()},
        )
    return value


LawDate = Annotated[
    dt.date, BeforeValidator(_iso), AfterValidator(_in_law), Field(description=f"YYYY-MM-DD, 不早于 {LAW_START}")
]
"""Any date the law's parameters cover: a query date, a planned date (may lie ahead)."""

ActDate = Annotated[
    dt.date,
    BeforeValidator(_iso),
    AfterValidator(_happened),
    Field(description=f"YYYY-MM-DD, 不早于 {LAW_START}, 不晚于今天"),
]
"""The date of something that has happened: not before the law's start, not after today."""


def check_bookable(value: dt.date, what: str) -> None:
    """For consumers: raise ``ValueError`` naming ``what`` when a stored or received date cannot be booked (a
    producer that predates these bounds, or a bug); the inbox parks the event with this reason."""
    if value < LAW_START:
        raise ValueError(f"{what} {value.isoformat()} lies before {LAW_START.isoformat()}: not bookable")
