from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from ..db import Database, create_engine
from ..migrations import upgrade
from ..parameter_api import forget_values
from ..settings import ServiceSettings

DEFAULT_ADMIN_URL = "postgresql+asyncpg://root@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_ADMIN_URL)


def _plain_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(_plain_dsn(admin_url()))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _admin_sync(sql: str) -> None:
    # a thread of its own, so this works from sync fixtures and from inside a running event loop alike
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _admin(sql)).result()


def create_test_database(prefix: str) -> str:
    name = f"test_{prefix}_{uuid.uuid4().hex[:10]}"
    _admin_sync(f'CREATE DATABASE "{name}"')
    return make_url(admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_test_database(url: str) -> None:
    name = make_url(url).database
    _admin_sync(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def service_fixtures(
    package: str,
    *,
    create_app: Callable[..., FastAPI],
    settings_cls: type[ServiceSettings],
) -> dict[str, Any]:
    @pytest.fixture(scope="session")
    def database_url() -> Iterator[str]:
        url = create_test_database(package)
        try:
            upgrade(package, url)
            yield url
        finally:
            drop_test_database(url)

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
        eng = create_engine(database_url)
        yield eng
        await eng.dispose()

    @pytest.fixture
    def app_factory(database_url: str) -> Callable[..., FastAPI]:
        def make(database: Database | None = None, **overrides: Any) -> FastAPI:
            settings = settings_cls(database_url=database_url, background_tasks=False, **overrides)
            return create_app(settings=settings, database=database)

        return make

    @pytest_asyncio.fixture(loop_scope="session")
    async def db(engine: AsyncEngine, database_url: str) -> AsyncIterator[Database]:
        async with engine.connect() as conn:
            trans = await conn.begin()
            try:
                yield Database(database_url, engine=engine, bind=conn)
            finally:
                await trans.rollback()

    @pytest_asyncio.fixture(loop_scope="session")
    async def client(app_factory: Callable[..., FastAPI], db: Database) -> AsyncIterator[httpx.AsyncClient]:
        app = app_factory(db)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            yield c

    @pytest_asyncio.fixture(loop_scope="session")
    async def live_db(engine: AsyncEngine, database_url: str) -> AsyncIterator[Database]:
        yield Database(database_url, engine=engine)
        async with engine.begin() as conn:
            tables = (
                (
                    await conn.execute(
                        text(
                            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                            "AND tablename <> 'alembic_version'"
                        )
                    )
                )
                .scalars()
                .all()
            )
            if tables:
                await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY"))
        forget_values(engine)  # the parameter values this process read are gone with the rows (insert-only otherwise)

    @pytest_asyncio.fixture(loop_scope="session")
    async def live_client(app_factory: Callable[..., FastAPI], live_db: Database) -> AsyncIterator[httpx.AsyncClient]:
        app = app_factory(live_db)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            yield c

    return {
        "database_url": database_url,
        "engine": engine,
        "app_factory": app_factory,
        "db": db,
        "client": client,
        "live_db": live_db,
        "live_client": live_client,
    }
