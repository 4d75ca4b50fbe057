"""The record of every decision a service makes about a person or a unit (#23 item 1; policy.md Claims 11): what
was decided about whom, the criteria with their values, dated parameters and clauses, the facts it rests on (event
and document ids), who or what decided (an officer's ``sub``, or ``system`` and the rule), when, and the decision it
replaces. A person refused or stopped is told why from it, and an appeal (appeals.py) is lodged against it.

Records are append-only (a trigger refuses UPDATE and DELETE): a decision that changes an earlier one is a new
record naming the one it ``replaces``. ``GET /decisions/{id}`` and ``GET /decisions`` serve them, region-scoped like
every object."""

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, Column, Date, Index, String, Table, Text, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .access_log import record_look
from .auth import Principal, Role, require_roles
from .db import COMMON_METADATA, BigIntPK, Session, UTCDateTime, utcnow
from .decisions import Criterion, CriterionOut, criterion_dict
from .errors import NotFound
from .observability import request_id_var
from .pii import as_person_key
from .regions import RegionCode

__all__ = [
    "SYSTEM",
    "DecisionRecordOut",
    "decision_overturned",
    "decision_records",
    "decisions_router",
    "latest_decision",
    "record_decision",
]

SYSTEM = "system"  # decided_by of a decision no officer made: ``rule`` names the rule that made it

decision_records = Table(
    "decision_records",
    COMMON_METADATA,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("kind", String(60), nullable=False),  # e.g. claim.stop, claim.verification_rejection, appeal.review
    Column("subject_type", String(40), nullable=False),  # claim, referral, separation, unit, appeal, ...
    Column("subject_id", String(64), nullable=False),
    # when it is about a person: the keyed hash of their identity number (pii.py), never the number (#25)
    Column("person", String(64), nullable=True),
    Column("unit", String(18), nullable=True),  # the unified social credit code, when it is about a unit
    Column("region", String(6), nullable=False),
    Column("outcome", String(60), nullable=False),
    Column("clause", String(120), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("criteria", Text, nullable=False),  # JSON: criterion_dict of each
    Column("facts", Text, nullable=False),  # JSON: {"events": [...], "documents": [...], "references": {...}}
    Column("decided_by", String(200), nullable=False),
    Column("rule", String(120), nullable=True),
    Column("effective_date", Date, nullable=True),
    Column("replaces", BigInteger, nullable=True),
    Column("request_id", String(128), nullable=True),
    Column("decided_at", UTCDateTime, nullable=False),
    Index("ix_decision_records_subject", "subject_type", "subject_id", "id"),
    Index("ix_decision_records_person", "person", "id"),
    Index("ix_decision_records_unit", "unit", "id"),
    Index("ix_decision_records_region", "region", "id"),
    Index("ix_decision_records_replaces", "replaces"),
)


async def record_decision(
    session: AsyncSession,
    *,
    kind: str,
    subject: tuple[str, object],
    region: str,
    outcome: str,
    clause: str,
    explanation: str,
    decided_by: str,
    criteria: Sequence[Criterion | Mapping[str, Any]] = (),
    rule: str | None = None,
    person: str | None = None,
    unit: str | None = None,
    events: Iterable[object] = (),
    documents: Iterable[str | None] = (),
    references: Mapping[str, object] | None = None,
    effective_date: dt.date | None = None,
    replaces: int | None = None,
    request_id: str | None = None,
) -> int:
    """Record one decision in the caller's transaction (it exists only if the change it explains commits) and
    return its id. ``events``: the ids of the events it rests on; ``documents``: the SHA-256 of the documents;
    ``references``: other facts by name (a referral's id, a certificate number). ``request_id`` defaults to the
    request being answered (None for a decision a consumer makes on an event)."""
    if decided_by == SYSTEM and not rule:
        raise ValueError("a decision made by the system names the rule that made it")
    facts = {
        "events": [str(e) for e in events],
        "documents": sorted({d for d in documents if d}),
        "references": {k: v for k, v in (references or {}).items() if v is not None},
    }
    result = await session.execute(
        insert(decision_records)
        .values(
            kind=kind,
            subject_type=subject[0],
            subject_id=str(subject[1]),
            person=as_person_key(person) if person else None,
            unit=unit,
            region=region,
            outcome=outcome,
            clause=clause,
            explanation=explanation,
            criteria=json.dumps(
                [c if isinstance(c, Mapping) else criterion_dict(c) for c in criteria], ensure_ascii=False, default=str
            ),
            facts=json.dumps(facts, ensure_ascii=False, default=str),
            decided_by=decided_by,
            rule=rule,
            effective_date=effective_date,
            replaces=replaces,
            request_id=request_id or request_id_var.get(),
            decided_at=utcnow(),
        )
        .returning(decision_records.c.id)
    )
    return int(result.scalar_one())


async def latest_decision(
    session: AsyncSession, subject_type: str, subject_id: object, kinds: Sequence[str] | None = None
) -> int | None:
    """The newest record about the subject (of one of ``kinds``): what a new decision about it replaces."""
    c = decision_records.c
    stmt = select(c.id).where(c.subject_type == subject_type, c.subject_id == str(subject_id))
    if kinds:
        stmt = stmt.where(c.kind.in_(kinds))
    return (await session.execute(stmt.order_by(c.id.desc()).limit(1))).scalar()


async def decision_overturned(session: AsyncSession, decision_id: int) -> bool:
    """Whether a review on appeal replaced the decision (an ``appeal.review`` naming it as the one it replaces)."""
    c = decision_records.c
    found = await session.execute(
        select(c.id).where(c.replaces == decision_id, c.kind == "appeal.review", c.outcome == "overturned").limit(1)
    )
    return found.first() is not None


class FactsOut(BaseModel):
    events: list[str] = Field(description="所依据的事件编号")
    documents: list[str] = Field(description="所依据的证明材料 (SHA-256, 见 /documents)")
    references: dict[str, object] = Field(description="其他事实: 介绍就业编号、证明编号等")


class DecisionRecordOut(BaseModel):
    """一项决定: 对谁作出、结果、依据的标准与条款、所依据的事实、由谁作出、替代哪项决定."""

    id: int
    kind: str = Field(examples=["claim.stop"])
    subject_type: str = Field(examples=["claim"])
    subject_id: str = Field(examples=["17"])
    person: str | None
    unit: str | None
    region: str
    outcome: str = Field(examples=["stopped"])
    clause: str = Field(examples=["N§5 ¶2"])
    explanation: str
    criteria: list[CriterionOut]
    facts: FactsOut
    decided_by: str = Field(description="经办人 (令牌的 sub) 或 system")
    rule: str | None = Field(description="系统作出的决定所依据的规则")
    effective_date: dt.date | None
    decided_at: dt.datetime
    replaces: int | None = Field(description="本决定替代的决定")
    replaced_by: int | None = Field(description="替代本决定的决定 (如复议撤销后的决定)")
    request_id: str | None


_COLUMNS = tuple(c.name for c in decision_records.c)


def _out(row: Any, replaced_by: int | None) -> DecisionRecordOut:
    d = dict(zip(_COLUMNS, row, strict=True))
    return DecisionRecordOut(
        **{**d, "criteria": json.loads(d["criteria"]), "facts": json.loads(d["facts"]), "replaced_by": replaced_by}
    )


async def _replacements(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    c = decision_records.c
    rows = await session.execute(select(c.replaces, c.id).where(c.replaces.in_(ids)).order_by(c.id))
    out: dict[int, int] = {}
    for replaces, by in rows:
        out.setdefault(replaces, by)
    return out


async def decision_for(session: AsyncSession, principal: Principal, decision_id: int) -> DecisionRecordOut:
    """The record, if the caller's region may read it (another region's is as unknown as none)."""
    row = (await session.execute(select(decision_records).where(decision_records.c.id == decision_id))).first()
    if row is None or not principal.can_read(row.region):
        raise NotFound("decision", str(decision_id))
    return _out(row, (await _replacements(session, [decision_id])).get(decision_id))


READERS = (
    Role.PROVINCE,
    Role.SOCIAL_INSURANCE,
    Role.EMPLOYMENT_SERVICE,
    Role.LABOR_DEPARTMENT,
    Role.LOCAL_GOVERNMENT,
    Role.SERVICE,
)


class DecisionPageOut(BaseModel):
    """决定 (按编号顺序); ``next_after`` 为下一页的游标, 无更多时为空."""

    items: list[DecisionRecordOut]
    next_after: int | None


def decisions_router() -> APIRouter:
    router = APIRouter(tags=["decisions"])
    readers = require_roles(*READERS)

    @router.get(
        "/decisions/{decision_id}",
        response_model=DecisionRecordOut,
        summary="一项决定及其理由、依据、事实 (可申请复议)",
    )
    async def get_decision(
        decision_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
        session: Session,
        principal: Annotated[Principal, Depends(readers)],
    ) -> DecisionRecordOut:
        record = await decision_for(session, principal, decision_id)
        if record.person:
            await record_look(
                session,
                principal,
                "decision.read",
                object=("decision", record.id),
                region=record.region,
                person=record.person,
            )
        return record

    @router.get(
        "/decisions",
        response_model=DecisionPageOut,
        summary="决定列表: 按对象、个人、单位、类别",
        description="Filters combine: `subject` (`claim:17`, `referral:5`, `unit:<code>`), `person` (identity "
        "number), `unit` (credit code), `kind`. The province reads every region; an officer the records of their "
        "own region. `after` is the cursor of the next page.",
    )
    async def list_decisions(
        session: Session,
        principal: Annotated[Principal, Depends(readers)],
        subject: Annotated[
            str | None, Query(min_length=3, max_length=105, pattern=r"^[a-z_]+:.+$", examples=["claim:17"])
        ] = None,
        person: Annotated[str | None, Query(min_length=15, max_length=18, description="身份证号")] = None,
        unit: Annotated[str | None, Query(min_length=18, max_length=18, description="统一社会信用代码")] = None,
        kind: Annotated[str | None, Query(min_length=1, max_length=60, examples=["claim.stop"])] = None,
        region: Annotated[RegionCode | None, Query()] = None,
        after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> DecisionPageOut:
        c = decision_records.c
        stmt = select(decision_records).where(c.id > after)
        if (region := principal.region_to_read(region)) is not None:
            stmt = stmt.where(c.region == region)
        if subject:
            kind_of, _, key = subject.partition(":")
            stmt = stmt.where(c.subject_type == kind_of, c.subject_id == key)
        key = as_person_key(person) if person else None  # records and the access log name people by hash
        if key:
            stmt = stmt.where(c.person == key)
        if unit:
            stmt = stmt.where(c.unit == unit.upper())
        if kind:
            stmt = stmt.where(c.kind == kind)
        rows = (await session.execute(stmt.order_by(c.id).limit(limit + 1))).all()
        page = rows[:limit]
        replaced = await _replacements(session, [r.id for r in page])
        out = DecisionPageOut(
            items=[_out(r, replaced.get(r.id)) for r in page],
            next_after=page[-1].id if len(rows) > limit else None,
        )
        if people := {r.person for r in page if r.person}:
            await record_look(
                session,
                principal,
                "decisions.list",
                object=("decisions", subject or key or unit or kind or ""),
                region=region,
                person=key,
                people=len(people),
            )
        return out

    return router
