"""``/admin/dead-letters``: events a consumer could not apply, for the province to inspect and retry."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ..audit import AuditEntry, write_audit
from ..auth import Principal, Role, require_roles
from ..db import Session
from ..errors import NotFound
from .inbox import Inbox, dead_letters


class DeadLetter(BaseModel):
    """无法处理而搁置的事件."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str
    source: str
    type: str
    subject: str
    error: str
    attempts: int
    status: str
    parked_at: dt.datetime
    resolved_at: dt.datetime | None


class DeadLetterPage(BaseModel):
    items: list[DeadLetter]
    next_cursor: str | None = Field(examples=["42"])


class RetryResult(BaseModel):
    """重试结果: 同一主体后续搁置的事件按顺序一并重试, 遇失败即停."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": 3, "status": "resolved", "resolved": [3, 4], "still_parked": []}]}
    )

    id: int
    status: Literal["resolved", "parked"]
    resolved: list[int]
    still_parked: list[int]


def admin_router() -> APIRouter:
    router = APIRouter(prefix="/admin", tags=["events"])

    @router.get("/dead-letters", response_model=DeadLetterPage, summary="列出搁置的事件")
    async def list_dead_letters(
        session: Session,
        _: Annotated[Principal, Depends(require_roles(Role.PROVINCE))],
        status: Annotated[Literal["parked", "resolved"] | None, Query()] = "parked",
        cursor: Annotated[str | None, Query(pattern=r"^\d{1,18}$")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> DeadLetterPage:
        stmt = select(dead_letters).where(dead_letters.c.id > int(cursor or 0)).order_by(dead_letters.c.id).limit(limit)
        if status:
            stmt = stmt.where(dead_letters.c.status == status)
        rows = (await session.execute(stmt)).all()
        return DeadLetterPage(
            items=[DeadLetter.model_validate(r) for r in rows],
            next_cursor=str(rows[-1].id) if len(rows) == limit else None,
        )

    @router.post("/dead-letters/{dead_letter_id}/retry", response_model=RetryResult, summary="重试搁置的事件")
    async def retry_dead_letter(
        request: Request,
        dead_letter_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
        session: Session,
        principal: Annotated[Principal, Depends(require_roles(Role.PROVINCE))],
    ) -> RetryResult:
        # Not a Write: the retry commits event by event in sessions of its own, and on SQLite a transaction held
        # open around it would wait on itself. Retrying is idempotent anyway: a resolved letter stays resolved.
        runtime = getattr(request.app.state, "events", None)
        inbox = runtime.inbox if runtime is not None else Inbox(request.app.state.db, request.app.state.handlers)
        try:
            result = await inbox.retry(dead_letter_id)
        except LookupError:
            raise NotFound("dead letter", str(dead_letter_id)) from None
        await write_audit(
            session,
            principal,
            getattr(request.state, "request_id", None),
            [AuditEntry("dead_letter.retried", "dead_letter", str(dead_letter_id))],
        )
        await session.commit()
        return RetryResult(**result)

    return router
