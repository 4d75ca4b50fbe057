"""Transport ``nats``: the relay publishes committed outbox rows to JetStream, one stream per source service,
subject = event type, message id = event id (the server drops duplicates within its window; the consumer's
processed-events table drops the rest). Consumers are durable pull consumers that ack after their commit."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import nats
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from sqlalchemy import select

from ..db import Database
from .envelope import Envelope
from .inbox import Inbox, Incoming, consumer_cursors, store_cursor
from .outbox import RECHECK_SECONDS, Cursor, read_after, wait_for_commit

__all__ = ["JetStreamConsumer", "JetStreamRelay", "PullRefused", "stream_name", "subject_root"]

log = logging.getLogger(__name__)

RELAY_CURSOR_KEY = "@relay:nats"  # the relay's position, kept in consumer_cursors beside the consumers'
POSITION_HEADER = "Outbox-Position"
ACK_SECONDS = 15  # how long a published batch may wait for JetStream's acknowledgements before it is sent again


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
        self._working = False

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

    async def _send(self, rows: list) -> asyncio.Future[None]:  # type: ignore[type-arg]
        """Publish a batch; the future resolves once JetStream has stored every message of it."""
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
        return stored

    async def publish(self, rows: list, js: object) -> None:  # type: ignore[type-arg]
        """Publish a batch and wait until JetStream has stored every message of it (or refused one: then the whole
        batch is sent again later, and the stream's duplicate window drops what it already holds)."""
        await asyncio.wait_for(await self._send(rows), timeout=ACK_SECONDS)

    async def _read(self, after: Cursor) -> list:  # type: ignore[type-arg]
        async with self.db.sessionmaker() as session:
            return await read_after(session, after, self.batch)

    async def relay_once(self) -> int:
        """Publish the next committed batch; the cursor moves only after JetStream has acknowledged all of it."""
        js = await self._js()
        rows = await self._read(await self._cursor())
        if not rows:
            return 0
        await self.publish(rows, js)
        await self.mark_sent(rows[-1].cursor)
        return len(rows)

    async def mark_sent(self, cursor: Cursor) -> None:
        async with self.db.sessionmaker() as session:
            await store_cursor(session, RELAY_CURSOR_KEY, str(cursor))
            await session.commit()

    async def _relay(self, idle_sleep: float) -> None:
        """Relay until cancelled or failing: the stored cursor is read once, and the next batch is read from the
        outbox while JetStream stores the one just published. Each batch is still acknowledged in full before
        the stored cursor passes it, and before the next is published, so the stream keeps the outbox's order."""
        await self._js()
        cursor = await self._cursor()
        rows = await self._read(cursor)
        while True:
            self._working = True
            if not rows:
                await wait_for_commit(idle_sleep)  # a local commit wakes it at once
                rows = await self._read(cursor)
                continue
            stored = await self._send(rows)
            cursor = rows[-1].cursor
            following = await self._read(cursor)
            await asyncio.wait_for(stored, timeout=ACK_SECONDS)
            await self.mark_sent(cursor)
            rows = following

    async def run(self, idle_sleep: float = RECHECK_SECONDS) -> None:
        backoff = 0.5
        while True:
            self._working = False
            try:
                await self._relay(idle_sleep)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._working:  # it had got going again since the last failure
                    backoff = 0.5
                log.warning("relay to NATS: %s; retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)

    async def aclose(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()


class _Pulls:
    """Batched pulls from one durable consumer, delivered to an inbox of our own with a callback subscription.

    nats-py's ``fetch`` waits for every message with ``next_msg``, which makes a task, a timer and a uuid per
    message: a third of the consumer's CPU (bench/events). Here messages land in a list as they arrive, and a
    request ends on the server's word: the batch is full, or the request is over (404: nothing there; 408:
    expired). With ``no_wait`` and ``expires`` the server waits up to ``expires`` for the first message, then
    sends what there is and ends the request, so a burst is handed over at once, not when the batch fills.

    ``ask`` sends a request without waiting for it: the consumer asks for the next batch before it applies the
    one in hand, so JetStream's delivery and our applying overlap. Its messages wait here, unacked, until taken.

    Nothing is dropped here. A message that lands after its pull has returned waits in the list for the next
    pull; a message never acked is sent again after the consumer's ack wait. A late status of an earlier
    request can end a pull early: it returns what it has and the next one goes on. At most one request is out
    at a time (two while a late answer is on its way), well under the server's limit of waiting pulls."""

    def __init__(self, nc: nats.NATS, stream: str, durable: str) -> None:
        self._nc = nc
        self._next = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = nc.new_inbox()
        self._got: list[Msg] = []
        self._wanted = 0
        self._asked = False  # a request is out and not yet over
        self._deadline = 0.0  # by when its answer must have come (else it was lost, in a reconnect say)
        self._over = asyncio.Event()
        self._refused: str | None = None
        self._sub = None

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(self._inbox, cb=self._on_message)

    async def stop(self) -> None:
        if self._sub is not None and not self._nc.is_closed:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()

    async def _on_message(self, msg: Msg) -> None:
        status = msg.headers.get("Status") if msg.headers else None
        if status is None:
            self._got.append(msg)
            if len(self._got) >= self._wanted:
                self._end()
        elif status != "100":  # 404, 408: over; 409: refused (the consumer deleted, too many pulls waiting, ...)
            if status == "409":
                self._refused = str(msg.headers.get("Description", "409"))
            self._end()

    def _end(self) -> None:
        self._asked = False
        self._over.set()

    async def ask(self, batch: int, wait: float) -> None:
        """Ask for up to ``batch`` messages, waiting up to ``wait`` seconds for the first; do not wait here."""
        self._wanted = batch
        self._asked = True
        self._over.clear()
        self._deadline = asyncio.get_running_loop().time() + wait + 5
        request: dict[str, object] = {"batch": batch, "no_wait": True}
        if wait > 0:
            request["expires"] = int(wait * 1_000_000_000)
        await self._nc.publish(self._next, json.dumps(request).encode(), reply=self._inbox)

    async def pull(self, batch: int, wait: float) -> list[Msg]:
        """Up to ``batch`` messages: once the request out is over, or, with none out and none here, what a new
        one brings within ``wait`` seconds."""
        loop = asyncio.get_running_loop()
        if self._asked and loop.time() > self._deadline:
            self._asked = False  # its answer was lost: the server has long expired it
        if not self._got and not self._asked:
            await self.ask(batch, wait)
        if self._asked:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._over.wait(), timeout=max(0.0, self._deadline - loop.time()))
        msgs, self._got = self._got[:batch], self._got[batch:]
        refused, self._refused = self._refused, None
        if refused and not msgs:
            raise PullRefused(refused)
        return msgs


class PullRefused(RuntimeError):
    """JetStream answered a pull with 409 (the consumer was deleted, too many pulls waiting, ...)."""


async def ensure_consumer(js: object, stream: str, durable: str, subject: str) -> None:
    """The durable pull consumer, created as nats-py's ``pull_subscribe`` creates one (explicit acks, from the
    stream's first message, filtered to the source's subjects) when it is not there."""
    try:
        await js.consumer_info(stream, durable)  # type: ignore[attr-defined]
    except NotFoundError:
        config = ConsumerConfig(name=durable, durable_name=durable, filter_subject=subject)
        await js.add_consumer(stream, config=config)  # type: ignore[attr-defined]


class JetStreamConsumer:
    def __init__(
        self,
        inbox: Inbox,
        *,
        source: str,
        durable: str,
        url: str,
        prefix: str = "",
        batch: int = 500,
        wait_seconds: float = 1.0,
    ) -> None:
        self.inbox = inbox
        self.source = source
        self.durable = durable
        self.url = url
        self.prefix = prefix
        self.batch = batch
        self.wait_seconds = wait_seconds
        self._nc: nats.NATS | None = None
        self._pulls: _Pulls | None = None

    async def _subscription(self) -> _Pulls:
        if self._pulls is None:
            if self._nc is None or self._nc.is_closed:
                self._nc = await _connect(self.url)
            js = self._nc.jetstream()
            await ensure_stream(js, self.source, self.prefix)
            stream = stream_name(self.source, self.prefix)
            await ensure_consumer(js, stream, self.durable, f"{subject_root(self.source, self.prefix)}.>")
            pulls = _Pulls(self._nc, stream, self.durable)
            await pulls.start()
            self._pulls = pulls
        return self._pulls

    async def poll_once(self, wait: float | None = None) -> int:
        pulls = await self._subscription()
        try:
            msgs = await pulls.pull(self.batch, self.wait_seconds if wait is None else wait)
        except PullRefused:
            await pulls.stop()
            self._pulls = None  # the next poll makes sure the consumer exists again
            raise
        if not msgs:
            return 0
        if len(msgs) == self.batch:  # more is likely waiting: have it on its way while this batch is applied
            await pulls.ask(self.batch, 0)
        batch: list[Incoming] = []
        positions: list[Cursor] = []
        for msg in msgs:
            try:
                batch.append(Incoming(Envelope.model_validate_json(msg.data)))
            except ValueError:
                log.error("message %s on %s is not an event envelope; dropped", msg.metadata.sequence, msg.subject)
            with contextlib.suppress(ValueError, TypeError):  # a message from a relay without positions
                positions.append(Cursor.parse((msg.headers or {}).get(POSITION_HEADER)))
        position = max(positions) if positions else None
        if batch:
            await self.inbox.apply(self.source, batch, position=position)
        elif position is not None:
            await self.inbox.advance(self.source, position)
        for msg in msgs:  # only after the effects committed: a crash before this means redelivery, not loss
            await msg.ack()
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
