"""Idempotency keys with Stripe's semantics, stored in each service's own database.

The key is reserved by an INSERT in the same transaction as the work it guards. A second request with the same
key blocks on that row until the first commits (PostgreSQL's unique-index wait; SQLite's single writer), then
finds the stored response and replays it byte for byte. If the first request fails, its transaction, reservation
included, rolls back, and a retry with the same key runs afresh: a refused request never burns its key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, String, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .db import COMMON_METADATA, UTCDateTime, upsert_insert, utcnow
from .errors import Conflict
from .pii import Sealed, SealedBytes

__all__ = ["StoredResponse", "complete", "fingerprint", "idempotency_keys", "purge_expired", "reserve"]

idempotency_keys = Table(
    "idempotency_keys",
    COMMON_METADATA,
    Column("actor", String(200), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("method", String(10), nullable=False),
    # the path, its location and the answer may name a person (their number, name, account): sealed at rest (#25)
    Column("path", Sealed(), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("content_type", String(100), nullable=True),
    Column("location", Sealed(), nullable=True),
    Column("response_body", SealedBytes(), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    content_type: str
    location: str | None
    body: bytes


def fingerprint(method: str, path: str, body: bytes, content_type: str | None) -> str:
    """What "the same request" means: method, path and body; JSON bodies compared by value, not spacing."""
    canonical = body
    if content_type and "json" in content_type and body:
        try:
            canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            canonical = body
    h = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


async def reserve(
    session: AsyncSession,
    *,
    actor: str,
    key: str,
    fingerprint: str,
    method: str,
    path: str,
    resumable: bool = False,
) -> StoredResponse | None:
    """Reserve ``key`` for this request (returns None) or return the response stored for it.

    ``resumable``: the endpoint commits its work in steps and can pick it up where it stopped (a payment run over
    100,000 claims). Its reservation commits with the first step, before any response exists; if the process dies
    there, a retry with the same key and request resumes the work (returns None) instead of answering 409
    ``idempotency_key_in_progress`` until the key expires."""
    insert = upsert_insert(session)
    stmt = (
        insert(idempotency_keys)
        .values(actor=actor, key=key, fingerprint=fingerprint, method=method, path=path, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(idempotency_keys.c.key)
    )
    if (await session.execute(stmt)).first() is not None:
        return None
    row = (
        await session.execute(
            select(idempotency_keys).where(idempotency_keys.c.actor == actor, idempotency_keys.c.key == key)
        )
    ).one()
    if row.fingerprint != fingerprint:
        raise Conflict(
            "idempotency_key_reused",
            f"Idempotency-Key {key!r} was used for a different request ({row.method} {row.path}); "
            "use a new key for a new request",
        )
    if row.status_code is None:  # a reservation committed without its response: a resumable endpoint's step
        if resumable:
            return None
        raise Conflict("idempotency_key_in_progress", f"the request with Idempotency-Key {key!r} is still running")
    return StoredResponse(row.status_code, row.content_type or "application/json", row.location, row.response_body)


async def complete(session: AsyncSession, *, actor: str, key: str, response: StoredResponse) -> None:
    await session.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.actor == actor, idempotency_keys.c.key == key)
        .values(
            status_code=response.status_code,
            content_type=response.content_type,
            location=response.location,
            response_body=response.body,
        )
    )


async def purge_expired(session: AsyncSession, *, older_than: dt.timedelta) -> int:
    result = await session.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < utcnow() - older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)
