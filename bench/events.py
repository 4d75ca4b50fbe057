"""bench/events: events per second end to end, per transport, against a raw asyncpg baseline in the same run.

End to end = four producers emit and commit (100 events per transaction), the transport delivers (the feed
served, or the relay publishing to JetStream, from the producer's process), and the consumer, in a process of its
own as a consuming service would be, commits each batch with its processed-event records. The consumer's handler does nothing, so what is
measured is the event machinery itself. Baseline = the same rows with plain asyncpg: four connections INSERT
them (executemany, 100 per transaction), then one SELECT reads them all back.

    .venv/bin/python bench/events.py [--events 20000] [--runs 3] [--transport feed nats]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import uvicorn
from fastapi import FastAPI
from pydantic import Field
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from _common import free_port, report

from insurance_shared.auth import TokenVerifier
from insurance_shared.cli import tune_collector
from insurance_shared.contracts import EventData, event_type
from insurance_shared.db import COMMON_METADATA, Database, create_engine
from insurance_shared.events import Handlers, Inbox, emit_many
from insurance_shared.events.feed import FeedConsumer, feed_router, service_token_provider
from insurance_shared.events.jetstream import JetStreamConsumer, JetStreamRelay, stream_name
from insurance_shared.settings import DEV_JWT_SECRET
from insurance_shared.testing.fixtures import _plain_dsn, create_test_database, drop_test_database

PRODUCERS = 4
PER_TX = 100


@event_type("benchsrc.happened.v1", source="benchsrc")
class Happened(EventData):
    person: str
    period: str
    amount_fen: int = Field(ge=0)


async def create_schema(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(COMMON_METADATA.create_all)
        await conn.execute(text("ALTER TABLE outbox ALTER COLUMN txid SET DEFAULT pg_current_xact_id()::text::bigint"))
        await conn.execute(
            text(
                "CREATE TABLE raw_events (id bigserial PRIMARY KEY, event_id text, type text, subject text, "
                "time timestamptz, envelope text)"
            )
        )
    await engine.dispose()


async def reset(url: str) -> None:
    conn = await asyncpg.connect(_plain_dsn(url))
    await conn.execute("TRUNCATE outbox, processed_events, consumer_cursors, dead_letters, raw_events RESTART IDENTITY")
    await conn.close()


async def produce(db: Database, n: int) -> None:
    async def producer(p: int) -> None:
        for start in range(p * (n // PRODUCERS), (p + 1) * (n // PRODUCERS), PER_TX):
            async with db.sessionmaker() as s:
                await emit_many(
                    s,
                    (
                        (Happened(person=f"p{i % 997}", period="2026-10", amount_fen=i), f"p{p}-{i % 50}", "220100")
                        for i in range(start, start + PER_TX)
                    ),
                )
                await s.commit()

    await asyncio.gather(*(producer(p) for p in range(PRODUCERS)))


async def wait_processed(url: str, n: int) -> None:
    conn = await asyncpg.connect(_plain_dsn(url))
    try:
        while await conn.fetchval("SELECT count(*) FROM processed_events") < n:
            await asyncio.sleep(0.02)
    finally:
        await conn.close()


def handlers() -> Handlers:
    h = Handlers()

    @h.on(Happened)
    async def on_happened(session, env, data) -> None:  # the machinery, not a projection, is measured
        return None

    return h


async def consume_feed(consumer_url: str, feed_url: str, n: int) -> None:
    """The consuming service: its own process, as in production."""
    consumer = Database(consumer_url)
    worker = FeedConsumer(
        Inbox(consumer, handlers()),
        source="benchsrc",
        base_url=feed_url,
        token=service_token_provider(DEV_JWT_SECRET, "bench"),
        batch=1000,
        wait_seconds=1,
    )
    task = asyncio.create_task(worker.run())
    await wait_processed(consumer_url, n)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await worker.aclose()
    await consumer.dispose()


async def run_feed(producer_url: str, consumer_url: str, n: int) -> float:
    producer = Database(producer_url)
    app = FastAPI()
    app.state.db = producer
    app.state.token_verifier = TokenVerifier(secret=DEV_JWT_SECRET)
    app.include_router(feed_router())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    serve = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    consumer = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--role",
        "feed-consumer",
        "--consumer-url",
        consumer_url,
        "--feed-url",
        f"http://127.0.0.1:{port}",
        "--events",
        str(n),
    )
    await asyncio.sleep(1.0)  # let the consumer process start and begin polling before the clock starts
    t0 = time.perf_counter()
    await produce(producer, n)
    tp = time.perf_counter() - t0
    await wait_processed(consumer_url, n)
    elapsed = time.perf_counter() - t0
    print(f"  produced in {tp:.2f} s, all applied by {elapsed:.2f} s", flush=True)
    await consumer.wait()
    server.should_exit = True
    await serve
    await producer.dispose()
    return n / elapsed


async def consume_nats(consumer_url: str, nats_url: str, prefix: str, n: int) -> None:
    """The consuming service on NATS: its own process, as in production (the relay runs in the producer's)."""
    consumer = Database(consumer_url)
    worker = JetStreamConsumer(
        Inbox(consumer, handlers()), source="benchsrc", durable="bench", url=nats_url, prefix=prefix, batch=1000
    )
    task = asyncio.create_task(worker.run())
    await wait_processed(consumer_url, n)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await worker.aclose()
    await consumer.dispose()


async def run_nats(producer_url: str, consumer_url: str, n: int, nats_url: str) -> float:
    producer = Database(producer_url)
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    relay = JetStreamRelay(producer, source="benchsrc", url=nats_url, prefix=prefix, batch=1000)
    await relay._js()
    consumer = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--role",
        "nats-consumer",
        "--consumer-url",
        consumer_url,
        "--nats-url",
        nats_url,
        "--prefix",
        prefix,
        "--events",
        str(n),
    )
    await asyncio.sleep(1.0)  # let the consumer process start and subscribe before the clock starts
    t0 = time.perf_counter()
    relaying = asyncio.create_task(relay.run(idle_sleep=0.01))
    await produce(producer, n)
    tp = time.perf_counter() - t0
    await wait_processed(consumer_url, n)
    elapsed = time.perf_counter() - t0
    print(f"  produced in {tp:.2f} s, all applied by {elapsed:.2f} s", flush=True)
    relaying.cancel()
    await asyncio.gather(relaying, return_exceptions=True)
    await consumer.wait()
    js = await relay._js()
    await js.delete_stream(stream_name("benchsrc", prefix))
    await relay.aclose()
    await producer.dispose()
    return n / elapsed


async def run_baseline(url: str, n: int) -> float:
    dsn = _plain_dsn(url)
    conns = [await asyncpg.connect(dsn) for _ in range(PRODUCERS)]
    now = dt.datetime.now(dt.UTC)
    payload = json.dumps({"person": "p1", "period": "2026-10", "amount_fen": 1})
    t0 = time.perf_counter()

    async def producer(p: int, conn: asyncpg.Connection) -> None:
        for start in range(p * (n // PRODUCERS), (p + 1) * (n // PRODUCERS), PER_TX):
            async with conn.transaction():
                await conn.executemany(
                    "INSERT INTO raw_events (event_id, type, subject, time, envelope) VALUES ($1, $2, $3, $4, $5)",
                    [
                        (str(uuid.uuid4()), "benchsrc.happened.v1", f"p{p}-{i % 50}", now, payload)
                        for i in range(start, start + PER_TX)
                    ],
                )

    await asyncio.gather(*(producer(p, c) for p, c in enumerate(conns)))
    rows = await conns[0].fetch("SELECT id, event_id, type, subject, time, envelope FROM raw_events ORDER BY id")
    assert len(rows) == n
    elapsed = time.perf_counter() - t0
    for c in conns:
        await c.close()
    return n / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--transport", nargs="+", default=["feed", "nats"], choices=["feed", "nats"])
    parser.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    parser.add_argument(
        "--role", default="main", choices=["main", "feed-consumer", "nats-consumer"], help=argparse.SUPPRESS
    )
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    parser.add_argument("--consumer-url", help=argparse.SUPPRESS)
    parser.add_argument("--feed-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    tune_collector()  # as `cli serve` does in every service process, where producers and consumers run
    if args.role == "feed-consumer":
        await consume_feed(args.consumer_url, args.feed_url, args.events)
        return
    if args.role == "nats-consumer":
        await consume_nats(args.consumer_url, args.nats_url, args.prefix, args.events)
        return
    producer_url = create_test_database("bench_events_p")
    consumer_url = create_test_database("bench_events_c")
    try:
        await create_schema(producer_url)
        await create_schema(consumer_url)
        print(f"bench/events: {args.events:,} events, {PRODUCERS} producers, {PER_TX} per transaction", flush=True)
        for transport in args.transport:
            ours, base = [], []
            for _ in range(args.runs):
                await reset(producer_url)
                await reset(consumer_url)
                base.append(await run_baseline(producer_url, args.events))
                await reset(producer_url)
                if transport == "feed":
                    ours.append(await run_feed(producer_url, consumer_url, args.events))
                else:
                    ours.append(await run_nats(producer_url, consumer_url, args.events, args.nats_url))
            report(f"{transport} on PostgreSQL", ours, base, "events/s")
    finally:
        drop_test_database(producer_url)
        drop_test_database(consumer_url)


if __name__ == "__main__":
    asyncio.run(main())
