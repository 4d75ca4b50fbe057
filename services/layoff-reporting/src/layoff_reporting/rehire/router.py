import datetime as dt
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import (
    LawDate,
    Principal,
    ResidentId,
    Role,
    Session,
    Unprocessable,
    Write,
    decision_overturned,
    latest_decision,
    person_key,
    record_look,
    require_roles,
    writer,
)

from ..workforce import repository as workforce_repository
from . import repository
from .models import RehireOffer
from .service import priority_list

router = APIRouter(prefix="/units/{credit_code}", tags=["units"])
CreditCodePath = Annotated[str, Path(min_length=18, max_length=18, title="统一社会信用代码")]
_readers = require_roles(
    Role.LABOR_DEPARTMENT, Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE, Role.PROVINCE, Role.SERVICE
)
_writers = writer(Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE, Role.LABOR_DEPARTMENT)


class WorkforceOut(BaseModel):
    """单位职工人数: 申报的职工总数与在保人数."""

    credit_code: str
    region: str
    declared_staff: int
    active_insured: int


@router.get("/workforce", response_model=WorkforceOut, summary="单位职工人数")
async def workforce(
    credit_code: CreditCodePath, session: Session, principal: Annotated[Principal, Depends(_readers)]
) -> WorkforceOut:
    unit = await workforce_repository.readable_unit(session, principal, credit_code)
    active = await workforce_repository.active_insured(session, unit.credit_code)
    return WorkforceOut(
        credit_code=unit.credit_code, region=unit.region, declared_staff=unit.declared_staff, active_insured=active
    )


class ListedOut(BaseModel):
    id_number: str
    name: str
    filing_id: int
    separated_on: dt.date
    offered_on: dt.date | None
    offer_outcome: str | None


@router.get("/rehire-list", response_model=list[ListedOut], summary="优先录用名单: 被裁后仍失业的人员 (N§7; LL27)")
async def rehire_list(
    credit_code: CreditCodePath,
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
    on: Annotated[LawDate | None, Query()] = None,
) -> list[ListedOut]:
    unit = await workforce_repository.readable_unit(session, principal, credit_code)
    listed = await priority_list(session, unit.credit_code, unit.region, on or dt.date.today())
    out = [ListedOut(**{f: getattr(x, f) for f in ListedOut.model_fields}) for x in listed]
    await record_look(
        session,
        principal,
        "layoff.rehire_list.read",
        object=("unit", unit.credit_code),
        region=unit.region,
        people=len(out),
    )
    return out


class OfferIn(BaseModel):
    """向被裁人员提供工作岗位的记录."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"id_number": "11010519491231002X", "offered_on": "2027-02-01", "outcome": "declined"}]
        },
    )

    id_number: ResidentId
    offered_on: dt.date
    outcome: Literal["pending", "accepted", "declined"]


class OfferOut(BaseModel):
    id: int
    id_number: str
    offered_on: dt.date
    outcome: str


@router.post("/rehire-offers", status_code=201, response_model=OfferOut, summary="记录向被裁人员提供的岗位")
async def offer(credit_code: CreditCodePath, body: OfferIn, w: Annotated[Write, Depends(_writers)]):
    unit = await workforce_repository.readable_unit(w.session, w.principal, credit_code)
    w.principal.ensure_writable(unit.region, field="path.credit_code")
    if body.offered_on > dt.date.today():
        raise Unprocessable("date_in_future", "record an offer once made", field="body.offered_on")
    listed = await priority_list(w.session, unit.credit_code, unit.region, body.offered_on)
    if body.id_number not in {x.id_number for x in listed}:
        raise Unprocessable(
            "not_on_priority_list", "this person is not on the unit's rehire list that day", field="body.id_number"
        )
    row = RehireOffer(
        unit_credit_code=unit.credit_code,
        person_key=person_key(body.id_number),
        id_number=body.id_number,
        offered_on=body.offered_on,
        outcome=body.outcome,
    )
    w.session.add(row)
    await w.session.flush()
    w.audit("rehire.offered", "rehire_offer", str(row.id), unit.region)
    return await w.respond(
        201, OfferOut(id=row.id, id_number=row.id_number, offered_on=row.offered_on, outcome=row.outcome)
    )


class BreachOut(BaseModel):
    """违反优先录用: 录用他人时名单上仍有未获岗位的被裁人员."""

    id: int
    filing_id: int
    hired_on: dt.date
    priority_list: list[dict[str, object]]
    decision_id: int | None = Field(default=None, description="决定记录 (GET /decisions/{id}; 单位可申请复议)")
    overturned: bool = Field(default=False, description="已经复议撤销: 不再认定为违反优先录用")


@router.get("/rehire-breaches", response_model=list[BreachOut], summary="违反优先录用的记录")
async def breaches(
    credit_code: CreditCodePath, session: Session, principal: Annotated[Principal, Depends(_readers)]
) -> list[BreachOut]:
    unit = await workforce_repository.readable_unit(session, principal, credit_code)
    rows = await repository.breaches(session, unit.credit_code)
    return [
        BreachOut(
            id=b.id,
            filing_id=b.filing_id,
            hired_on=b.hired_on,
            priority_list=json.loads(b.priority_list),
            decision_id=(decision_id := await latest_decision(session, "rehire_breach", b.id)),
            overturned=decision_id is not None and await decision_overturned(session, decision_id),
        )
        for b in rows
    ]
