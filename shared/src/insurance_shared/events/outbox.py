"""The transactional outbox: :func:`emit` writes an event in the caller's transaction; the feed reads them back
in an order no reader can overtake.

Ordering (the guarantee ``GET /events?after=`` rests on): a reader must never pass an event that commits later
with a lower position.

* PostgreSQL: each row carries the id of the transaction that wrote it (``txid``, from ``pg_current_xact_id()``)
  and the feed is ordered by ``(txid, id)``. A read returns only rows whose ``txid`` is below the snapshot's
  oldest transaction still running *in this database* (the snapshot's in-progress ids less those whose backend
  is connected to another database, which cannot write this outbox): every transaction below it has ended or
  cannot write here, so no row can still appear below the cursor, and any transaction that writes later gets a
  larger id. A long transaction in this database delays the feed; it cannot make a reader skip. One in another
  database on the same server (another service, a report) does not delay it: transaction ids are the cluster's,
  and the bare snapshot ``xmin`` would make every feed on the server wait for it.
* SQLite: one writer at a time (every transaction begins ``BEGIN IMMEDIATE``), so ids are handed out in commit
  order; ``txid`` is 0 and ``id`` alone orders the feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json
from sqlalchemy import BigInteger, Column, Index, String, Table, Text, bindparam, text
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ..contracts import EventData
from ..db import COMMON_METADATA, COPY_THRESHOLD, BigIntPK, UTCDateTime, copy_rows, is_postgresql, utcnow
from ..telemetry import current_traceparent

__all__ = [
    "Cursor",
    "FeedRow",
    "emit",
    "emit_many",
    "horizon",
    "outbox",
    "read_after",
    "read_feed",
    "wait_for_commit",
]

outbox = Table(
    "outbox",
    COMMON_METADATA,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    # PostgreSQL: DEFAULT pg_current_xact_id() (set by the migration); SQLite: 0
    Column("txid", BigInteger, nullable=False, server_default=text("0")),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("time", UTCDateTime, nullable=False),
    Column("envelope", Text, nullable=False),
    Index("ix_outbox_position", "txid", "id"),
)


@dataclass(frozen=True, order=True, slots=True)
class Cursor:
    txid: int = 0
    id: int = 0

    def __str__(self) -> str:
        return f"{self.txid}-{self.id}"

    @classmethod
    def parse(cls, value: str | None) -> Cursor:
        if not value:
            return cls()
        txid, _, row = value.partition("-")
        if not (txid.isdigit() and row.isdigit()):
            raise ValueError("a cursor is two numbers joined by '-', e.g. 0-15, as returned in next_cursor")
        return cls(int(txid), int(row))


@dataclass(frozen=True, slots=True)
class FeedRow:
    cursor: Cursor
    event_id: str
    type: str
    envelope_json: str


_COLUMNS = ["event_id", "type", "subject", "time", "envelope"]


def _rows(events: Iterable[tuple[EventData, str, str]], traceparent: str | None) -> list[tuple[Any, ...]]:
    """``(event_id, type, subject, time, envelope)`` per event, the envelope as JSON.

    The JSON is an :class:`Envelope`'s, byte for byte (``test_outbox_rows``): pydantic-core's ``to_json``, which
    ``Envelope.model_dump_json`` uses too, given the same fields as a dict, without building an Envelope first
    (``model_construct`` was half the cost of emitting). Ids are version-4 UUIDs as ``uuid.uuid4`` makes them,
    from one read of the system's randomness per call; the events of one call share their time."""
    events = list(events)
    now = utcnow()
    randomness = os.urandom(16 * len(events))
    rows: list[tuple[Any, ...]] = []
    for k, (data, subject, region) in enumerate(events):
        event_id = uuid.UUID(bytes=randomness[16 * k : 16 * k + 16], version=4)
        envelope = {
            "id": event_id,
            "type": data.event_type,
            "source": data.source,
            "subject": subject,
            "time": now,
            "region": region,
            "traceparent": traceparent,
            "data": data,
        }
        rows.append((str(event_id), data.event_type, subject, now, to_json(envelope).decode()))
    return rows


# text() rather than insert(): a list of parameters then goes to the driver's executemany (asyncpg pipelines it)
# instead of being rendered into one large VALUES clause, which costs more CPU than the database spends on it.
_INSERT = text(
    "INSERT INTO outbox (event_id, type, subject, time, envelope) VALUES (:event_id, :type, :subject, :time, :envelope)"
).bindparams(bindparam("time", type_=UTCDateTime))


RECHECK_SECONDS = 0.5
"""How long a reader waiting for new events goes without looking when nothing in this process has signalled a
commit. Local commits wake it at once; this bounds the delay for what the signal cannot see (another process
writing the same database, a PostgreSQL transaction elsewhere that held the feed's horizon back). It used to be
50 ms: four idle services then spent about 40% of a core re-reading empty feeds."""


class _CommitSignal:
    """Wakes feed readers in this process when a transaction that emitted events commits, so a long-poll answers
    at once instead of at its next look. Readers still look every RECHECK_SECONDS: other processes write too."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def waiter(self) -> asyncio.Event:
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def fire(self, *_: object) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None


commit_signal = _CommitSignal()


async def wait_for_commit(at_most: float = RECHECK_SECONDS) -> None:
    """Until a transaction in this process that emitted events commits, or ``at_most`` seconds."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(commit_signal.waiter().wait(), timeout=at_most)


def _watch_commit(session: AsyncSession) -> None:
    if not session.info.get("outbox_watched"):
        session.info["outbox_watched"] = True
        sa_event.listen(session.sync_session, "after_commit", commit_signal.fire)


async def emit(session: AsyncSession, data: EventData, *, subject: str, region: str) -> str:
    """Record ``data`` as an event in the caller's transaction; it leaves only if that transaction commits.
    Returns the event's id."""
    return (await emit_many(session, [(data, subject, region)]))[0]


async def emit_many(session: AsyncSession, events: Iterable[tuple[EventData, str, str]]) -> list[str]:
    """Several ``(data, subject, region)`` in one statement, in the order given: for bulk operations. Returns
    the events' ids."""
    _watch_commit(session)
    rows = _rows(events, current_traceparent())
    if len(rows) >= COPY_THRESHOLD and is_postgresql(session):
        await copy_rows(session, "outbox", _COLUMNS, rows)  # the txid column's default applies as under INSERT
    elif rows:
        await session.execute(_INSERT, [dict(zip(_COLUMNS, row, strict=True)) for row in rows])
    return [row[0] for row in rows]


# The first transaction id a reader may not pass: the oldest still running in this database, else the next to be
# given. Built on the statement's own snapshot (pg_current_snapshot), the one its rows are read with; a running
# transaction is left out only when its backend is seen connected elsewhere (pg_stat_activity is read after the
# snapshot is taken, so a transaction it does not show has ended or is kept, never wrongly left out). Ids in the
# snapshot are 64-bit, backend_xid 32-bit: running ids lie within 2^31 of each other, so the low half is unique.
_BOUND_PG = """(
      WITH snap AS MATERIALIZED (SELECT pg_current_snapshot() AS s)
      SELECT coalesce(
        (SELECT min(x::text::bigint) FROM snap, pg_snapshot_xip(snap.s) AS x
         WHERE x::text::bigint % 4294967296 NOT IN (
           SELECT backend_xid::text::bigint FROM pg_stat_activity
           WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())),
        (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap)))"""
_READ_PG = text(
    f"""
    SELECT txid, id, event_id, type, envelope FROM outbox
    WHERE (txid, id) > (:txid, :id)
      AND txid < {_BOUND_PG}
    ORDER BY txid, id
    LIMIT :limit
    """
)
_READ_SQLITE = text("SELECT txid, id, event_id, type, envelope FROM outbox WHERE id > :id ORDER BY id LIMIT :limit")


def _dialect(conn: AsyncConnection | AsyncSession) -> str:
    return conn.get_bind().dialect.name if isinstance(conn, AsyncSession) else conn.dialect.name


async def read_after(conn: AsyncConnection | AsyncSession, after: Cursor, limit: int) -> list[FeedRow]:
    stmt = _READ_PG if _dialect(conn) == "postgresql" else _READ_SQLITE
    rows = (await conn.execute(stmt, {"txid": after.txid, "id": after.id, "limit": limit})).all()
    return [FeedRow(Cursor(r[0], r[1]), r[2], r[3], r[4]) for r in rows]


# The horizon: the last position a reader may pass now (same visibility rule as _READ_PG).
_HORIZON_PG = text(
    f"""
    SELECT txid, id FROM outbox
    WHERE txid < {_BOUND_PG}
    ORDER BY txid DESC, id DESC
    LIMIT 1
    """
)
_HORIZON_SQLITE = text("SELECT 0, max(id) FROM outbox")
_READ_SKIPPING_PG = text(
    """
    SELECT txid, id, event_id, type, envelope FROM outbox
    WHERE (txid, id) > (:txid, :id) AND (txid, id) <= (:to_txid, :to_id) AND type NOT IN :skip
    ORDER BY txid, id
    LIMIT :limit
    """
).bindparams(bindparam("skip", expanding=True))
_READ_SKIPPING_SQLITE = text(
    "SELECT txid, id, event_id, type, envelope FROM outbox "
    "WHERE id > :id AND id <= :to_id AND type NOT IN :skip ORDER BY id LIMIT :limit"
).bindparams(bindparam("skip", expanding=True))


async def horizon(conn: AsyncConnection | AsyncSession) -> Cursor:
    """The last position a reader may pass now: every event at or below it is committed for good. A consumer
    that has applied up to here has seen everything this service had announced when it was asked."""
    top = (await conn.execute(_HORIZON_PG if _dialect(conn) == "postgresql" else _HORIZON_SQLITE)).first()
    return Cursor() if top is None or top[1] is None else Cursor(top[0], top[1])


async def read_feed(
    conn: AsyncConnection | AsyncSession, after: Cursor, limit: int, skip: Iterable[str] = ()
) -> tuple[list[FeedRow], Cursor]:
    """A page of the feed and the cursor to read on from. Events of the types in ``skip`` are left out, and the
    cursor still moves past them, so a reader that handles few types is not sent (or made to record) the rest.

    With ``skip``, the horizon is read first and the page bounded by it: whatever is at or below the horizon
    has been committed (or rolled back) for good, so a page shorter than ``limit`` has seen everything up to it.
    """
    skip = sorted(set(skip))
    if not skip:
        rows = await read_after(conn, after, limit)
        return rows, (rows[-1].cursor if rows else after)
    postgres = _dialect(conn) == "postgresql"
    top = (await conn.execute(_HORIZON_PG if postgres else _HORIZON_SQLITE)).first()
    if top is None or top[1] is None or Cursor(top[0], top[1]) <= after:
        return [], after
    horizon = Cursor(top[0], top[1])
    params = {"txid": after.txid, "id": after.id, "to_txid": horizon.txid, "to_id": horizon.id}
    stmt = _READ_SKIPPING_PG if postgres else _READ_SKIPPING_SQLITE
    found = (await conn.execute(stmt, {**params, "skip": skip, "limit": limit})).all()
    rows = [FeedRow(Cursor(r[0], r[1]), r[2], r[3], r[4]) for r in found]
    return rows, (rows[-1].cursor if len(rows) == limit else horizon)
