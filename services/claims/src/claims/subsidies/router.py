import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from insurance_shared import Role, Unprocessable, Write, problem_doc, writer

from ..claims import service as claims
from ..claims.schemas import PaymentOut, SubsidyIn
from . import service

router = APIRouter(tags=["claims"])
ClaimId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_insurance = writer(Role.SOCIAL_INSURANCE)


@router.post(
    "/claims/{claim_id}/medical-subsidies",
    status_code=201,
    response_model=PaymentOut,
    summary="医疗补助金 (R19)",
    responses={409: problem_doc("本月已发放医疗补助金 (medical_already_paid)")},
)
async def medical_subsidy(claim_id: ClaimId, body: SubsidyIn, w: Annotated[Write, Depends(_insurance)]):
    claim = await claims.claim_for(w.session, w.principal, claim_id)
    w.principal.ensure_writable(claim.region, field="path.claim_id")
    if claim.state != "active":
        raise Unprocessable(
            "claim_not_active", "the medical subsidy is paid while benefits are drawn", field="path.claim_id"
        )
    if body.amount <= 0 or body.paid_on > dt.date.today():
        raise Unprocessable("invalid_subsidy", "a positive amount, paid today or earlier", field="body")
    p = await service.one_off(w.session, claim, "medical", body.amount, body.paid_on)
    w.audit("subsidy.medical", "benefit_payment", str(p.id), claim.region)
    return await w.respond(
        201, PaymentOut(id=p.id, claim_id=claim.id, kind=p.kind, amount=p.amount, month=p.month, paid_on=p.paid_on)
    )
