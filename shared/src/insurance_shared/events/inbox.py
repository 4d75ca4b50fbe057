"""The consuming side: idempotent, ordered application of events, with retries and a dead-letter table.

* Idempotent: each applied event's id goes into ``processed_events`` in the same transaction as its effect, so a
  duplicate (a relay that published twice, a redelivery) finds it there and changes nothing.
* Ordered: a stream is applied in the order it arrives; an event whose subject already has a parked event is
  parked behind it rather than applied out of order, and retrying the first replays the rest in order.
* Never stuck: a handler that raises is retried with backoff; after ``max_attempts`` failures the event is parked
  in ``dead_letters`` with its error, the stream moves on, and ``/admin/dead-letters`` shows and retries it.
* Fast: a batch is applied in one transaction. Only when that fails is it replayed event by event, to find and
  park the event at fault without losing the others' effects.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    func,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ..contracts import EventData, catalogue, predecessors
from ..db import (
    COMMON_METADATA,
    COPY_THRESHOLD,
    BigIntPK,
    Database,
    UTCDateTime,
    copy_rows,
    is_postgresql,
    upsert_insert,
    utcnow,
)
from ..telemetry import consuming
from .envelope import Envelope
from .outbox import Cursor

__all__ = [
    "Handler",
    "Handlers",
    "Inbox",
    "Incoming",
    "RunHandler",
    "consumer_cursors",
    "dead_letters",
    "processed_events",
    "store_cursor",
]

log = logging.getLogger(__name__)

processed_events = Table(
    "processed_events",
    COMMON_METADATA,
    Column("event_id", String(36), primary_key=True),
    Column("source", String(50), nullable=False),
    Column("type", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),  # applied | unknown_type | ignored
    Column("processed_at", UTCDateTime, nullable=False),
)

consumer_cursors = Table(
    "consumer_cursors",
    COMMON_METADATA,
    Column("source", String(50), primary_key=True),
    Column("cursor", String(50), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

dead_letters = Table(
    "dead_letters",
    COMMON_METADATA,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("source", String(50), nullable=False),
    Column("type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # parked | resolved
    Column("parked_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    Index("ix_dead_letters_open", "source", "subject", "status"),
)

# executemany through the driver (see outbox._INSERT); ON CONFLICT DO NOTHING is the same on PostgreSQL and SQLite
_RECORD_PROCESSED = text(
    "INSERT INTO processed_events (event_id, source, type, outcome, processed_at) "
    "VALUES (:event_id, :source, :type, :outcome, :processed_at) ON CONFLICT DO NOTHING"
).bindparams(bindparam("processed_at", type_=UTCDateTime))

Handler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]
RunHandler = Callable[[AsyncSession, list[tuple[Envelope, Any]]], Awaitable[None]]


class Handlers:
    """Event type → handler. A handler gets the session (do not commit it), the envelope and the typed data."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._run_handlers: dict[str, RunHandler] = {}
        self.batch_end: list[Callable[[AsyncSession], Awaitable[None]]] = []

    def on(self, data_type: type[EventData]) -> Callable[[Handler], Handler]:
        """Register ``fn(session, envelope, data)`` for ``data_type`` and for the superseded versions that upgrade
        to it (they reach ``fn`` upgraded)."""

        def register(fn: Handler) -> Handler:
            for model in (data_type, *predecessors(data_type)):
                self._add(model, fn if model is data_type else _upgrading_one(fn))
            return fn

        return register

    def _add(self, data_type: type[EventData], fn: Handler, run: RunHandler | None = None) -> None:
        if data_type.event_type in self._handlers:
            raise ValueError(f"two handlers for {data_type.event_type}")
        self._handlers[data_type.event_type] = fn
        if run is not None:
            self._run_handlers[data_type.event_type] = run

    def on_runs(self, data_type: type[EventData]) -> Callable[[RunHandler], RunHandler]:
        """Register ``fn(session, [(envelope, data), ...])`` for a type that arrives in bulk: it gets each run of
        consecutive events of that type in a batch at once, in order, and must leave the same effects as applying
        them one after another (a failed batch is replayed one event at a time, each as a run of one)."""

        def register(fn: RunHandler) -> RunHandler:
            for model in (data_type, *predecessors(data_type)):
                run = fn if model is data_type else _upgrading(fn)

                async def one(session: AsyncSession, env: Envelope, data: Any, run: RunHandler = run) -> None:
                    await run(session, [(env, data)])

                self._add(model, one, run)
            return fn

        return register

    def run_handler(self, event_type: str) -> RunHandler | None:
        return self._run_handlers.get(event_type)

    def at_batch_end(self, fn: Callable[[AsyncSession], Awaitable[None]]) -> Callable[[AsyncSession], Awaitable[None]]:
        """Run ``fn(session)`` once after a batch's handlers, in the same transaction: work that depends on the
        batch as a whole (recomputing a derived figure once, not per event) goes here."""
        self.batch_end.append(fn)
        return fn

    def get(self, event_type: str) -> Handler | None:
        return self._handlers.get(event_type)

    def sources(self) -> set[str]:
        return {catalogue[t].source for t in self._handlers}

    def types(self) -> set[str]:
        return set(self._handlers)

    def unhandled(self, source: str) -> list[str]:
        """The catalogue's types from ``source`` that nothing here handles: a feed need not send them. Types the
        catalogue does not know (a newer producer's) still come, to be recorded as unknown."""
        return sorted(t for t, model in catalogue.items() if model.source == source and t not in self._handlers)


def _upgrading_one(fn: Handler) -> Handler:
    async def upgraded(session: AsyncSession, env: Envelope, data: Any) -> None:
        await fn(session, env, data.upgrade())

    return upgraded


def _upgrading(fn: RunHandler) -> RunHandler:
    async def upgraded(session: AsyncSession, events: list[tuple[Envelope, Any]]) -> None:
        await fn(session, [(env, data.upgrade()) for env, data in events])

    return upgraded


@dataclass(frozen=True, slots=True)
class Incoming:
    """One delivered event: its envelope and, for the feed, the cursor to store once it is applied."""

    envelope: Envelope
    cursor: str | None = None


class _Park(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


async def store_cursor(session: AsyncSession, key: str, cursor: str) -> None:
    stmt = upsert_insert(session)(consumer_cursors).values(source=key, cursor=cursor, updated_at=utcnow())
    stmt = stmt.on_conflict_do_update(
        index_elements=[consumer_cursors.c.source], set_={"cursor": cursor, "updated_at": utcnow()}
    )
    await session.execute(stmt)


_PROCESSED_COLUMNS = ["event_id", "source", "type", "outcome", "processed_at"]


async def _record_processed(session: AsyncSession, source: str, records: list[tuple[str, str, str]]) -> None:
    """``records``: ``(event_id, type, outcome)`` of events handled in this transaction, stamped with one time."""
    now = utcnow()
    rows = [(event_id, source, event_type, outcome, now) for event_id, event_type, outcome in records]
    if len(rows) >= COPY_THRESHOLD and is_postgresql(session):
        # COPY: the batch was checked for duplicates above, in this same transaction; a consumer racing us on
        # the same events fails the whole batch on the primary key, and the one-by-one path sorts it out
        await copy_rows(session, "processed_events", _PROCESSED_COLUMNS, rows)
    else:
        await session.execute(_RECORD_PROCESSED, [dict(zip(_PROCESSED_COLUMNS, row, strict=True)) for row in rows])


def _matches(column: Any, values: Sequence[str], session: AsyncSession) -> Any:
    # PostgreSQL: one array parameter; SQLite: an expanded IN list. Rendering a thousand IN parameters per
    # batch costs more CPU than the query itself.
    #
    # IN (SELECT unnest(array)), not = ANY(array): the statement is prepared, and once PostgreSQL settles on a
    # generic plan made while the table looked empty (a new service, a replay into a cleared inbox), = ANY is a
    # sequential scan testing every row against the whole array: a thousand keys against 20,000 rows took 235 ms
    # per batch, growing with every batch applied (bench/README, "the inbox's duplicate check"). As a semi-join
    # the same plan hashes the keys (3 ms), and with real statistics it is an index lookup per key.
    if session.get_bind().dialect.name == "postgresql":
        return column.in_(select(func.unnest(literal(list(values), type_=ARRAY(String)))))
    return column.in_(list(values))


def _seen_and_blocked_query(session: AsyncSession, source: str, keys: Sequence[str], subjects: set[str]) -> Any:
    return union_all(
        select(processed_events.c.event_id.label("key"), literal("seen").label("kind")).where(
            _matches(processed_events.c.event_id, keys, session)
        ),
        select(dead_letters.c.event_id, literal("seen")).where(_matches(dead_letters.c.event_id, keys, session)),
        select(dead_letters.c.subject, literal("blocked")).where(
            dead_letters.c.source == source,
            dead_letters.c.status == "parked",
            _matches(dead_letters.c.subject, sorted(subjects), session),
        ),
    )


async def _seen_and_blocked(
    session: AsyncSession, source: str, keys: Sequence[str], subjects: set[str]
) -> tuple[set[str], set[str]]:
    """Ids already processed or parked, and subjects with a parked event, in one round trip."""
    stmt = _seen_and_blocked_query(session, source, keys, subjects)
    seen: set[str] = set()
    blocked: set[str] = set()
    for key, kind in (await session.execute(stmt)).all():
        (seen if kind == "seen" else blocked).add(key)
    return seen, blocked


class Inbox:
    def __init__(
        self,
        db: Database,
        handlers: Handlers,
        *,
        max_attempts: int = 5,
        backoff_seconds: float = 0.2,
        delay_seconds: float = 0.0,
    ) -> None:
        self.db = db
        self.handlers = handlers
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.delay_seconds = delay_seconds  # a consumer made slow on purpose, for freshness tests

    # ---- the stream -------------------------------------------------------------------------------------------

    async def apply(self, source: str, batch: Sequence[Incoming], *, position: Cursor | None = None) -> None:
        """Apply a delivered batch, in order. Returns once every event is applied, skipped or parked.

        ``position``: the source's applied position to move to once the batch is in, if it is ahead (see
        ``advance``); in the batch's own transaction, so a batch costs one commit."""
        if not batch:
            return
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        try:
            async with self.db.sessionmaker() as session:
                await self._apply_many(session, source, batch)
                if position is not None:
                    await self._advance(session, source, position)
                await session.commit()
            return
        except Exception:
            log.warning("batch of %d from %s failed; applying one by one", len(batch), source, exc_info=True)
        for item in batch:
            await self._apply_one_with_retries(source, item)
        if position is not None:
            await self.advance(source, position)

    async def _apply_many(self, session: AsyncSession, source: str, batch: Sequence[Incoming]) -> None:
        keys = [str(i.envelope.id) for i in batch]
        done, blocked = await _seen_and_blocked(session, source, keys, {i.envelope.subject for i in batch})
        records: list[tuple[str, str, str]] = []
        run: list[tuple[Envelope, Any]] = []  # consecutive events of one type with a run handler, not yet applied

        async def flush_run() -> None:
            if run:
                fn = self.handlers.run_handler(run[0][0].type)
                assert fn is not None
                with consuming(run[0][0].traceparent, f"apply {run[0][0].type} ×{len(run)}"):  # the first's trace
                    await fn(session, list(run))
                run.clear()

        for key, item in zip(keys, batch, strict=True):
            env = item.envelope
            if key in done:
                continue
            done.add(key)
            if env.subject in blocked:
                await flush_run()
                await self._park(session, source, item, "parked behind an earlier parked event of this subject", 0)
                continue
            if self.handlers.run_handler(env.type) is not None and (model := catalogue.get(env.type)) is not None:
                if run and run[0][0].type != env.type:
                    await flush_run()
                run.append((env, model.model_validate(env.data)))
                records.append((key, env.type, "applied"))
                continue
            if self.handlers.get(env.type) is not None:  # an event this service ignores changes nothing here,
                await flush_run()  # so only a handled one of another type ends the run
            outcome = await self._run_handler(session, env)
            records.append((key, env.type, outcome))
        await flush_run()
        for finish in self.handlers.batch_end:
            await finish(session)
        if records:
            await _record_processed(session, source, records)
        last_cursor = next((i.cursor for i in reversed(batch) if i.cursor is not None), None)
        if last_cursor is not None:
            await self._store_cursor(session, source, last_cursor)

    async def _apply_one_with_retries(self, source: str, item: Incoming) -> None:
        error = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                async with self.db.sessionmaker() as session:
                    await self._apply_many(session, source, [item])
                    await session.commit()
                return
            except Exception as exc:  # the handler's failure, whatever it is, must not stop the stream
                error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "event %s (%s) failed, attempt %d: %s", item.envelope.id, item.envelope.type, attempt, error
                )
                if attempt < self.max_attempts:
                    await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        async with self.db.sessionmaker() as session:
            await self._park(session, source, item, error, self.max_attempts)
            if item.cursor is not None:
                await self._store_cursor(session, source, item.cursor)
            await session.commit()
        log.error("event %s (%s) parked after %d attempts", item.envelope.id, item.envelope.type, self.max_attempts)

    async def _run_handler(self, session: AsyncSession, env: Envelope) -> str:
        model = catalogue.get(env.type)
        if model is None:
            log.warning("unknown event type %s from %s (id %s): recorded and skipped", env.type, env.source, env.id)
            return "unknown_type"
        handler = self.handlers.get(env.type)
        if handler is None:
            return "ignored"
        data = model.model_validate(env.data)
        with consuming(env.traceparent, f"apply {env.type}"):
            await handler(session, env, data)
        return "applied"

    @staticmethod
    async def _park(session: AsyncSession, source: str, item: Incoming, error: str, attempts: int) -> None:
        env = item.envelope
        await session.execute(
            upsert_insert(session)(dead_letters)
            .values(
                event_id=str(env.id),
                source=source,
                type=env.type,
                subject=env.subject,
                envelope=env.model_dump_json(),
                error=error[:4000],
                attempts=attempts,
                status="parked",
                parked_at=utcnow(),
            )
            .on_conflict_do_nothing()
        )

    _store_cursor = staticmethod(store_cursor)

    async def advance(self, source: str, position: Cursor) -> None:
        """Move the applied position of ``source`` to ``position`` if it is ahead: for positions reached without
        an event to apply (a feed page of skipped types), or told by a transport that can redeliver out of order
        (JetStream), where the position must never move back."""
        async with self.db.sessionmaker() as session:
            await self._advance(session, source, position)
            await session.commit()

    async def _advance(self, session: AsyncSession, source: str, position: Cursor) -> None:
        current = (
            await session.execute(select(consumer_cursors.c.cursor).where(consumer_cursors.c.source == source))
        ).scalar_one_or_none()
        if current is None or Cursor.parse(current) < position:
            await self._store_cursor(session, source, str(position))

    async def cursor(self, source: str) -> str | None:
        async with self.db.sessionmaker() as session:
            return (
                await session.execute(select(consumer_cursors.c.cursor).where(consumer_cursors.c.source == source))
            ).scalar_one_or_none()

    # ---- dead letters -----------------------------------------------------------------------------------------

    async def retry(self, dead_letter_id: int) -> dict[str, Any]:
        """Re-run a parked event and then every later parked event of its subject, in order, until one fails."""
        async with self.db.sessionmaker() as session:
            first = (
                await session.execute(select(dead_letters).where(dead_letters.c.id == dead_letter_id))
            ).one_or_none()
        if first is None:
            raise LookupError(dead_letter_id)
        if first.status != "parked":
            return {"id": dead_letter_id, "status": first.status, "resolved": [], "still_parked": []}
        async with self.db.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(dead_letters)
                    .where(
                        dead_letters.c.source == first.source,
                        dead_letters.c.subject == first.subject,
                        dead_letters.c.status == "parked",
                        dead_letters.c.id >= first.id,
                    )
                    .order_by(dead_letters.c.id)
                )
            ).all()
        resolved: list[int] = []
        for row in rows:
            env = Envelope.model_validate_json(row.envelope)
            try:
                async with self.db.sessionmaker() as session:
                    outcome = await self._run_handler(session, env)
                    await _record_processed(session, row.source, [(row.event_id, env.type, outcome)])
                    await session.execute(
                        update(dead_letters)
                        .where(dead_letters.c.id == row.id)
                        .values(status="resolved", resolved_at=utcnow(), attempts=row.attempts + 1)
                    )
                    await session.commit()
                resolved.append(row.id)
            except Exception as exc:
                async with self.db.sessionmaker() as session:
                    await session.execute(
                        update(dead_letters)
                        .where(dead_letters.c.id == row.id)
                        .values(error=f"{type(exc).__name__}: {exc}"[:4000], attempts=row.attempts + 1)
                    )
                    await session.commit()
                break
        still = [r.id for r in rows if r.id not in resolved]
        return {
            "id": dead_letter_id,
            "status": "resolved" if not still else "parked",
            "resolved": resolved,
            "still_parked": still,
        }
