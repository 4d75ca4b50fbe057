"""Database refusals of a value the request carried are the caller's 422, however the driver wraps them; a unique
index refusing a duplicate written at the same moment is a 409; other database failures stay server errors (a
500 problem with the request id, never internals)."""

import httpx
from fastapi import FastAPI
from opentelemetry import trace
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from insurance_shared.db import create_engine
from insurance_shared.errors import install_problem_handlers
from insurance_shared.observability import Metrics, ObservabilityMiddleware
from insurance_shared.testing.fixtures import admin_url


def app_with(query: str) -> FastAPI:
    app = FastAPI()
    app.add_middleware(ObservabilityMiddleware, service="t", metrics=Metrics(), tracer=trace.get_tracer("test"))
    install_problem_handlers(app)

    @app.get("/q")
    async def q(value: str) -> dict:
        engine = create_async_engine(admin_url())
        try:
            async with engine.connect() as conn:
                await conn.execute(text(query), {"v": value})
        finally:
            await engine.dispose()
        return {"ok": True}

    return app


async def call(app: FastAPI, value: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        return await c.get("/q", params={"value": value})


async def test_a_nul_character_is_the_callers_422() -> None:
    r = await call(app_with("SELECT :v = 'a'"), "x\x00y")  # SQLSTATE 22021, wrapped as a plain DBAPIError
    assert r.status_code == 422 and r.json()["code"] == "invalid_value"


async def test_other_database_errors_stay_500() -> None:
    r = await call(app_with("SELECT * FROM no_such_table WHERE :v = 'a'"), "x")
    assert r.status_code == 500 and r.json()["code"] == "internal_error"
    assert "no_such_table" not in r.text


async def test_a_duplicate_refused_by_a_unique_index_is_a_409_on_both_databases(tmp_path) -> None:
    """A write that lost a race to a unique index (another replica wrote the same thing at the same moment) is
    the caller's conflict, not a server error: 409 written_concurrently, on PostgreSQL (SQLSTATE 23505) and on
    SQLite (UNIQUE constraint failed) alike."""

    def writing_twice(url: str) -> FastAPI:
        app = FastAPI()
        app.add_middleware(ObservabilityMiddleware, service="t", metrics=Metrics(), tracer=trace.get_tracer("test"))
        install_problem_handlers(app)

        @app.post("/w")
        async def w() -> dict:
            engine = create_engine(url)
            try:
                async with engine.begin() as conn:
                    await conn.execute(text("CREATE TEMP TABLE u (x TEXT PRIMARY KEY)"))
                    await conn.execute(text("INSERT INTO u VALUES ('same')"))
                    await conn.execute(text("INSERT INTO u VALUES ('same')"))  # the other replica's, in effect
            finally:
                await engine.dispose()
            return {"ok": True}

        return app

    for url in (admin_url(), f"sqlite+aiosqlite:///{tmp_path / 'unique.db'}"):
        transport = httpx.ASGITransport(app=writing_twice(url), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.post("/w")
        assert r.status_code == 409 and r.json()["code"] == "written_concurrently", (url, r.text)
        assert "u_pkey" not in r.text and "UNIQUE" not in r.text  # no internals


async def test_a_database_busy_past_its_timeout_is_a_503_to_retry(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # another writer holds SQLite's write lock
    app = FastAPI()
    app.add_middleware(ObservabilityMiddleware, service="t", metrics=Metrics(), tracer=trace.get_tracer("test"))
    install_problem_handlers(app)

    @app.post("/w")
    async def w() -> dict:
        engine = create_engine(f"sqlite+aiosqlite:///{path}", busy_timeout=0.1)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
        finally:
            await engine.dispose()
        return {"ok": True}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.post("/w")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.status_code == 503 and r.json()["code"] == "database_busy"
    assert r.headers["retry-after"] == "1"


async def test_a_database_that_cannot_be_reached_is_a_503_not_a_500() -> None:
    """#24 defect 2: while PostgreSQL restarted, writes answered 500 (connection refused, cannot connect now,
    connection reset). The work was not done: 503 with Retry-After. Here a real connection to a port nobody
    listens on, through the pool, as a request's session would make it."""
    app = FastAPI()
    app.add_middleware(ObservabilityMiddleware, service="t", metrics=Metrics(), tracer=trace.get_tracer("test"))
    install_problem_handlers(app)

    @app.get("/q")
    async def q() -> dict:
        engine = create_engine("postgresql+asyncpg://root@127.0.0.1:1/nowhere")
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await engine.dispose()
        return {"ok": True}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/q")
    assert r.status_code == 503 and r.json()["code"] == "database_unavailable", r.text
    assert r.headers["retry-after"] == "5"
