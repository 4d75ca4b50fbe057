"""GET /audit and /audit.csv on every service: the append-only audit log, readable (#23 item 4). Who did what to
which object, when, from which request; the province reads every record, an officer of a region the records of
objects of that region. Reading changes nothing (the log stays append-only; reads are not themselves audited)."""

import csv
import datetime as dt
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Select, select

from .audit import audit_log
from .auth import Principal, Role, require_roles
from .dates import LawDate
from .db import Session
from .errors import Unprocessable
from .regions import RegionCode

__all__ = ["audit_router"]

BEIJING = dt.timezone(dt.timedelta(hours=8))
CSV_MAX_ROWS = 100_000
READERS = (
    Role.PROVINCE,
    Role.SOCIAL_INSURANCE,
    Role.EMPLOYMENT_SERVICE,
    Role.LABOR_DEPARTMENT,
    Role.LOCAL_GOVERNMENT,
)
COLUMNS = (
    "id",
    "at",
    "actor",
    "actor_roles",
    "actor_region",
    "action",
    "object_type",
    "object_key",
    "object_region",
    "request_id",
)


class AuditRecordOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str = Field(description="令牌的 sub (经办人或系统)")
    actor_roles: str
    actor_region: str
    action: str = Field(examples=["claim.registered"])
    object_type: str = Field(examples=["claim"])
    object_key: str = Field(examples=["17"])
    object_region: str | None
    request_id: str | None = Field(description="请求编号: 与访问日志、问题详情中的 request_id 相同")


class AuditPageOut(BaseModel):
    """审计记录 (按编号顺序); ``next_after`` 为下一页的游标, 无更多时为空."""

    items: list[AuditRecordOut]
    next_after: int | None


def _day_start(day: dt.date) -> dt.datetime:
    """A date is a day in Beijing time, where the officers asking are."""
    return dt.datetime.combine(day, dt.time(), BEIJING).astimezone(dt.UTC)


def _query(
    principal: Principal,
    subject: str | None,
    actor: str | None,
    from_day: dt.date | None,
    to_day: dt.date | None,
    region: str | None,
) -> Select:
    c = audit_log.c
    stmt = select(*(c[name] for name in COLUMNS))
    region = principal.region_to_read(region)  # another region's records are refused, not filtered away quietly
    if region is not None:
        stmt = stmt.where(c.object_region == region)
    if subject:
        kind, sep, key = subject.partition(":")
        stmt = stmt.where(c.object_type == kind, c.object_key == key) if sep else stmt.where(c.object_key == subject)
    if actor:
        stmt = stmt.where(c.actor == actor)
    if from_day and to_day and to_day < from_day:
        raise Unprocessable("range_reversed", "`to` is before `from`", field="query.to")
    if from_day:
        stmt = stmt.where(c.at >= _day_start(from_day))
    if to_day:
        stmt = stmt.where(c.at < _day_start(to_day + dt.timedelta(days=1)))
    return stmt


Subject = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=301,
        description="对象: `类型:编号` (如 `claim:17`, `unit:91220101MA0Y3XXK87`) 或仅编号",
        examples=["claim:17"],
    ),
]
Actor = Annotated[str | None, Query(min_length=1, max_length=200, description="经办人 (令牌的 sub)")]
From = Annotated[LawDate | None, Query(alias="from", description="起始日 (北京时间, 含)")]
To = Annotated[LawDate | None, Query(alias="to", description="截止日 (北京时间, 含)")]
Region = Annotated[RegionCode | None, Query(description="对象所属地区; 默认本人地区 (省级: 全部)")]


def audit_router() -> APIRouter:
    router = APIRouter(tags=["audit"])
    readers = require_roles(*READERS)

    @router.get(
        "/audit",
        response_model=AuditPageOut,
        summary="审计记录: 谁在何时对哪个对象做了什么 (只读, 分页)",
        description="The province reads every record; an officer of a region reads the records of objects of that "
        "region. Filters combine; `after` is the cursor of the next page.",
    )
    async def audit(
        session: Session,
        principal: Annotated[Principal, Depends(readers)],
        subject: Subject = None,
        actor: Actor = None,
        from_day: From = None,
        to_day: To = None,
        region: Region = None,
        after: Annotated[int, Query(ge=0, le=2**63 - 1, description="游标: 上一页的 next_after")] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> AuditPageOut:
        stmt = _query(principal, subject, actor, from_day, to_day, region)
        rows = (
            await session.execute(stmt.where(audit_log.c.id > after).order_by(audit_log.c.id).limit(limit + 1))
        ).all()
        items = [AuditRecordOut(**dict(zip(COLUMNS, r, strict=True))) for r in rows[:limit]]
        return AuditPageOut(items=items, next_after=items[-1].id if len(rows) > limit else None)

    @router.get(
        "/audit.csv",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}, "description": "CSV (UTF-8 with BOM), at most 100,000 rows"}},
        summary="审计记录 (CSV 导出)",
        description="The same records and filters as `/audit`, oldest first, up to 100,000 rows (a longer export "
        "is refused: narrow it by date).",
    )
    async def audit_csv(
        session: Session,
        principal: Annotated[Principal, Depends(readers)],
        subject: Subject = None,
        actor: Actor = None,
        from_day: From = None,
        to_day: To = None,
        region: Region = None,
    ) -> Response:
        stmt = _query(principal, subject, actor, from_day, to_day, region)
        rows = (await session.execute(stmt.order_by(audit_log.c.id).limit(CSV_MAX_ROWS + 1))).all()
        if len(rows) > CSV_MAX_ROWS:
            raise Unprocessable(
                "export_too_large", f"more than {CSV_MAX_ROWS} records: narrow the export by date", field="query.from"
            )
        buf = io.StringIO()
        buf.write("\ufeff")
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(COLUMNS)
        w.writerows(["" if v is None else v.isoformat() if isinstance(v, dt.datetime) else v for v in r] for r in rows)
        return Response(
            buf.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="audit.csv"'},
        )

    return router
