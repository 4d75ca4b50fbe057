"""The feed's reading with ``skip`` (outbox.read_feed): the cursor moves past left-out events, never past one that
may still commit below it, on PostgreSQL and on SQLite."""

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from insurance_shared.db import COMMON_METADATA, Database
from insurance_shared.events import emit, feed, outbox
from insurance_shared.events.outbox import Cursor, read_feed

from .conftest import Tick, Tock

SKIP = ["testsrc.tock.v1"]


def subjects(rows) -> list[str]:
    return [json.loads(r.envelope_json)["subject"] for r in rows]


async def test_postgresql_skipping_never_passes_an_open_transaction(databases) -> None:
    producer, _ = databases
    async with producer.sessionmaker() as open_tx:
        await emit(open_tx, Tick(seq=1), subject="x", region="220100")
        await open_tx.flush()  # written, not committed: everything after it is held back
        async with producer.sessionmaker() as s:
            await emit(s, Tock(n=1), subject="skipped", region="220100")
            await emit(s, Tick(seq=2), subject="y", region="220100")
            await s.commit()
        async with producer.sessionmaker() as reader:
            rows, cursor = await read_feed(reader, Cursor(), 10, SKIP)
        assert rows == [] and cursor == Cursor()  # not moved past x, which may still commit
        await open_tx.commit()
    async with producer.sessionmaker() as reader:
        rows, cursor = await read_feed(reader, Cursor(), 10, SKIP)
        assert subjects(rows) == ["x", "y"]
        assert await read_feed(reader, cursor, 10, SKIP) == ([], cursor)


async def test_postgresql_a_transaction_in_another_database_does_not_hold_the_feed(databases) -> None:
    """Transaction ids are the cluster's, but only a transaction in this database can write this outbox: one open
    elsewhere (another service's database on the same server, a long report) must not stall every feed."""
    producer, consumer = databases
    async with consumer.sessionmaker() as elsewhere:
        await emit(elsewhere, Tick(seq=1), subject="elsewhere", region="220100")
        await elsewhere.flush()  # holds a transaction id, and stays open
        async with producer.sessionmaker() as s:
            await emit(s, Tick(seq=1), subject="here", region="220100")
            await s.commit()
        async with producer.sessionmaker() as reader:
            rows, cursor = await read_feed(reader, Cursor(), 10)
            assert subjects(rows) == ["here"]
            assert await outbox.horizon(reader) == cursor
        await elsewhere.rollback()


async def test_postgresql_a_page_of_left_out_events_still_moves_the_cursor(databases) -> None:
    producer, _ = databases
    async with producer.sessionmaker() as s:
        for n in range(50):
            await emit(s, Tock(n=n), subject="only-tocks", region="220100")
        await s.commit()
    async with producer.sessionmaker() as reader:
        rows, cursor = await read_feed(reader, Cursor(), 10, SKIP)
        unfiltered, _ = await read_feed(reader, Cursor(), 100)
    assert rows == []
    assert cursor == unfiltered[-1].cursor  # the newest event, so the next read starts after all of them


async def test_sqlite_pages_and_horizon(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'feed.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(COMMON_METADATA.create_all)
    try:
        async with db.sessionmaker() as reader:
            assert await read_feed(reader, Cursor(), 10, SKIP) == ([], Cursor())  # empty outbox
        async with db.sessionmaker() as s:
            for seq in range(1, 4):
                for n in range(4):
                    await emit(s, Tock(n=n), subject="t", region="220100")
                await emit(s, Tick(seq=seq), subject=f"tick{seq}", region="220100")
            for n in range(3):
                await emit(s, Tock(n=n), subject="t", region="220100")
            await s.commit()
        async with db.sessionmaker() as reader:
            rows, cursor = await read_feed(reader, Cursor(), 2, SKIP)
            assert subjects(rows) == ["tick1", "tick2"] and cursor == rows[-1].cursor  # a full page: from its last
            rows, cursor = await read_feed(reader, cursor, 2, SKIP)
            assert subjects(rows) == ["tick3"] and cursor == Cursor(0, 18)  # a short page: up to the newest event
            assert await read_feed(reader, cursor, 2, SKIP) == ([], cursor)
            everything, last = await read_feed(reader, Cursor(), 100)
            assert len(everything) == 18 and last == Cursor(0, 18)
    finally:
        await db.engine.dispose()


async def test_a_consumer_lingers_after_a_trickle_not_after_a_full_page(monkeypatch) -> None:
    # a busy peer committing event by event: after a small page the consumer waits a moment so the next page
    # holds several events; after a full page (a backlog) it asks again at once
    pages = iter([3, 500, 0, 2])
    slept: list[float] = []

    class Inbox:
        async def cursor(self, source: str) -> None:
            return None

    consumer = feed.FeedConsumer(Inbox(), source="s", base_url="http://x", token=lambda: "t", batch=500, linger=0.25)  # type: ignore[arg-type]

    async def fetch(cursor, wait) -> SimpleNamespace:
        try:
            return SimpleNamespace(events=[None] * next(pages), next_cursor="0-1")
        except StopIteration:
            raise asyncio.CancelledError from None

    async def apply(cursor, page) -> int:
        return len(page.events)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(consumer, "_fetch", fetch)
    monkeypatch.setattr(consumer, "_apply", apply)
    monkeypatch.setattr(feed.asyncio, "sleep", sleep)
    with pytest.raises(asyncio.CancelledError):
        await consumer.run()
    await consumer.aclose()
    assert slept == [0.25, 0.25]  # after the 3 and the 2; not after the full page nor the empty long poll
