import datetime as dt
from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy import select

from insurance_shared import Principal, Role, Session, Write, require_roles, writer
from insurance_shared.app import problem_doc

from ..declarations.models import Declaration, DeclarationLine
from ..rules.periods import format_period
from . import service
from .schemas import EmploymentOut, EndEmploymentIn, EnrolmentIn, HistoryGroup, HistoryMonth, HistoryOut, PersonOut

router = APIRouter(prefix="/persons", tags=["persons"])
_writers = writer(Role.SOCIAL_INSURANCE, Role.PROVINCE)
_readers = require_roles(Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE, Role.PROVINCE, Role.SERVICE)
IdNumber = Annotated[str, Path(min_length=18, max_length=18, title="公民身份号码")]


@router.post(
    "/enrolments",
    status_code=201,
    response_model=EmploymentOut,
    summary="参保登记 (养老、失业同时)",
    responses={409: problem_doc("已有相同的参保关系 (already_enrolled)")},
)
async def enrol(body: EnrolmentIn, w: Annotated[Write, Depends(_writers)]):
    employment = await service.enrol(w.session, w.principal, body, dt.date.today())
    w.audit("person.enrolled", "employment", str(employment.id), employment.region)
    return await w.respond(201, EmploymentOut.model_validate(employment), location=f"/persons/{body.id_number}")


@router.post(
    "/{id_number}/employments/{employment_id}/end",
    response_model=EmploymentOut,
    summary="终止劳动关系 (填写离职原因)",
)
async def end_employment(
    id_number: IdNumber,
    employment_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: EndEmploymentIn,
    w: Annotated[Write, Depends(_writers)],
):
    employment = await service.end_employment(w.session, w.principal, id_number, employment_id, body, dt.date.today())
    w.audit("employment.ended", "employment", str(employment.id), employment.region)
    return await w.respond(200, EmploymentOut.model_validate(employment))


@router.get("/{id_number}", response_model=PersonOut, summary="查询参保人员")
async def get_person(
    id_number: IdNumber, session: Session, principal: Annotated[Principal, Depends(_readers)]
) -> PersonOut:
    person, employments = await service.person_view(session, principal, id_number)
    return PersonOut(
        id_number=person.id_number,
        name=person.name,
        employments=[EmploymentOut.model_validate(e) for e in employments],
    )


@router.get("/{id_number}/history", response_model=HistoryOut, summary="个人缴费记录 (按地区、单位)")
async def history(
    id_number: IdNumber, session: Session, principal: Annotated[Principal, Depends(_readers)]
) -> HistoryOut:
    await service.person_view(session, principal, id_number)
    rows = await session.execute(
        select(
            Declaration.home_region,
            Declaration.unit_credit_code,
            Declaration.period,
            Declaration.id,
            Declaration.paid,
            DeclarationLine.unemployment_unit + DeclarationLine.unemployment_person,
        )
        .join(DeclarationLine, DeclarationLine.declaration_id == Declaration.id)
        .where(DeclarationLine.id_number == id_number)
        .order_by(Declaration.home_region, Declaration.unit_credit_code, Declaration.period, Declaration.id)
    )
    groups: dict[tuple[str, str], list[HistoryMonth]] = defaultdict(list)
    for region, unit, period, decl_id, paid, unemployment in rows:
        if principal.can_read(region):
            groups[(region, unit)].append(
                HistoryMonth(period=format_period(period), unemployment=unemployment, paid=paid, declaration_id=decl_id)
            )
    out = [
        HistoryGroup(
            region=region,
            unit_credit_code=unit,
            months=months,
            paid_months=len({m.period for m in months if m.paid}),
        )
        for (region, unit), months in groups.items()
    ]
    return HistoryOut(id_number=id_number, groups=out, paid_months_total=sum(g.paid_months for g in out))
