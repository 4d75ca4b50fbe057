"""A pooled PostgreSQL connection is checked before use only after it has rested (``db._ping_when_idle``): one
closed while resting (a database restart, a firewall) is replaced without the caller noticing; one closed while
in steady use fails that one request with a 503 to retry, nothing written, and the next request gets a new one."""

import asyncio

import asyncpg
import httpx
from fastapi import FastAPI
from opentelemetry import trace
from sqlalchemy import text

from insurance_shared.db import create_engine
from insurance_shared.errors import install_problem_handlers
from insurance_shared.observability import Metrics, ObservabilityMiddleware
from insurance_shared.testing.fixtures import _plain_dsn, admin_url

REST = 0.3


async def test_a_connection_closed_at_rest_is_replaced_one_closed_in_use_fails_once() -> None:
    engine = create_engine(admin_url(), pool_size=1, max_overflow=0, ping_idle_after=REST)
    app = FastAPI()
    app.add_middleware(ObservabilityMiddleware, service="t", metrics=Metrics(), tracer=trace.get_tracer("test"))
    install_problem_handlers(app)

    @app.get("/pid")
    async def pid() -> dict:
        async with engine.connect() as conn:
            return {"pid": (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()}

    async def kill(backend: int) -> None:
        admin = await asyncpg.connect(_plain_dsn(admin_url()))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", backend)
        finally:
            await admin.close()
        await asyncio.sleep(0.05)  # the backend is gone before the next use

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            first = (await c.get("/pid")).json()["pid"]
            assert (await c.get("/pid")).json()["pid"] == first  # the pool's one connection, reused

            await kill(first)
            await asyncio.sleep(REST + 0.1)  # rested: checked on checkout, found closed, replaced
            r = await c.get("/pid")
            assert r.status_code == 200, r.text
            second = r.json()["pid"]
            assert second != first

            await kill(second)  # in steady use: not checked, so this request fails, and only this one
            r = await c.get("/pid")
            assert r.status_code == 503 and r.json()["code"] == "database_unavailable", r.text
            r = await c.get("/pid")
            assert r.status_code == 200 and r.json()["pid"] not in (first, second), r.text
    finally:
        await engine.dispose()
