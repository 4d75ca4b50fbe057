"""Every look at a person, recorded (PIPL art. 51; 等级保护 level 3 audit of access): who (``sub``, roles, region),
why (the purpose, named by the endpoint that showed the data), which person (the keyed hash of the identity number,
never the number), which object, when, and from which request. Append-only like the audit log (triggers refuse
UPDATE and DELETE). A bulk export is one record with the count of people in it.

Handlers call :func:`record_look` after they have read what they show and before they answer: the record is
committed then, so nothing is shown that was not recorded. ``GET /access-log`` lets the province list the records
per person (by identity number, hashed here to look it up) or per officer.
"""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Column, Index, Integer, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .audit_api import _day_start  # the same day boundaries as GET /audit
from .auth import Principal, Role, require_roles
from .dates import LawDate
from .db import COMMON_METADATA, BigIntPK, Session, UTCDateTime, utcnow
from .errors import Unprocessable
from .ids import ResidentId
from .observability import request_id_var
from .pii import as_person_key

__all__ = ["access_log", "access_log_router", "record_look"]

access_log = Table(
    "access_log",
    COMMON_METADATA,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_roles", String(500), nullable=False),
    Column("actor_region", String(6), nullable=False),
    Column("purpose", String(100), nullable=False),
    Column("person_key", String(64), nullable=True),  # HMAC-SHA256 of the identity number; empty for an export
    Column("object_type", String(100), nullable=False),
    Column("object_key", String(200), nullable=False),
    Column("object_region", String(6), nullable=True),
    Column("people", Integer, nullable=False),  # 1 for a look at one person; an export's count
    Column("request_id", String(128), nullable=True),
    Index("ix_access_log_person_id", "person_key", "id"),
    Index("ix_access_log_actor_id", "actor", "id"),
)


_INSERT = insert(access_log)


async def record_look(
    session: AsyncSession,
    principal: Principal,
    purpose: str,
    *,
    object: tuple[str, str | int],
    region: str | None,
    person: str | None = None,
    people: int = 1,
) -> None:
    """Record that ``principal`` was shown ``object`` (about ``person``, an identity number or its keyed hash, when
    one person; an export of ``people`` people otherwise) for ``purpose``, and commit it.

    A peer service's read on behalf of a request (claims reading a history to decide a registration) is not
    recorded again here: the officer's look is recorded where they asked, under their name."""
    if principal.roles == frozenset({Role.SERVICE}):
        return
    kind, key = object
    person_key = as_person_key(person) if person else None
    if kind == "person":  # the number itself never goes into the log
        key = person_key if person == key else as_person_key(str(key))
    # one row as one statement (a list would go through the executemany path), built once
    await session.execute(
        _INSERT,
        {
            "at": utcnow(),
            "actor": principal.sub,
            "actor_roles": ",".join(sorted(principal.roles)),
            "actor_region": principal.region,
            "purpose": purpose,
            "person_key": person_key,
            "object_type": kind,
            "object_key": str(key),
            "object_region": region,
            "people": people,
            "request_id": request_id_var.get(),
        },
    )
    await session.commit()


COLUMNS = tuple(c.name for c in access_log.c)


class AccessRecordOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str = Field(description="经办人 (令牌的 sub)")
    actor_roles: str
    actor_region: str
    purpose: str = Field(description="用途: 由查看数据的接口确定", examples=["claims.claim.read"])
    person_key: str | None = Field(description="被查看人的身份证号码的密钥哈希 (HMAC-SHA256); 批量导出时为空")
    object_type: str = Field(examples=["claim"])
    object_key: str = Field(description="对象编号; 人员对象为其密钥哈希", examples=["17"])
    object_region: str | None
    people: int = Field(description="涉及人数: 查看一人为 1, 批量导出为导出人数")
    request_id: str | None


class AccessPageOut(BaseModel):
    """个人信息查看记录 (按编号顺序); ``next_after`` 为下一页的游标."""

    items: list[AccessRecordOut]
    next_after: int | None


def access_log_router() -> APIRouter:
    router = APIRouter(tags=["audit"])
    province = require_roles(Role.PROVINCE)

    @router.get(
        "/access-log",
        response_model=AccessPageOut,
        summary="个人信息查看记录 (省级): 谁在何时因何用途查看了谁的信息",
        description="Every look at a person this service showed: per person (`person`, the identity number, "
        "matched by its keyed hash), per officer (`actor`), by day (Beijing time). The province only (PIPL art. "
        "51). Reading the log is not itself recorded.",
    )
    async def list_looks(
        session: Session,
        _: Annotated[Principal, Depends(province)],
        person: Annotated[ResidentId | None, Query(description="公民身份号码")] = None,
        actor: Annotated[str | None, Query(min_length=1, max_length=200, description="经办人 (令牌的 sub)")] = None,
        purpose: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        from_day: Annotated[LawDate | None, Query(alias="from", description="起始日 (北京时间, 含)")] = None,
        to_day: Annotated[LawDate | None, Query(alias="to", description="截止日 (北京时间, 含)")] = None,
        after: Annotated[int, Query(ge=0, le=2**63 - 1, description="游标: 上一页的 next_after")] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> AccessPageOut:
        c = access_log.c
        stmt = select(*(c[name] for name in COLUMNS)).where(c.id > after)
        if person is not None:
            stmt = stmt.where(c.person_key == as_person_key(person))
        if actor is not None:
            stmt = stmt.where(c.actor == actor)
        if purpose is not None:
            stmt = stmt.where(c.purpose == purpose)
        if from_day and to_day and to_day < from_day:
            raise Unprocessable("range_reversed", "`to` is before `from`", field="query.to")
        if from_day:
            stmt = stmt.where(c.at >= _day_start(from_day))
        if to_day:
            stmt = stmt.where(c.at < _day_start(to_day + dt.timedelta(days=1)))
        rows = (await session.execute(stmt.order_by(c.id).limit(limit + 1))).all()
        items = [AccessRecordOut(**dict(zip(COLUMNS, r, strict=True))) for r in rows[:limit]]
        return AccessPageOut(items=items, next_after=items[-1].id if len(rows) > limit else None)

    return router
