from typing import Annotated

from fastapi import APIRouter, Depends, Path

from insurance_shared import Principal, Role, Session, Unprocessable, person_key, require_roles

from ..workforce import repository as workforce_repository
from . import service
from .schemas import HireOut, IncentiveIn, IncentiveOut

router = APIRouter(prefix="/units/{credit_code}", tags=["units"])
CreditCodePath = Annotated[str, Path(min_length=18, max_length=18, title="统一社会信用代码")]
_readers = require_roles(
    Role.LABOR_DEPARTMENT, Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE, Role.PROVINCE, Role.SERVICE
)


@router.post("/hiring-incentive", response_model=IncentiveOut, summary="吸纳就业优惠认定 (不写入)")
async def hiring_incentive(
    credit_code: CreditCodePath, body: IncentiveIn, session: Session, principal: Annotated[Principal, Depends(_readers)]
) -> IncentiveOut:
    unit = await workforce_repository.readable_unit(session, principal, credit_code)
    if body.to_date < body.from_date:
        raise Unprocessable("period_reversed", "to_date is on or after from_date", field="body.to_date")
    # this service knows the hires by keyed hash only (#25): the numbers shown are those the unit gave
    keyed = {person_key(c.id_number): c for c in body.contracts}
    years = {key: c.contract_years for key, c in keyed.items()}
    decision, judged = await service.hiring_incentive(
        session, unit.credit_code, unit.region, body.from_date, body.to_date, years
    )
    return IncentiveOut(
        qualifies=decision.qualifies,
        hires=decision.hires,
        counted=decision.counted,
        share=decision.share,
        clause=decision.clause,
        parameters=[
            {"name": p.name, "value": p.value, "valid_from": p.valid_from.isoformat(), "clause": p.clause}
            for p in decision.parameters
        ],
        decisions=[
            HireOut(
                id_number=keyed[j.person].id_number if j.person in keyed else None,
                person=j.person,
                hired_on=h.hired_on,
                counted=j.counted,
                reason=j.reason,
            )
            for j, h in zip(decision.judgements, judged, strict=True)
        ],
    )
