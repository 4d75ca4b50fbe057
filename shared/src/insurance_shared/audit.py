"""The append-only audit log: who did what to which object, when, under which request id.

Every write inserts its audit rows in the same transaction as the change itself, so the log can never miss a
committed write nor record one that rolled back. Triggers created by the first migration refuse UPDATE and DELETE.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Index, String, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import Principal
from .db import COMMON_METADATA, BigIntPK, UTCDateTime, utcnow

__all__ = ["AuditEntry", "audit_log", "write_audit"]

audit_log = Table(
    "audit_log",
    COMMON_METADATA,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_roles", String(500), nullable=False),
    Column("actor_region", String(6), nullable=False),
    Column("action", String(100), nullable=False),
    Column("object_type", String(100), nullable=False),
    Column("object_key", String(200), nullable=False),
    Column("object_region", String(6), nullable=True),
    Column("request_id", String(128), nullable=True),
    Index("ix_audit_log_object", "object_type", "object_key"),
    # GET /audit's indexes (by region, by actor, by time) come with a later migration of each service
    # (migrations.audit_read_indexes_v1): the first creates this table as it was then, from this definition
)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    action: str
    object_type: str
    object_key: str
    object_region: str | None = None


async def write_audit(
    session: AsyncSession, principal: Principal, request_id: str | None, entries: list[AuditEntry]
) -> None:
    if not entries:
        return
    now = utcnow()
    roles = ",".join(sorted(principal.roles))
    await session.execute(
        insert(audit_log),
        [
            {
                "at": now,
                "actor": principal.sub,
                "actor_roles": roles,
                "actor_region": principal.region,
                "action": e.action,
                "object_type": e.object_type,
                "object_key": e.object_key,
                "object_region": e.object_region,
                "request_id": request_id,
            }
            for e in entries
        ],
    )
