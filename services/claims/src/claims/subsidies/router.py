import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from insurance_shared import ParameterValue, Role, Unprocessable, Write, problem_doc, writer

from ..claims import service as claims
from ..claims.models import BenefitPayment
from ..claims.schemas import FuneralChoiceIn, FuneralChoiceOut, StandardOut, SubsidyIn, SubsidyOut
from . import service

router = APIRouter(tags=["claims"])
ClaimId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_insurance = writer(Role.SOCIAL_INSURANCE)


@router.post(
    "/claims/{claim_id}/medical-subsidies",
    status_code=201,
    response_model=SubsidyOut,
    summary="医疗补助金 (R19, 2011-07-01 前)",
    description=(
        "A medical subsidy while benefits are drawn, at the region's standard in force on `paid_on` (parameter "
        "`medical_subsidy`, R19), one a month. For dates from 2011-07-01 none is paid: the fund pays the "
        "claimant's basic medical-insurance contribution with the monthly run instead (SIL48; see "
        "`/medical-transfers`), and the request is refused with 422 `medical_subsidy_replaced`. Role "
        "`social_insurance` of the claim's region."
    ),
    responses={409: problem_doc("本月已发放医疗补助金 (medical_already_paid)")},
)
async def medical_subsidy(claim_id: ClaimId, body: SubsidyIn, w: Annotated[Write, Depends(_insurance)]):
    claim = await claims.claim_for(w.session, w.principal, claim_id)
    w.principal.ensure_writable(claim.region, field="path.claim_id")
    if claim.state != "active":
        raise Unprocessable(
            "claim_not_active", "the medical subsidy is paid while benefits are drawn", field="path.claim_id"
        )
    if body.paid_on > dt.date.today():
        raise Unprocessable("invalid_subsidy", "paid today or earlier", field="body.paid_on")
    p, standard, decision_id = await service.medical_subsidy(w.session, claim, body.paid_on, w.principal.sub)
    w.audit("subsidy.medical", "benefit_payment", str(p.id), claim.region)
    return await w.respond(201, _subsidy_out(p, standard, standard.clause, "R19", decision_id))


@router.post(
    "/claims/{claim_id}/funeral-subsidy",
    status_code=201,
    response_model=FuneralChoiceOut,
    summary="丧葬补助金: 遗属的选择 (SIL49)",
    description=(
        "For a person who died while drawing benefits on or after 2011-07-01: the survivors' choice between the "
        "funeral subsidies of unemployment, basic pension and work-injury insurance, of which they may take only "
        "one (SIL49 ¶2). Choosing `unemployment_insurance` pays the region's funeral subsidy in force on the day "
        "of death (parameter `funeral_subsidy`), once; choosing another fund records the choice and this fund "
        "pays none. The survivors' pension is paid with the stop either way. Recorded once: a second request is "
        "409 `funeral_subsidy_decided`. For a death before 2011-07-01 the subsidy was paid with the stop (R19): "
        "409 `funeral_subsidy_paid_with_the_stop`. Role `social_insurance` of the claim's region."
    ),
    responses={
        409: problem_doc("已记录遗属的选择, 或死亡在 2011-07-01 前 (funeral_subsidy_decided, ...)"),
        422: problem_doc("理赔未因死亡终止 (claim_not_ended_by_death)"),
    },
)
async def funeral_subsidy(claim_id: ClaimId, body: FuneralChoiceIn, w: Annotated[Write, Depends(_insurance)]):
    claim = await claims.claim_for(w.session, w.principal, claim_id, lock=True)
    w.principal.ensure_writable(claim.region, field="path.claim_id")
    paid_on = body.paid_on or dt.date.today()
    if paid_on > dt.date.today():
        raise Unprocessable("invalid_subsidy", "paid today or earlier", field="body.paid_on")
    choice, decision_id, paid = await service.funeral_subsidy(w.session, claim, body.chosen, paid_on, w.principal.sub)
    payment = None
    if paid is not None:
        p, standard, paid_id = paid
        (parameter,) = standard.parameters
        payment = _subsidy_out(p, parameter, choice.clause, choice.clause, paid_id)
        w.audit("subsidy.funeral", "benefit_payment", str(p.id), claim.region)
    else:
        w.audit("subsidy.funeral_elsewhere", "claim", str(claim.id), claim.region)
    assert claim.stopped_on is not None
    return await w.respond(
        201,
        FuneralChoiceOut(
            claim_id=claim.id,
            death=claim.stopped_on,
            chosen=body.chosen,
            paid_here=choice.pays,
            clause=choice.clause,
            explanation=choice.explanation,
            explanation_zh=choice.explanation_zh,
            decision_id=decision_id,
            payment=payment,
        ),
    )


def _subsidy_out(
    p: BenefitPayment, standard: ParameterValue, standard_clause: str, clause: str, decision_id: int
) -> SubsidyOut:
    return SubsidyOut(
        id=p.id,
        claim_id=p.claim_id,
        kind=p.kind,
        amount=p.amount,
        month=p.month,
        paid_on=p.paid_on,
        standard=StandardOut(
            name=standard.name, value=standard.value, valid_from=standard.valid_from, clause=standard_clause
        ),
        clause=clause,
        decision_id=decision_id,
    )
