"""Engine and session helpers shared by the services: one session per request, committed at the edge.

PostgreSQL (asyncpg) in production, SQLite as the embedded default (URLs ``sqlite+aiosqlite://``; the calls run on
the event loop's thread: sqlite_driver.py says why). On SQLite every transaction
starts ``BEGIN IMMEDIATE``: writers queue on the busy timeout instead of failing when a read upgrades to a write.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Table, TypeDecorator, event, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from . import sqlite_driver

__all__ = [
    "COMMON_METADATA",
    "NAMING_CONVENTION",
    "BigIntPK",
    "Database",
    "Session",
    "UTCDateTime",
    "copy_new_rows",
    "copy_out_csv",
    "copy_rows",
    "get_session",
    "insert_returning_ids",
    "insert_rows",
    "is_postgresql",
    "is_sqlite",
    "new_metadata",
    "take_turn",
    "upsert_rows",
    "utcnow",
]

# Explicit constraint names, so migrations on PostgreSQL and SQLite (batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        if dbapi_conn.isolation_level is not None:  # sqlite_driver connects with None already
            dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only transaction control
        cur = dbapi_conn.cursor()  # the busy timeout is set at connect (sqlite_driver.creator)
        # switching to WAL needs a lock not covered by the busy handler; the mode persists, so ask before setting
        cur.execute("PRAGMA journal_mode")
        if str(cur.fetchone()[0]).lower() != "wal":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sqlite_directory(url: str) -> None:
    """The directory of a SQLite file, made if missing: the default URL (``var/<service>.db``) must work in a fresh
    directory, as in the image."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)


PING_IDLE_AFTER = 10.0  # seconds a pooled PostgreSQL connection may rest before it is checked on checkout


def create_engine(
    url: str, *, busy_timeout: float = 30, ping_idle_after: float = PING_IDLE_AFTER, **kw: Any
) -> AsyncEngine:
    """``busy_timeout``: on SQLite, how long a transaction waits for another's write lock before "database is
    locked" (answered 503, try again). ``ping_idle_after``: on PostgreSQL, a pooled connection that rested longer
    is checked before use (``_ping_when_idle``)."""
    if is_sqlite(url):
        database = make_url(url).database
        make_sqlite_directory(url)
        creator = sqlite_driver.creator(database or ":memory:", busy_timeout)
        engine = create_async_engine(url, async_creator=creator, **kw)
        _sqlite_setup(engine)
        return engine
    kw.setdefault("pool_size", 10)
    kw.setdefault("max_overflow", 10)
    engine = create_async_engine(url, **kw)
    if not kw.get("pool_pre_ping"):
        _ping_when_idle(engine, ping_idle_after)
    return engine


def _ping_when_idle(engine: AsyncEngine, after: float) -> None:
    """Check a pooled connection on checkout only when it has rested longer than ``after`` seconds. SQLAlchemy's
    ``pool_pre_ping`` checks every checkout, and asyncpg's check is three round trips (begin, ping, rollback):
    about 0.2 ms of CPU on every request, a tenth of a simple read's. A connection in steady use proves itself;
    one that rested may have been closed by a database restart or a firewall. A dead one found here is replaced,
    and the pool's other connections from before are replaced too (as the pre-ping does). A connection lost
    while in steady use fails its statement instead: the request is answered 503 with nothing written
    (``errors._on_dbapi_error``) and the pool is replaced the same way."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _rested_from(_dbapi: Any, record: Any) -> None:
        if record is not None:
            record.info["rested_from"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _check_if_rested(dbapi: Any, record: Any, _proxy: Any) -> None:
        rested_from = record.info.pop("rested_from", None)
        if rested_from is None or time.monotonic() - rested_from <= after:
            return  # a new connection, or one in steady use
        try:
            dbapi.ping()
        except Exception as exc:  # any failure of the check: take a new connection
            raise InvalidatePoolError(f"pooled connection failed its check after {after}s at rest: {exc}") from exc


class Database:
    """An engine and the session factory bound to it (or, in tests, to one connection inside a transaction)."""

    def __init__(self, url: str, *, engine: AsyncEngine | None = None, bind: AsyncConnection | None = None) -> None:
        self.url = url
        self.engine = engine or create_engine(url)
        if bind is None:
            self.sessionmaker = async_sessionmaker(bind=self.engine, expire_on_commit=False)
        else:
            # in tests the connection is inside a transaction that is rolled back; commits become savepoints
            self.sessionmaker = async_sessionmaker(
                bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
        self.owns_engine = engine is None

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    async def dispose(self) -> None:
        if self.owns_engine:
            await self.engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request. Nothing commits here: write endpoints commit explicitly at the edge."""
    db: Database = request.app.state.db
    async with db.sessionmaker() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


# SQLite gives a rowid alias only to INTEGER PRIMARY KEY, so a BIGINT key would never autoincrement there.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Tables every service has (audit log, idempotency keys); each service's first migration creates them.
COMMON_METADATA = new_metadata()


def is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def upsert_insert(session: AsyncSession) -> Any:
    """The dialect's ``insert`` (PostgreSQL's or SQLite's), which has ``on_conflict_do_nothing/update``."""
    return postgresql.insert if is_postgresql(session) else sqlite.insert


async def upsert_rows(
    session: AsyncSession, table: Table, key: str, rows: Iterable[dict[str, Any]], update: Sequence[str]
) -> None:
    """Insert ``rows``, or where a row with the same ``key`` (the primary key) is there, set its ``update``
    columns: one statement for a run of events that each would insert-or-update one row. The result is that of
    applying the rows one after another: for a key given twice, the later row's ``update`` values win and the
    other columns come from the first (each key goes to the database once, which no dialect minds)."""
    merged: dict[Any, dict[str, Any]] = {}
    for row in rows:
        if (earlier := merged.get(row[key])) is not None:
            earlier.update({c: row[c] for c in update})
        else:
            merged[row[key]] = dict(row)
    if not merged:
        return
    stmt = upsert_insert(session)(table)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c[key]], set_={c: stmt.excluded[c] for c in update})
    await session.execute(stmt, list(merged.values()))


# Below this many rows, COPY's set-up costs more than the INSERT it replaces.
COPY_THRESHOLD = 50


async def copy_rows(session: AsyncSession, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """PostgreSQL COPY inside the session's transaction; column defaults apply as for INSERT."""
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    await raw.copy_records_to_table(table, records=rows, columns=list(columns))


async def copy_new_rows(
    session: AsyncSession, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> bool:
    """PostgreSQL COPY of rows that should all be new, in a savepoint of the session's transaction. False, with
    nothing written, when one of them breaks a unique key: COPY cannot skip it, so the caller writes the rows again
    in a way that does (``INSERT ... ON CONFLICT DO NOTHING``)."""
    try:
        async with session.begin_nested():
            await copy_rows(session, table, columns, rows)
    except asyncpg.UniqueViolationError:
        return False
    return True


_TURN = text("SELECT pg_advisory_xact_lock(hashtext(:name))")


async def take_turn(session: AsyncSession, name: str) -> None:
    """Wait until no other transaction holds the turn called ``name``, and hold it until this one ends: work that
    reads "what is left to do" and then does it (a run, a batching) done by one transaction at a time, across
    processes. A PostgreSQL advisory lock; SQLite has one writer at a time already."""
    if is_postgresql(session):
        await session.execute(_TURN, {"name": name})


async def copy_out_csv(session: AsyncSession, query: str, *args: Any) -> bytes:
    """PostgreSQL ``COPY (query) TO STDOUT`` as CSV inside the session's transaction: a bulk read that skips
    building a row object per row (a columnar reader parses it in one call)."""
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    chunks: list[bytes] = []

    async def take(chunk: bytes) -> None:
        chunks.append(chunk)

    await raw.copy_from_query(query, *args, output=take, format="csv")
    return b"".join(chunks)


async def insert_rows(session: AsyncSession, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Append many plain rows (numbers and strings) inside the session's transaction: COPY on PostgreSQL, one
    prepared INSERT executed many times elsewhere. For bulk paths; the rows are not validated here."""
    if not rows:
        return
    if is_postgresql(session) and len(rows) >= COPY_THRESHOLD:
        await copy_rows(session, table, columns, rows)
        return
    names = ", ".join(columns)
    conn = await session.connection()
    if conn.dialect.paramstyle == "qmark":  # SQLite: the rows go to the driver as they are, no dict per row
        marks = ", ".join("?" for _ in columns)
        await conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", [tuple(r) for r in rows])
        return
    params = ", ".join(f":{c}" for c in columns)
    await session.execute(
        text(f"INSERT INTO {table} ({names}) VALUES ({params})"), [dict(zip(columns, r, strict=True)) for r in rows]
    )


async def insert_returning_ids(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert many rows (a core insert, no ORM objects) and return their generated ``id``s in the rows' order:
    RETURNING, 500 rows a statement."""
    ids: list[int] = []
    for i in range(0, len(rows), 500):
        returned = await session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows[i : i + 500]
        )
        ids += returned.scalars()
    return ids
