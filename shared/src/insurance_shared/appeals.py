"""Appeals (行政复议, #23 item 2; policy.md Claims 11): a person's objection to a decision, lodged by the employment
or social-insurance agency on the person's behalf with the grounds and documents, reviewed by a different officer
of the same region or by the province, and decided ``upheld`` or ``overturned`` with reasons and clause within a
deadline (``REVIEW_DAYS``: 60 days under the Administrative Review Law, dated). An overturn
carries out its consequence: the service names, per decision kind, what undoing that decision does (a stopped
claim resumes and its missed months are paid; a refused registration is decided again).

Every step is an event (the service's ``<service>.appeal_step.v1``) and an audit record, and the review is itself a
decision record (``appeal.review``) that replaces the overturned decision."""

import datetime as dt
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table, Text, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import Principal, Role, require_roles
from .contracts.appeals import AppealStep
from .dates import ActDate
from .db import COMMON_METADATA, BigIntPK, Session, UTCDateTime, utcnow
from .decision_records import DecisionRecordOut, decision_for, record_decision
from .decisions import Criterion
from .documents import SHA256, ensure_document
from .errors import Conflict, Forbidden, NotFound, Unprocessable
from .events import emit
from .parameters import ParameterValue, in_force
from .regions import PROVINCE, RegionCode
from .writes import Write, writer

__all__ = ["AppealSupport", "Overturned", "appeals", "appeals_router"]

appeals = Table(
    "appeals",
    COMMON_METADATA,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("decision_id", BigInteger, nullable=False),
    Column("decision_kind", String(60), nullable=False),
    Column("region", String(6), nullable=False),
    Column("person", String(64), nullable=True),  # the keyed hash, as on the decision
    Column("unit", String(18), nullable=True),
    Column("state", String(20), nullable=False),  # open | upheld | overturned
    Column("grounds", Text, nullable=False),
    Column("documents", Text, nullable=False),  # JSON list of SHA-256
    Column("received_on", Date, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("deadline_rule", Text, nullable=False),  # JSON: the dated parameter the deadline comes from
    Column("filed_by", String(200), nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    Column("reviewed_by", String(200), nullable=True),
    Column("reviewed_at", UTCDateTime, nullable=True),
    Column("reasons", Text, nullable=True),
    Column("review_clause", String(120), nullable=True),
    Column("review_decision_id", BigInteger, nullable=True),
    Column("consequence", Text, nullable=True),
    Column("lateness_days", Integer, nullable=True),  # days past the deadline when it was decided (0: on time)
    Index("ix_appeals_decision", "decision_id"),
    Index("ix_appeals_region_state_deadline", "region", "state", "deadline"),
)


@dataclass(frozen=True, slots=True)
class Overturned:
    """What a consequence handler is told: the decision undone, the appeal and the review that undid it."""

    decision: DecisionRecordOut
    appeal_id: int
    review_decision_id: int
    officer: Principal
    request_id: str | None
    today: dt.date


# a consequence: carries out what undoing a decision of one kind means, in the review's transaction, and says what
# it did (shown in the appeal); a Problem it raises refuses the whole review, nothing written
Consequence = Callable[[AsyncSession, Overturned], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class AppealSupport:
    """A service's appeals: its event type for each step, and the consequence of overturning each kind of decision
    it makes (a kind without one is overturned on the record only: the decision is replaced, and says so)."""

    event: type[AppealStep]
    overturned: Mapping[str, Consequence] = field(default_factory=dict)


# The review's deadline, counted from the day the appeal is received: the Administrative Review Law's, national and
# dated like every parameter (the 1999 law's article 31; its 2023 revision's article 62 from 2024-01-01)
REVIEW_DAYS = (
    ParameterValue("appeal_review_days", None, "60", dt.date(2005, 1, 1), "行政复议法 第三十一条"),
    ParameterValue("appeal_review_days", None, "60", dt.date(2024, 1, 1), "行政复议法 (2023修订) 第六十二条"),
)


def review_days_on(region: str, on: dt.date) -> ParameterValue:
    value = in_force(REVIEW_DAYS, "appeal_review_days", region, on)
    assert value is not None  # in force from the start of the books
    return value


class AppealIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "grounds": "第二次推荐的岗位在外地, 本人有正当理由拒绝, 附医院证明",
                    "documents": ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
                }
            ]
        },
    )

    grounds: str = Field(min_length=1, max_length=4000, description="申请人的理由")
    documents: list[Annotated[str, Field(pattern=SHA256.pattern)]] = Field(
        default_factory=list, max_length=20, description="申请材料 (已上传的 /documents, SHA-256)"
    )
    received_on: ActDate | None = Field(default=None, description="收到申请之日 (默认今天): 审查期限自此起算")


class ReviewIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcome": "overturned", "reasons": "拒绝有正当理由, 不计入无正当理由拒绝", "clause": "N§5 ¶2"}
            ]
        },
    )

    outcome: Literal["upheld", "overturned"] = Field(description="upheld: 维持原决定; overturned: 撤销原决定")
    reasons: str = Field(min_length=1, max_length=4000)
    clause: str = Field(min_length=1, max_length=120, description="复议决定的依据条款", examples=["N§5 ¶2"])


class AppealOut(BaseModel):
    id: int
    decision_id: int
    decision_kind: str
    region: str
    person: str | None
    unit: str | None
    state: Literal["open", "upheld", "overturned"]
    grounds: str
    documents: list[str]
    received_on: dt.date
    deadline: dt.date = Field(description="应作出复议决定的最后一日")
    deadline_rule: dict[str, str] = Field(description="期限所依据的参数 (名称、数值、生效日、条款)")
    overdue: bool = Field(description="未决且已过期限")
    filed_by: str
    filed_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    reasons: str | None
    review_clause: str | None
    review_decision_id: int | None = Field(description="复议决定 (见 /decisions)")
    consequence: str | None = Field(description="撤销原决定后已执行的后果")
    lateness_days: int | None


class AppealPageOut(BaseModel):
    items: list[AppealOut]
    next_after: int | None


_COLUMNS = tuple(c.name for c in appeals.c)


def _out(row, today: dt.date) -> AppealOut:
    d = dict(zip(_COLUMNS, row, strict=True))
    return AppealOut(
        **{
            **d,
            "documents": json.loads(d["documents"]),
            "deadline_rule": json.loads(d["deadline_rule"]),
            "overdue": d["state"] == "open" and d["deadline"] < today,
        }
    )


async def _appeal(session: AsyncSession, principal: Principal, appeal_id: int, *, lock: bool = False):
    stmt = select(appeals).where(appeals.c.id == appeal_id)
    row = (await session.execute(stmt.with_for_update() if lock else stmt)).first()
    if row is None or not principal.can_read(row.region):
        raise NotFound("appeal", str(appeal_id))
    return row


def _subject(record: DecisionRecordOut) -> str:
    return record.person or record.unit or f"decision:{record.id}"


async def _announce(
    w: Write,
    support: AppealSupport,
    appeal_id: int,
    record: DecisionRecordOut,
    step: str,
    on: dt.date,
    deadline: dt.date,
    *,
    review_id: int | None = None,
    consequence: str | None = None,
) -> None:
    """Each step of an appeal is the service's event, about the person or unit the decision was about."""
    await emit(
        w.session,
        support.event(
            appeal_id=appeal_id,
            decision_id=record.id,
            decision_kind=record.kind,
            region=record.region,
            step=step,
            by=w.principal.sub,
            on=on,
            deadline=deadline,
            review_decision_id=review_id,
            consequence=consequence,
        ),
        subject=_subject(record),
        region=record.region,
    )


# the agencies that take a person's or a unit's objection (the labor department for a unit's layoff decisions)
FILERS = (Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE, Role.LABOR_DEPARTMENT)
REVIEWERS = (*FILERS, Role.PROVINCE)
READERS = (Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE, Role.PROVINCE, Role.LABOR_DEPARTMENT)
AppealId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def appeals_router(support: AppealSupport) -> APIRouter:
    router = APIRouter(tags=["appeals"])

    @router.post(
        "/decisions/{decision_id}/appeals",
        status_code=201,
        response_model=AppealOut,
        summary="申请复议: 代当事人登记对一项决定的异议",
        description=(
            "The employment or social-insurance agency of the decision's region records the person's objection "
            "with the grounds and the documents uploaded for them (`POST /documents?kind=appeal_grounds`). The "
            "review is due by `deadline`: `received_on` plus the dated parameter `appeal_review_days`. One open "
            "appeal per decision (409 `appeal_open`); a decision already replaced is appealed through the one that "
            "replaced it (409 `decision_replaced`); a review's decision is not appealed again here (422 "
            "`not_appealable`: that is for the courts)."
        ),
        responses={409: {"description": "appeal_open / decision_replaced"}},
    )
    async def file(
        decision_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
        body: AppealIn,
        w: Annotated[Write, Depends(writer(*FILERS))],
    ):
        record = await decision_for(w.session, w.principal, decision_id)
        w.principal.ensure_writable(record.region, field="path.decision_id")
        today = dt.date.today()
        received = body.received_on or today
        if record.kind == "appeal.review":
            raise Unprocessable(
                "not_appealable",
                "a review's decision is final here: it is challenged in court",
                field="path.decision_id",
            )
        if received < record.decided_at.astimezone(dt.UTC).date() - dt.timedelta(days=1):
            raise Unprocessable(
                "before_decision", "an appeal is received after the decision it objects to", field="body.received_on"
            )
        if record.replaced_by is not None:
            raise Conflict(
                "decision_replaced",
                f"decision {record.id} was replaced by decision {record.replaced_by}: appeal that one",
                extra={"replaced_by": record.replaced_by},
            )
        open_one = (
            await w.session.execute(
                select(appeals.c.id).where(appeals.c.decision_id == record.id, appeals.c.state == "open")
            )
        ).scalar()
        if open_one is not None:
            raise Conflict(
                "appeal_open", f"appeal {open_one} against decision {record.id} is open", extra={"appeal_id": open_one}
            )
        for i, doc in enumerate(body.documents):
            await ensure_document(w.session, record.region, doc, f"body.documents[{i}]")
        days = review_days_on(record.region, received)
        deadline = received + dt.timedelta(days=int(days.value))
        appeal_id = (
            await w.session.execute(
                insert(appeals)
                .values(
                    decision_id=record.id,
                    decision_kind=record.kind,
                    region=record.region,
                    person=record.person,
                    unit=record.unit,
                    state="open",
                    grounds=body.grounds,
                    documents=json.dumps(sorted(set(body.documents))),
                    received_on=received,
                    deadline=deadline,
                    deadline_rule=json.dumps(
                        {
                            "name": days.name,
                            "value": days.value,
                            "valid_from": days.valid_from.isoformat(),
                            "clause": days.clause,
                        },
                        ensure_ascii=False,
                    ),
                    filed_by=w.principal.sub,
                    filed_at=utcnow(),
                )
                .returning(appeals.c.id)
            )
        ).scalar_one()
        await _announce(w, support, appeal_id, record, "filed", received, deadline)
        w.audit("appeal.filed", "appeal", str(appeal_id), record.region)
        w.audit("decision.appealed", "decision", str(record.id), record.region)
        row = await _appeal(w.session, w.principal, appeal_id)
        return await w.respond(201, _out(row, today), location=f"/appeals/{appeal_id}")

    @router.get("/appeals/{appeal_id}", response_model=AppealOut, summary="复议申请及其结果")
    async def get_appeal(
        appeal_id: AppealId, session: Session, principal: Annotated[Principal, Depends(require_roles(*READERS))]
    ) -> AppealOut:
        return _out(await _appeal(session, principal, appeal_id), dt.date.today())

    @router.get(
        "/appeals",
        response_model=AppealPageOut,
        summary="复议申请列表 (含逾期未决)",
        description="`overdue=true` lists the open appeals past their deadline. The province reads every region.",
    )
    async def list_appeals(
        session: Session,
        principal: Annotated[Principal, Depends(require_roles(*READERS))],
        state: Annotated[Literal["open", "upheld", "overturned"] | None, Query()] = None,
        overdue: Annotated[bool, Query(description="仅逾期未决的")] = False,
        decision_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
        region: Annotated[RegionCode | None, Query()] = None,
        after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> AppealPageOut:
        c, today = appeals.c, dt.date.today()
        stmt = select(appeals).where(c.id > after)
        if (region := principal.region_to_read(region)) is not None:
            stmt = stmt.where(c.region == region)
        if state:
            stmt = stmt.where(c.state == state)
        if overdue:
            stmt = stmt.where(c.state == "open", c.deadline < today)
        if decision_id:
            stmt = stmt.where(c.decision_id == decision_id)
        rows = (await session.execute(stmt.order_by(c.id).limit(limit + 1))).all()
        return AppealPageOut(
            items=[_out(r, today) for r in rows[:limit]], next_after=rows[limit - 1].id if len(rows) > limit else None
        )

    @router.post(
        "/appeals/{appeal_id}/review",
        response_model=AppealOut,
        summary="复议决定: 维持或撤销 (撤销即执行其后果)",
        description=(
            "Decided by an officer of the appeal's region (employment or social-insurance agency) or of the "
            "province who neither made the decision nor lodged the appeal (403 `same_officer`). `overturned` "
            "replaces the decision and carries out what undoing it means for its kind (`consequence`). A review "
            "after the deadline is still recorded, with `lateness_days`."
        ),
        responses={409: {"description": "appeal_decided"}},
    )
    async def review(appeal_id: AppealId, body: ReviewIn, w: Annotated[Write, Depends(writer(*REVIEWERS))]):
        row = await _appeal(w.session, w.principal, appeal_id, lock=True)
        p = w.principal
        if not (p.region == row.region or (Role.PROVINCE in p.roles and p.region == PROVINCE)):
            p.ensure_writable(row.region, field="path.appeal_id")
        if row.state != "open":
            raise Conflict(
                "appeal_decided",
                f"appeal {appeal_id} was {row.state} on {row.reviewed_at:%Y-%m-%d}",
                extra={"current_state": row.state},
            )
        record = await decision_for(w.session, p, row.decision_id)
        if p.sub in (row.filed_by, record.decided_by):
            raise Forbidden(
                "same_officer",
                "an appeal is reviewed by an officer who neither made the decision nor lodged the appeal",
            )
        today = dt.date.today()
        late = max(0, (today - row.deadline).days)
        review_id = await record_decision(
            w.session,
            kind="appeal.review",
            subject=("appeal", appeal_id),
            region=row.region,
            person=row.person,
            unit=row.unit,
            outcome=body.outcome,
            clause=body.clause,
            explanation=body.reasons,
            decided_by=p.sub,
            criteria=[
                Criterion(
                    "reviewed_by_another_officer",
                    True,
                    "行政复议法",
                    "reviewed by an officer who neither made the decision nor lodged the appeal",
                    {"reviewer": p.sub, "decided_by": record.decided_by, "filed_by": row.filed_by},
                    explanation_zh="由既未作出原决定、也未登记申请的经办人审查",
                ),
                Criterion(
                    "within_deadline",
                    late == 0,
                    json.loads(row.deadline_rule)["clause"],
                    f"due by {row.deadline}" + (f": decided {late} days late" if late else ""),
                    {"received_on": row.received_on, "deadline": row.deadline, "decided_on": today},
                    explanation_zh=f"应于{row.deadline}前作出决定" + (f": 逾期{late}日作出" if late else ""),
                ),
            ],
            documents=json.loads(row.documents),
            references={"decision_id": record.id, "appeal_id": appeal_id},
            replaces=record.id if body.outcome == "overturned" else None,
            request_id=w.request_id,
        )
        consequence = None
        if body.outcome == "overturned":
            handler = support.overturned.get(record.kind)
            consequence = (
                await handler(w.session, Overturned(record, appeal_id, review_id, p, w.request_id, today))
                if handler
                else f"decision {record.id} overturned on the record; a {record.kind} has no automatic consequence"
            )
        await w.session.execute(
            update(appeals)
            .where(appeals.c.id == appeal_id)
            .values(
                state=body.outcome,
                reviewed_by=p.sub,
                reviewed_at=utcnow(),
                reasons=body.reasons,
                review_clause=body.clause,
                review_decision_id=review_id,
                consequence=consequence,
                lateness_days=late,
            )
        )
        await _announce(
            w,
            support,
            appeal_id,
            record,
            body.outcome,
            today,
            row.deadline,
            review_id=review_id,
            consequence=consequence,
        )
        w.audit(f"appeal.{body.outcome}", "appeal", str(appeal_id), row.region)
        if body.outcome == "overturned":  # the object the decision was about shows it was undone, and why
            w.audit("decision.overturned", record.subject_type, record.subject_id, row.region)
        w.audit("decision.recorded", "decision", str(review_id), row.region)
        return await w.respond(200, _out(await _appeal(w.session, p, appeal_id), today))

    return router
