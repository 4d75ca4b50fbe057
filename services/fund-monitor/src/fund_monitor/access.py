"""Who may read and write what in fund-monitor, and the request shapes every feature shares."""

import datetime as dt
from typing import Annotated

from fastapi import Path, Query

from insurance_shared import Role, Unprocessable, require_roles, writer

from .rules.months import month_of, parse_month

MONTH_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"
MonthQuery = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="月份 YYYY-MM", examples=["2026-10"])]
FromMonthQuery = Annotated[
    str | None, Query(alias="from", pattern=MONTH_PATTERN, description="起始月份 YYYY-MM", examples=["2025-01"])
]
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]

readers = require_roles(
    Role.PROVINCE,
    Role.SOCIAL_INSURANCE,
    Role.LABOR_DEPARTMENT,
    Role.EMPLOYMENT_SERVICE,
    Role.LOCAL_GOVERNMENT,
    Role.SERVICE,
)
province_writer = writer(Role.PROVINCE)
income_writer = writer(Role.PROVINCE, Role.SOCIAL_INSURANCE)
alert_readers = readers


def not_future_month(text: str | None, field: str, today: dt.date) -> dt.date | None:
    """A month the books can describe: refused when it has not begun yet."""
    if text is None:
        return None
    month = parse_month(text)
    if month > month_of(today):
        raise Unprocessable("future_month", f"{text} has not begun yet (today is {today.isoformat()})", field=field)
    return month


def not_future_day(day: dt.date, field: str, today: dt.date) -> dt.date:
    if day > today:
        raise Unprocessable("future_date", f"{day.isoformat()} is after today ({today.isoformat()})", field=field)
    return day
