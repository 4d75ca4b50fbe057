"""Transport ``nats``: the relay publishes committed outbox rows to JetStream, one stream per source service,
subject = event type, message id = event id (the server drops duplicates within its window; the consumer's
processed-events table drops the rest). Consumers are durable pull consumers that ack after their commit."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import BadRequestError
from sqlalchemy import select

from ..db import Database
from .envelope import Envelope
from .inbox import Inbox, Incoming, consumer_cursors, store_cursor
from .outbox import RECHECK_SECONDS, Cursor, read_after, wait_for_commit

__all__ = ["JetStreamConsumer", "JetStreamRelay", "stream_name", "subject_root"]

log = logging.getLogger(__name__)

RELAY_CURSOR_KEY = "@relay:nats"  # the relay's position, kept in consumer_cursors beside the consumers'
POSITION_HEADER = "Outbox-Position"


def subject_root(source: str, prefix: str = "") -> str:
    return f"{prefix}{source.replace('-', '_')}"


def stream_name(source: str, prefix: str = "") -> str:
    return subject_root(source, prefix).upper().replace(".", "_").replace("-", "_")


async def _connect(url: str) -> nats.NATS:
    return await nats.connect(
        url,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=2,
        allow_reconnect=True,
    )


async def ensure_stream(js: object, source: str, prefix: str) -> None:
    config = StreamConfig(
        name=stream_name(source, prefix),
        subjects=[f"{subject_root(source, prefix)}.>"],
        storage=StorageType.FILE,
        duplicate_window=120.0,
    )
    try:
        await js.add_stream(config)  # type: ignore[attr-defined]
    except BadRequestError:  # exists with another config: bring it in line
        await js.update_stream(config)  # type: ignore[attr-defined]


class _Acks:
    """JetStream's acknowledgements of one relay's publishes, gathered per batch: one reply subject per relay,
    one future per batch. nats-py's ``publish_async`` makes a future, a semaphore wait (a task) and a reply-map
    entry for every message, which cost more than the publish itself (bench/events.py)."""

    def __init__(self) -> None:
        self.prefix = ""
        self.waiting: set[str] = set()
        self.errors: list[str] = []
        self.done: asyncio.Future[None] | None = None
        self.batches = 0  # tokens name their batch: a late ack of an abandoned batch never counts for a later one

    async def subscribe(self, nc: nats.NATS) -> None:
        self.prefix = f"{nc.new_inbox()}."
        await nc.subscribe(f"{self.prefix}*", cb=self._on_ack)

    def expect(self, count: int) -> tuple[list[str], asyncio.Future[None]]:
        self.batches += 1
        tokens = [f"{self.batches}-{n}" for n in range(count)]
        self.waiting, self.errors = set(tokens), []
        self.done = asyncio.get_running_loop().create_future()
        return tokens, self.done

    async def _on_ack(self, msg) -> None:  # type: ignore[no-untyped-def]
        token = msg.subject[len(self.prefix) :]
        if token not in self.waiting or self.done is None or self.done.done():
            return  # a late ack of an earlier, abandoned batch
        if (msg.headers or {}).get("Status") == "503":
            self.errors.append("no stream answers (503)")
        elif b'"error"' in msg.data:
            self.errors.append(msg.data.decode(errors="replace"))
        self.waiting.discard(token)
        if not self.waiting:
            if self.errors:
                self.done.set_exception(RuntimeError(f"JetStream refused {len(self.errors)}: {self.errors[0]}"))
            else:
                self.done.set_result(None)


class JetStreamRelay:
    def __init__(self, db: Database, *, source: str, url: str, prefix: str = "", batch: int = 500) -> None:
        self.db = db
        self.source = source
        self.url = url
        self.prefix = prefix
        self.batch = batch
        self._nc: nats.NATS | None = None
        self._acks = _Acks()

    async def _js(self):
        if self._nc is None or self._nc.is_closed:
            self._nc = await _connect(self.url)
            await ensure_stream(self._nc.jetstream(), self.source, self.prefix)
            self._acks = _Acks()
            await self._acks.subscribe(self._nc)
        return self._nc.jetstream()

    async def _cursor(self) -> Cursor:
        async with self.db.sessionmaker() as session:
            value = (
                await session.execute(
                    select(consumer_cursors.c.cursor).where(consumer_cursors.c.source == RELAY_CURSOR_KEY)
                )
            ).scalar_one_or_none()
        return Cursor.parse(value)

    async def publish(self, rows: list, js: object) -> None:  # type: ignore[type-arg]
        """Publish a batch and wait until JetStream has stored every message of it (or refused one: then the whole
        batch is sent again later, and the stream's duplicate window drops what it already holds)."""
        nc = self._nc
        assert nc is not None
        tokens, stored = self._acks.expect(len(rows))
        for token, row in zip(tokens, rows, strict=True):
            await nc.publish(
                f"{self.prefix}{row.type}",
                row.envelope_json.encode(),
                reply=f"{self._acks.prefix}{token}",
                # the outbox position travels beside the event: consumers keep the highest they applied,
                # the same position the feed transport stores, so freshness checks work on either
                headers={"Nats-Msg-Id": row.event_id, POSITION_HEADER: str(row.cursor)},
            )
        await asyncio.wait_for(stored, timeout=15)

    async def relay_once(self) -> int:
        """Publish the next committed batch; the cursor moves only after JetStream has acknowledged all of it."""
        js = await self._js()
        cursor = await self._cursor()
        async with self.db.sessionmaker() as session:
            rows = await read_after(session, cursor, self.batch)
        if not rows:
            return 0
        await self.publish(rows, js)
        await self.mark_sent(rows[-1].cursor)
        return len(rows)

    async def mark_sent(self, cursor: Cursor) -> None:
        async with self.db.sessionmaker() as session:
            await store_cursor(session, RELAY_CURSOR_KEY, str(cursor))
            await session.commit()

    async def run(self, idle_sleep: float = RECHECK_SECONDS) -> None:
        backoff = 0.5
        while True:
            try:
                n = await self.relay_once()
                backoff = 0.5
                if n == 0:
                    await wait_for_commit(idle_sleep)  # a local commit wakes it at once
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("relay to NATS: %s; retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)

    async def aclose(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()


class JetStreamConsumer:
    def __init__(
        self, inbox: Inbox, *, source: str, durable: str, url: str, prefix: str = "", batch: int = 500
    ) -> None:
        self.inbox = inbox
        self.source = source
        self.durable = durable
        self.url = url
        self.prefix = prefix
        self.batch = batch
        self._nc: nats.NATS | None = None
        self._sub = None

    async def _subscription(self):
        if self._sub is None:
            self._nc = await _connect(self.url)
            js = self._nc.jetstream()
            await ensure_stream(js, self.source, self.prefix)
            self._sub = await js.pull_subscribe(
                f"{subject_root(self.source, self.prefix)}.>",
                durable=self.durable,
                stream=stream_name(self.source, self.prefix),
            )
        return self._sub

    async def poll_once(self, wait: float = 1.0) -> int:
        sub = await self._subscription()
        try:
            msgs = await sub.fetch(self.batch, timeout=wait)
        except (TimeoutError, NatsTimeout):
            return 0
        batch: list[Incoming] = []
        positions: list[Cursor] = []
        for msg in msgs:
            try:
                batch.append(Incoming(Envelope.model_validate_json(msg.data)))
            except ValueError:
                log.error("message %s on %s is not an event envelope; dropped", msg.metadata.sequence, msg.subject)
            with contextlib.suppress(ValueError, TypeError):  # a message from a relay without positions
                positions.append(Cursor.parse((msg.headers or {}).get(POSITION_HEADER)))
        await self.inbox.apply(self.source, batch)
        for msg in msgs:  # only after the effects committed: a crash before this means redelivery, not loss
            await msg.ack()
        if positions:
            await self.inbox.advance(self.source, max(positions))
        return len(msgs)

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self.poll_once()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer of %s on NATS: %s; retrying in %.1fs", self.source, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)

    async def aclose(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()
