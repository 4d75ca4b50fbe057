"""Harness for the event contract suite: a producer database with an outbox, a consumer database with an inbox
and a projection, and the same test bodies driven over each transport (feed over HTTP, NATS JetStream)."""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import nats
import pytest
import pytest_asyncio
from fastapi import FastAPI
from pydantic import Field
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text

from insurance_shared.auth import TokenVerifier
from insurance_shared.contracts import EventData, catalogue, event_type
from insurance_shared.db import COMMON_METADATA, Database, create_engine
from insurance_shared.events import Envelope, Handlers, Inbox
from insurance_shared.events.feed import FeedConsumer, feed_router, service_token_provider
from insurance_shared.events.jetstream import JetStreamConsumer, JetStreamRelay, stream_name
from insurance_shared.settings import DEV_JWT_SECRET
from insurance_shared.telemetry import current_trace_id
from insurance_shared.testing import admin_url
from insurance_shared.testing.fixtures import create_test_database, drop_test_database

SOURCE = "testsrc"
NATS_URL = os.environ.get("TEST_NATS_URL", "nats://127.0.0.1:4222")


if "testsrc.tick.v1" not in catalogue:

    @event_type("testsrc.tick.v1", source=SOURCE)
    class Tick(EventData):
        seq: int = Field(ge=1)
        poison: bool = False

    @event_type("testsrc.tock.v1", source=SOURCE)
    class Tock(EventData):
        """Known to the catalogue, handled by nobody here: the feed need not send it."""

        n: int

    @event_type("testsrc.tally.v1", source=SOURCE)
    class Tally(EventData):
        """Like a tick, but handled a run at a time (Handlers.on_runs)."""

        seq: int = Field(ge=1)
        poison: bool = False

else:  # pragma: no cover - the module is imported once per run
    Tick = catalogue["testsrc.tick.v1"]  # type: ignore[misc]
    Tock = catalogue["testsrc.tock.v1"]  # type: ignore[misc]
    Tally = catalogue["testsrc.tally.v1"]  # type: ignore[misc]

projection_md = MetaData()
applied = Table(
    "applied",
    projection_md,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", String(100), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("trace_id", String(32)),
)


class OutOfOrder(Exception):
    pass


@dataclass
class Behaviour:
    """What the test handler does; tests flip these."""

    poison_fails: bool = True
    seen_traces: list[str | None] = field(default_factory=list)
    run_sizes: list[int] = field(default_factory=list)


def make_handlers(behaviour: Behaviour) -> Handlers:
    handlers = Handlers()

    @handlers.on(Tick)
    async def on_tick(session, env: Envelope, data) -> None:
        if data.poison and behaviour.poison_fails:
            raise RuntimeError("poisoned event")
        last = (
            await session.execute(select(func.max(applied.c.seq)).where(applied.c.subject == env.subject))
        ).scalar_one()
        if (last or 0) + 1 != data.seq:
            raise OutOfOrder(f"{env.subject}: got {data.seq} after {last}")
        behaviour.seen_traces.append(current_trace_id())
        await session.execute(
            applied.insert().values(
                subject=env.subject,
                seq=data.seq,
                event_id=str(env.id),
                trace_id=env.traceparent and env.traceparent.split("-")[1],
            )
        )

    @handlers.on_runs(Tally)
    async def on_tallies(session, events) -> None:
        behaviour.run_sizes.append(len(events))
        for env, data in events:  # the same checks as a tick, so order across the two types is checked too
            await on_tick(session, env, data)

    return handlers


async def _create_schema(url: str, metadata: list[MetaData]) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        for md in metadata:
            await conn.run_sync(md.create_all)
        await conn.execute(text("ALTER TABLE outbox ALTER COLUMN txid SET DEFAULT pg_current_xact_id()::text::bigint"))
    await engine.dispose()


@pytest.fixture(scope="session")
def event_databases() -> Iterator[tuple[str, str]]:
    producer = create_test_database("events_producer")
    consumer = create_test_database("events_consumer")
    try:
        asyncio.run(_create_schema(producer, [COMMON_METADATA]))
        asyncio.run(_create_schema(consumer, [COMMON_METADATA, projection_md]))
        yield producer, consumer
    finally:
        drop_test_database(producer)
        drop_test_database(consumer)


async def _truncate(db: Database) -> None:
    async with db.engine.begin() as conn:
        tables = (
            (await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars().all()
        )
        await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY"))


class Harness:
    """Moves events from the producer's outbox to the consumer's inbox over one transport, step by step."""

    transport: str

    def __init__(self, producer: Database, consumer: Database, behaviour: Behaviour) -> None:
        self.producer = producer
        self.consumer = consumer
        self.behaviour = behaviour
        self.inbox = Inbox(consumer, make_handlers(behaviour), max_attempts=2, backoff_seconds=0.01)

    async def pump(self) -> int:
        raise NotImplementedError

    async def drain(self, expect_applied: int, timeout: float = 60) -> None:
        """Pump until the projection holds ``expect_applied`` rows and nothing more arrives."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            moved = await self.pump()
            if moved == 0 and await self.applied_count() >= expect_applied:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"only {await self.applied_count()} of {expect_applied} applied in {timeout}s")

    async def applied_count(self) -> int:
        async with self.consumer.sessionmaker() as s:
            return (await s.execute(select(func.count()).select_from(applied))).scalar_one()

    async def projection(self) -> list[tuple[str, int, str]]:
        async with self.consumer.sessionmaker() as s:
            rows = await s.execute(
                select(applied.c.subject, applied.c.seq, applied.c.event_id).order_by(applied.c.subject, applied.c.seq)
            )
            return [tuple(r) for r in rows]

    async def reset_consumer(self) -> None:
        """Forget everything the consumer applied: the next pumps replay the stream from its start."""
        await _truncate(self.consumer)

    async def close(self) -> None:
        pass


class FeedHarness(Harness):
    transport = "feed"

    def __init__(self, producer: Database, consumer: Database, behaviour: Behaviour) -> None:
        super().__init__(producer, consumer, behaviour)
        app = FastAPI()
        app.state.db = producer
        app.state.token_verifier = TokenVerifier(secret=DEV_JWT_SECRET)
        app.include_router(feed_router())
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://producer")
        self.consumer_worker = FeedConsumer(
            self.inbox,
            source=SOURCE,
            base_url="http://producer",
            token=service_token_provider(DEV_JWT_SECRET, "test-consumer"),
            batch=500,
            skip=self.inbox.handlers.unhandled(SOURCE),
            client=self.http,
        )

    async def pump(self) -> int:
        return await self.consumer_worker.poll_once(wait=0)

    async def close(self) -> None:
        await self.http.aclose()


class NatsHarness(Harness):
    transport = "nats"

    def __init__(self, producer: Database, consumer: Database, behaviour: Behaviour, url: str = NATS_URL) -> None:
        super().__init__(producer, consumer, behaviour)
        self.url = url
        self.prefix = f"t{uuid.uuid4().hex[:8]}."
        self.durable = "consumer"
        self.relay = JetStreamRelay(producer, source=SOURCE, url=url, prefix=self.prefix, batch=500)
        self.consumer_worker = self._new_consumer()

    def _new_consumer(self) -> JetStreamConsumer:
        return JetStreamConsumer(
            self.inbox, source=SOURCE, durable=self.durable, url=self.url, prefix=self.prefix, batch=500
        )

    async def pump(self) -> int:
        published = await self.relay.relay_once()
        consumed = await self.consumer_worker.poll_once(wait=0.2)
        return published + consumed

    async def reset_consumer(self) -> None:
        await super().reset_consumer()
        # a new durable starts from the stream's first message: a full replay
        await self.consumer_worker.aclose()
        self.durable = f"replay{uuid.uuid4().hex[:6]}"
        self.consumer_worker = self._new_consumer()

    async def close(self) -> None:
        await self.consumer_worker.aclose()
        try:
            nc = await nats.connect(self.url, connect_timeout=2, max_reconnect_attempts=1)
            await nc.jetstream().delete_stream(stream_name(SOURCE, self.prefix))
            await nc.close()
        except Exception:
            pass
        await self.relay.aclose()


@pytest_asyncio.fixture(loop_scope="session")
async def databases(event_databases) -> AsyncIterator[tuple[Database, Database]]:
    producer, consumer = Database(event_databases[0]), Database(event_databases[1])
    yield producer, consumer
    await _truncate(producer)
    await _truncate(consumer)
    await producer.dispose()
    await consumer.dispose()


@pytest.fixture
def behaviour() -> Behaviour:
    return Behaviour()


def require_nats() -> None:
    """Fail at once, not after the client's endless reconnects, when the broker is not there."""
    host, _, port = NATS_URL.removeprefix("nats://").partition(":")
    try:
        socket.create_connection((host, int(port or 4222)), timeout=2).close()
    except OSError:
        pytest.fail(f"NATS is not reachable at {NATS_URL}; .ci/run starts it (README, Two commands)")


@pytest_asyncio.fixture(loop_scope="session", params=["feed", "nats"])
async def harness(request, databases, behaviour) -> AsyncIterator[Harness]:
    cls = FeedHarness if request.param == "feed" else NatsHarness
    if cls is NatsHarness:
        require_nats()
    h = cls(*databases, behaviour)
    yield h
    await h.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NatsServer:
    """A NATS server of the test's own (the real binary), so it can be restarted without disturbing others."""

    def __init__(self) -> None:
        self.port = free_port()
        self.store = tempfile.mkdtemp(prefix="nats-test-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        self.proc = subprocess.Popen(
            [binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", self.store],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                import time

                time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.store, ignore_errors=True)


__all__ = ["SOURCE", "Harness", "NatsHarness", "NatsServer", "Tick", "admin_url"]
