"""Pytest plugin (registered through the ``pytest11`` entry point): fixtures every service's tests share."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable

import pytest

from ..auth import issue_token
from ..settings import DEV_JWT_SECRET

TODAY_VARIABLE = "TEST_TODAY"


def _moved_today(value: str, today: dt.date) -> dt.date:
    """``year-end``: the 31st of December of this year; ``leap-day``: the next 29th of February; else an ISO date."""
    if value == "year-end":
        return dt.date(today.year, 12, 31)
    if value == "leap-day":
        year = today.year
        while True:
            try:
                day = dt.date(year, 2, 29)
            except ValueError:
                year += 1
                continue
            if day >= today:
                return day
            year += 1
    return dt.date.fromisoformat(value)


def pytest_configure(config: pytest.Config) -> None:
    """``TEST_TODAY=year-end`` (or ``leap-day``, or an ISO date) runs the in-process tests as if today were that
    day: time-machine moves this process's clock, ticking, before test modules compute their dates, so tests that
    build dates from today are shown to hold on the last day of a year and on 29 February too. Services started
    as separate processes and the database's own clock are not moved, so the cross-service stories are not run
    that way (Makefile: ``test-dates``)."""
    value = os.environ.get(TODAY_VARIABLE)
    if not value:
        return
    import time_machine  # test-only dependency, imported only when asked for

    day = _moved_today(value, dt.date.today())
    traveller = time_machine.travel(dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC), tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    return f"clock moved: today is {dt.date.today()} ({TODAY_VARIABLE})" if os.environ.get(TODAY_VARIABLE) else None


AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture
def auth_headers() -> AuthHeaders:
    """``auth_headers("social_insurance", region="220100")`` → ``{"Authorization": "Bearer ..."}``."""

    def make(
        *roles: str,
        region: str = "220100",
        sub: str | None = None,
        ttl: dt.timedelta = dt.timedelta(minutes=30),
        secret: str = DEV_JWT_SECRET,
        extra: Iterable[tuple[str, str]] = (),
    ) -> dict[str, str]:
        token = issue_token(
            secret, sub=sub or f"test-{'-'.join(roles) or 'none'}-{region}", region=region, roles=roles, ttl=ttl
        )
        return {"Authorization": f"Bearer {token}", **dict(extra)}

    return make
