import datetime as dt
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from insurance_shared import (
    Forbidden,
    Principal,
    RegionCode,
    Role,
    Session,
    Write,
    problem_doc,
    require_roles,
    utcnow,
    writer,
)

from . import service
from .models import Filing
from .schemas import CriterionOut, ExecuteIn, FilingIn, FilingOut, FilingPage

router = APIRouter(prefix="/filings", tags=["filings"])
FilingId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_submitters = writer(Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE, Role.LABOR_DEPARTMENT)
_labor = writer(Role.LABOR_DEPARTMENT)
_readers = require_roles(
    Role.LABOR_DEPARTMENT, Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE, Role.PROVINCE, Role.SERVICE
)
_transition_doc = {409: problem_doc("当前状态不允许该操作 (invalid_transition, 含 current_state)")}


def out(f: Filing) -> FilingOut:
    return FilingOut(
        id=f.id,
        unit_credit_code=f.unit_credit_code,
        region=f.region,
        state=f.state,
        filed_on=f.filed_on,
        planned_date=f.planned_date,
        persons=f.persons,
        reportable=f.reportable,
        late=f.late,
        consulted=f.consulted,
        possible_splitting=f.possible_splitting,
        compliant=f.compliant,
        measures_tried=[m for m in f.measures_tried.split(",") if m],
        criteria=[CriterionOut(**c) for c in json.loads(f.decision)],
        executed_on=f.executed_on,
        consultation_document_id=f.consultation_document_id,
        decision_id=f.decision_record_id,
    )


@router.post("", status_code=201, response_model=FilingOut, summary="提交规模裁员报告")
async def file(body: FilingIn, w: Annotated[Write, Depends(_submitters)]):
    filing = await service.file(w.session, w.principal, body, dt.date.today())
    w.audit("layoff.filed", "filing", str(filing.id), filing.region)
    return await w.respond(201, out(filing), location=f"/filings/{filing.id}")


@router.get("", response_model=FilingPage, summary="按地区、状态列出裁员报告; 可只看不合规的")
async def list_filings(
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
    region: Annotated[RegionCode | None, Query()] = None,
    state: Annotated[Literal["filed", "acknowledged", "executed", "withdrawn"] | None, Query()] = None,
    non_compliant: Annotated[bool, Query(description="true: 只列出迟报、未征求意见或疑似拆分的")] = False,
    cursor: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FilingPage:
    region = region or principal.region
    if not principal.can_read(region):
        raise Forbidden("region_forbidden", f"a token of region {principal.region} may not list region {region}")
    rows = await service.filings_of_region(session, region, state, non_compliant, cursor, limit)
    return FilingPage(items=[out(f) for f in rows], next_cursor=str(rows[-1].id) if len(rows) == limit else None)


@router.get("/{filing_id}", response_model=FilingOut, summary="查询裁员报告及判定")
async def get_filing(
    filing_id: FilingId, session: Session, principal: Annotated[Principal, Depends(_readers)]
) -> FilingOut:
    return out(await service.get_for(session, principal, filing_id))


@router.post(
    "/{filing_id}/acknowledge", response_model=FilingOut, summary="劳动保障部门确认收到", responses=_transition_doc
)
async def acknowledge(filing_id: FilingId, w: Annotated[Write, Depends(_labor)]):
    filing = await service.acknowledge(w.session, w.principal, filing_id, utcnow())
    w.audit("layoff.acknowledged", "filing", str(filing.id), filing.region)
    return await w.respond(200, out(filing))


@router.post("/{filing_id}/execute", response_model=FilingOut, summary="记录实际裁员", responses=_transition_doc)
async def execute(filing_id: FilingId, body: ExecuteIn, w: Annotated[Write, Depends(_submitters)]):
    filing = await service.execute(w.session, w.principal, filing_id, body, dt.date.today())
    w.audit("layoff.executed", "filing", str(filing.id), filing.region)
    return await w.respond(200, out(filing))


@router.post("/{filing_id}/withdraw", response_model=FilingOut, summary="撤回裁员计划", responses=_transition_doc)
async def withdraw(filing_id: FilingId, w: Annotated[Write, Depends(_submitters)]):
    filing = await service.withdraw(w.session, w.principal, filing_id, utcnow())
    w.audit("layoff.withdrawn", "filing", str(filing.id), filing.region)
    return await w.respond(200, out(filing))
