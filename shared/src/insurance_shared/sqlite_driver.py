"""The embedded default's SQLite driver: Python's ``sqlite3`` called on the event loop's own thread, behind the
asyncio interface SQLAlchemy's aiosqlite dialect expects (passed to it as ``async_creator``).

Why not aiosqlite's thread: it moves every call (cursor, execute, fetch, close) to a worker thread and back, and
on the reference machine that costs about 1 ms of CPU per statement against 0.09 ms for the same statement
through SQLAlchemy on plain ``sqlite3`` (measured side by side; README, Demo data). SQLite's own work is a few
microseconds to milliseconds, so running it inline blocks the loop for no longer than the hop did.

The one wait that must not block the loop is for the write lock: every transaction starts ``BEGIN IMMEDIATE``
(db.py), and two transactions of one process on one file would otherwise wait for each other inside SQLite's
busy handler, on the very thread the holder needs to finish. So ``BEGIN`` first takes an asyncio lock per
database file and event loop, held until the transaction ends: waiters queue on the loop, and SQLite's busy
timeout is left for another process (a command-line tool) holding the file. A waiter gives up after the busy
timeout with the error SQLite itself would raise ("database is locked"), which the API answers with 503.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = weakref.WeakKeyDictionary()


def _writer_lock(database: str) -> asyncio.Lock:
    return _locks.setdefault(asyncio.get_running_loop(), {}).setdefault(database, asyncio.Lock())


class Cursor:
    __slots__ = ("_connection", "_cursor")

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor = connection._connection.cursor()

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> Cursor:
        if sql[:5].upper() == "BEGIN":
            await self._connection._begin(self._cursor, sql, parameters)
        else:
            try:
                self._cursor.execute(sql, parameters)
            finally:
                self._connection._release_if_ended()  # a COMMIT or ROLLBACK sent as SQL ends it too
        return self

    async def executemany(self, sql: str, seq_of_parameters: Iterable[Any]) -> Cursor:
        self._cursor.executemany(sql, seq_of_parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class Connection:
    """What SQLAlchemy's aiosqlite adapter uses of an ``aiosqlite.Connection``, done inline."""

    def __init__(self, connection: sqlite3.Connection, database: str, timeout: float) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._database, self._timeout = database, timeout
        self._held: asyncio.Lock | None = None

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("Connection closed")
        return self._connection

    async def _begin(self, cursor: sqlite3.Cursor, sql: str, parameters: Sequence[Any] | dict[str, Any]) -> None:
        if self._database != ":memory:" and self._held is None:
            lock = _writer_lock(self._database)
            try:
                await asyncio.wait_for(lock.acquire(), self._timeout)
            except TimeoutError:
                raise sqlite3.OperationalError("database is locked") from None
            self._held = lock
        try:
            cursor.execute(sql, parameters)
        finally:
            self._release_if_ended()

    def _release_if_ended(self) -> None:
        if self._held is not None and (self._connection is None or not self._connection.in_transaction):
            self._release()

    def _release(self) -> None:
        if self._held is not None:
            self._held.release()
            self._held = None

    def cursor(self) -> Cursor:
        return Cursor(self)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def commit(self) -> None:
        try:
            self._conn.commit()
        finally:
            self._release_if_ended()

    async def rollback(self) -> None:
        try:
            self._conn.rollback()
        finally:
            self._release()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:  # aiosqlite's forced close, used when SQLAlchemy terminates a connection
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._release()


def creator(database: str, timeout: float) -> Any:
    """``async_creator`` for ``create_async_engine``: connections in autocommit mode (isolation_level None), so
    the ``BEGIN IMMEDIATE`` SQLAlchemy emits is the only transaction control, as with aiosqlite before;
    ``timeout`` (seconds) bounds both waits for the write lock, in this process and from another."""

    async def connect() -> Connection:
        uri = database.startswith("file:")
        conn = sqlite3.connect(database, timeout=timeout, isolation_level=None, check_same_thread=False, uri=uri)
        return Connection(conn, database, timeout)

    return connect
