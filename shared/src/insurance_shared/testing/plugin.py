"""Pytest plugin (registered through the ``pytest11`` entry point): fixtures every service's tests share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import pytest

from ..auth import issue_token
from ..settings import DEV_JWT_SECRET

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
