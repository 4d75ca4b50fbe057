"""The embedded default's driver (sqlite_driver.py): SQLite on the loop's thread, transactions of one process
queued on the loop for the write lock instead of blocking it."""

import asyncio
import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from insurance_shared.db import Database, create_engine


@pytest.fixture
async def db(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}"
    database = Database(url, engine=create_engine(url, busy_timeout=1))  # a wrong driver fails fast, not hangs
    async with database.sessionmaker() as s:
        await s.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        await s.execute(text("INSERT INTO counter VALUES (1, 0)"))
        await s.commit()
    yield database
    await database.engine.dispose()


async def value(db: Database) -> int:
    async with db.sessionmaker() as s:
        return (await s.execute(text("SELECT n FROM counter WHERE id = 1"))).scalar_one()


async def test_concurrent_transactions_in_one_process_take_turns(db) -> None:
    # each reads, lets the loop run others mid-transaction, then writes: without the queue on the loop, the
    # second BEGIN IMMEDIATE would wait inside SQLite on the thread the first needs, until its timeout
    async def bump() -> None:
        async with db.sessionmaker() as s:
            n = (await s.execute(text("SELECT n FROM counter WHERE id = 1"))).scalar_one()
            await asyncio.sleep(0.001)
            await s.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
            await s.commit()

    await asyncio.wait_for(asyncio.gather(*(bump() for _ in range(25))), 20)
    assert await value(db) == 25  # no update lost: the transactions did not overlap


async def test_a_failed_or_abandoned_transaction_lets_the_next_one_in(db) -> None:
    async with db.sessionmaker() as s:
        with pytest.raises(IntegrityError):
            await s.execute(text("INSERT INTO counter VALUES (1, 5)"))
        await s.rollback()
    async with db.sessionmaker() as s:  # left without commit: closing the session ends it
        await s.execute(text("UPDATE counter SET n = 7 WHERE id = 1"))
    async with db.sessionmaker() as s:
        await asyncio.wait_for(s.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1")), 2)
        await s.commit()
    assert await value(db) == 1  # the abandoned 7 was rolled back


async def test_a_commit_sent_as_sql_ends_the_transaction_too(db) -> None:
    async with db.engine.connect() as conn:
        await conn.exec_driver_sql("UPDATE counter SET n = 3 WHERE id = 1")
        await conn.exec_driver_sql("COMMIT")
        assert await asyncio.wait_for(value(db), 2) == 3  # another connection gets the write lock at once
        await conn.rollback()


async def test_a_waiter_gives_up_after_the_busy_timeout_with_database_is_locked(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}", busy_timeout=0.2)
    try:
        async with engine.connect() as holder:
            await holder.execute(text("CREATE TABLE t (x INTEGER)"))  # begins, and keeps, a transaction
            async with engine.connect() as waiter:
                with pytest.raises(OperationalError, match="database is locked"):
                    await waiter.execute(text("INSERT INTO t VALUES (1)"))
            await holder.commit()
        async with engine.begin() as conn:  # and the lock is free again afterwards
            await conn.execute(text("INSERT INTO t VALUES (2)"))
    finally:
        await engine.dispose()


async def test_another_process_holding_the_file_is_waited_for_by_sqlite(tmp_path) -> None:
    # another connection outside this loop (as another process would be) holds the write lock for 0.3 s:
    # SQLite's own busy handler waits for it, within the busy timeout
    path = tmp_path / "shared.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("PRAGMA journal_mode=WAL")  # as the services' files are
    other.execute("CREATE TABLE t (x INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    threading.Timer(0.3, other.commit).start()
    engine = create_engine(f"sqlite+aiosqlite:///{path}", busy_timeout=5)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (2)"))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 2
    finally:
        await engine.dispose()
        other.close()
