import datetime as dt
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from insurance_shared import (
    Forbidden,
    NotFound,
    Principal,
    RegionCode,
    Role,
    Session,
    Unprocessable,
    Write,
    ensure_document,
    problem_doc,
    record_look,
    require_roles,
    writer,
)
from insurance_shared.events import wait_until_caught_up

from . import records, repository, service
from .models import Claim, Referral
from .schemas import (
    CheckIn,
    ClaimOut,
    DecisionOut,
    ReferralIn,
    ReferralOut,
    ReferralOutcomeIn,
    RegistrationIn,
    RejectIn,
    StopIn,
    VerificationRequestIn,
    VerifyIn,
)

router = APIRouter(tags=["claims"])
ClaimId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_employment = writer(Role.EMPLOYMENT_SERVICE)
_insurance = writer(Role.SOCIAL_INSURANCE)
_officers = writer(Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE)
_community = writer(Role.COMMUNITY)
_readers = require_roles(Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE, Role.PROVINCE, Role.SERVICE)
_transition = {409: problem_doc("状态不允许 (invalid_transition, 含 current_state)")}


def _decision_out(raw: str) -> DecisionOut:
    d = json.loads(raw)
    return DecisionOut(
        eligible=d["eligible"],
        months_counted=d["months_counted"],
        entitled_months=d["entitled_months"],
        carried_over=d["carried_over"],
        total_months=d["total_months"],
        monthly_amount=d["monthly_amount_fen"],
        criteria=d["criteria"],
    )


def claim_out(c: Claim) -> ClaimOut:
    return ClaimOut(
        id=c.id,
        id_number=c.id_number,
        name=c.name,
        region=c.region,
        registered_on=c.registered_on,
        state=c.state,
        eligible=c.eligible,
        total_months=c.total_months,
        monthly_amount=c.monthly_amount,
        entitlement_end=c.entitlement_end,
        community=c.community,
        certificate_no=c.certificate_no,
        certificate_document_id=c.certificate_document_id,
        stopped_on=c.stopped_on,
        stop_reason=c.stop_reason,
        stop_evidence=c.stop_evidence,
        months_left=c.months_left,
        decision=_decision_out(c.decision),
        decision_id=c.last_decision_id,
    )


@router.post(
    "/eligibility/check",
    response_model=DecisionOut,
    summary="资格试算 (不写入)",
    responses={404: problem_doc("本地区不掌握此人 (person_not_found): 与查无此人的回答相同")},
)
async def check(body: CheckIn, session: Session, principal: Annotated[Principal, Depends(_readers)]) -> DecisionOut:
    if not principal.can_read(body.region):
        raise Forbidden("region_forbidden", f"a token of region {principal.region} may not check region {body.region}")
    decision, _ = await service.evaluate(
        session, principal, body.id_number, body.region, body.on or dt.date.today(), body.job_seeking
    )
    out = _decision_out(service.decision_json(decision))
    await record_look(
        session,
        principal,
        "claims.eligibility.check",
        object=("person", body.id_number),
        region=body.region,
        person=body.id_number,
    )
    return out


def fresh_history(*roles: Role):
    """A stored decision waits until the contribution history has caught up with contributions (a dependency
    resolved before the request's transaction begins, so the consumer can write meanwhile, SQLite's one writer
    included; after the caller's token is checked, so nobody unauthenticated makes claims call a peer)."""

    async def dependency(request: Request, _: Annotated[Principal, Depends(require_roles(*roles))]) -> None:
        await wait_until_caught_up(
            request, "contributions", wait_seconds=request.app.state.settings.history_wait_seconds
        )

    return dependency


_fresh_history = fresh_history(Role.EMPLOYMENT_SERVICE)


_history_doc = {
    503: problem_doc("缴费记录尚未同步到最新 (history_catching_up, 带 Retry-After): 未作判定, 未写入任何数据, 稍后重试")
}


@router.post(
    "/claims",
    status_code=201,
    response_model=ClaimOut,
    summary="失业登记并作出资格判定",
    responses={
        404: problem_doc("本地区不掌握此人 (person_not_found): 与查无此人的回答相同"),
        409: problem_doc("已有未结束的申领 (claim_active)"),
        **_history_doc,
    },
)
async def register(
    body: RegistrationIn,
    _fresh: Annotated[None, Depends(_fresh_history)],
    w: Annotated[Write, Depends(_employment)],
):
    claim = await service.register(
        w.session,
        w.principal,
        id_number=body.id_number,
        name=body.name,
        region=body.region,
        registered_on=body.registered_on,
        job_seeking=body.job_seeking,
        today=dt.date.today(),
        community=body.community,
    )
    w.audit("claim.registered", "claim", str(claim.id), claim.region)
    if claim.state == "verification_requested":
        w.audit("claim.verification_requested", "claim", str(claim.id), claim.region)
    return await w.respond(201, claim_out(claim), location=f"/claims/{claim.id}")


class RedecisionOut(BaseModel):
    """重新判定: 按登记之日适用的规则 (现行解释) 重新作出的判定, 与原判定并存."""

    claim: ClaimOut
    outcome: Literal["now_eligible", "more_months", "unchanged", "kept_pending_review"] = Field(
        description=(
            "now_eligible: 原不符合条件, 现符合, 申领继续 (待核实); more_months: 期限延长; unchanged: 结果不变; "
            "kept_pending_review: 新判定不如原判定有利, 原判定继续有效, 需另行作出决定"
        )
    )
    decision_id: int
    replaces: int | None
    decision: DecisionOut
    previous: DecisionOut | None


@router.post(
    "/claims/{claim_id}/redecide",
    response_model=RedecisionOut,
    summary="按更正后的规则重新判定 (保留原判定)",
    description=(
        "Decides the claim again on today's contribution history under the rules in force on its registration "
        "date, as this release reads them (#19 corrected the counting of months), and keeps the new decision beside "
        "the old. A refused claim that is now eligible proceeds (state `registered`, then verification); a less "
        "favourable result changes nothing by itself. Roles: `employment_service` of the claim's region, or "
        "`province`."
    ),
    responses={**_history_doc, 409: problem_doc("申领状态不允许 (claim_not_refused)")},
)
async def redecide(
    claim_id: ClaimId,
    _fresh: Annotated[None, Depends(fresh_history(Role.EMPLOYMENT_SERVICE, Role.PROVINCE))],
    w: Annotated[Write, Depends(writer(Role.EMPLOYMENT_SERVICE, Role.PROVINCE))],
):
    claim = await service.claim_for(w.session, w.principal, claim_id, lock=True)
    result = await service.redecide(w.session, w.principal, claim)
    w.audit(f"claim.redecided.{result.outcome}", "claim", str(claim.id), claim.region)
    return await w.respond(
        200,
        RedecisionOut(
            claim=claim_out(claim),
            outcome=result.outcome,  # type: ignore[arg-type]
            decision_id=result.decision.id,
            replaces=result.previous.id if result.previous else None,
            decision=_decision_out(result.decision.decision),
            previous=_decision_out(result.previous.decision) if result.previous else None,
        ),
    )


@router.get("/claims/{claim_id}", response_model=ClaimOut, summary="查询申领")
async def get_claim(
    claim_id: ClaimId,
    session: Session,
    principal: Annotated[
        Principal,
        Depends(
            require_roles(Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE, Role.PROVINCE, Role.SERVICE, Role.COMMUNITY)
        ),
    ],
) -> ClaimOut:
    claim = await service.claim_for(session, principal, claim_id)
    if (
        Role.COMMUNITY in principal.roles
        and not (principal.roles - {Role.COMMUNITY})
        and claim.community != principal.sub
    ):
        raise NotFound("claim", str(claim_id))
    out = claim_out(claim)
    await record_look(
        session,
        principal,
        "claims.claim.read",
        object=("claim", claim.id),
        region=claim.region,
        person=claim.id_number,
    )
    return out


ClaimState = Literal[
    "registered",
    "verification_requested",
    "active",
    "suspended",
    "stopped",
    "exhausted",
    "ineligible",
    "verification_rejected",
]


@router.get("/claims", response_model=list[ClaimOut], summary="按地区、状态列出申领")
async def list_claims(
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
    region: Annotated[RegionCode | None, Query()] = None,
    state: Annotated[ClaimState | None, Query()] = None,
    cursor: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ClaimOut]:
    region = region or principal.region
    if not principal.can_read(region):
        raise Forbidden("region_forbidden", f"a token of region {principal.region} may not list region {region}")
    claims = await repository.claims_of_region(session, region, state, cursor, limit)
    out = [claim_out(c) for c in claims]
    await record_look(
        session,
        principal,
        "claims.claims.list",
        object=("claims", region),
        region=region,
        people=len({c.id_number for c in claims}),
    )
    return out


@router.post(
    "/claims/{claim_id}/verification-request",
    response_model=ClaimOut,
    summary="请街道社区核实 (N§5 ¶2)",
    responses=_transition,
)
async def request_verification(
    claim_id: ClaimId, body: VerificationRequestIn, w: Annotated[Write, Depends(_employment)]
):
    claim = await service.claim_for(w.session, w.principal, claim_id, lock=True)
    w.principal.ensure_writable(claim.region, field="path.claim_id")
    service.transition(claim, ("registered",), "verification_requested")
    claim.state, claim.community = "verification_requested", body.community
    w.audit("claim.verification_requested", "claim", str(claim.id), claim.region)
    return await w.respond(200, claim_out(claim))


async def _community_claim(w: Write, claim_id: int) -> Claim:
    claim = await service.claim_for(w.session, w.principal, claim_id, lock=True)
    if claim.community != w.principal.sub:  # only the institution asked may answer; others do not see the claim
        raise NotFound("claim", str(claim_id))
    # and only for its own region: a province token that also holds the community role reads every region but
    # writes none but its own (the guard every other write has)
    w.principal.ensure_writable(claim.region, field="path.claim_id")
    return claim


@router.post(
    "/claims/{claim_id}/verify",
    response_model=ClaimOut,
    summary="社区核实通过, 出具证明 (开始发放)",
    responses=_transition,
)
async def verify(claim_id: ClaimId, body: VerifyIn, w: Annotated[Write, Depends(_community)]):
    claim = await _community_claim(w, claim_id)
    if body.certificate_document_id is not None:
        await ensure_document(w.session, claim.region, body.certificate_document_id, "body.certificate_document_id")
    await service.approve(w.session, claim, body.certificate_no, body.certificate_document_id)
    w.audit("claim.verified", "claim", str(claim.id), claim.region)
    return await w.respond(200, claim_out(claim))


@router.post("/claims/{claim_id}/reject", response_model=ClaimOut, summary="社区核实不通过", responses=_transition)
async def reject(claim_id: ClaimId, body: RejectIn, w: Annotated[Write, Depends(_community)]):
    claim = await _community_claim(w, claim_id)
    await service.reject(w.session, claim, body.reason, dt.date.today())
    w.audit("claim.verification_rejected", "claim", str(claim.id), claim.region)
    return await w.respond(200, claim_out(claim))


@router.post("/claims/{claim_id}/stops", response_model=ClaimOut, summary="停发 (R15, N§5)", responses=_transition)
async def stop(claim_id: ClaimId, body: StopIn, w: Annotated[Write, Depends(_officers)]):
    claim = await service.claim_for(w.session, w.principal, claim_id, lock=True)
    w.principal.ensure_writable(claim.region, field="path.claim_id")
    today = dt.date.today()
    if body.effective_date > today:
        raise Unprocessable("date_in_future", "a stop takes effect today or earlier", field="body.effective_date")
    if body.reason == "reemployed_flexible_agreement" and (
        body.agreement_end is None or body.agreement_end < body.effective_date
    ):
        raise Unprocessable(
            "agreement_expired",
            "a flexible-employment agreement counts while unexpired: give its end date",
            field="body.agreement_end",
        )
    if body.document_id is not None:
        await ensure_document(w.session, claim.region, body.document_id, "body.document_id")
    await service.stop(
        w.session,
        claim,
        body.reason,
        body.effective_date,
        today,
        decided_by=w.principal.sub,
        documents=(body.document_id,),
    )
    w.audit(f"claim.stopped.{body.reason}", "claim", str(claim.id), claim.region)
    return await w.respond(200, claim_out(claim))


@router.post("/claims/{claim_id}/referrals", status_code=201, response_model=ReferralOut, summary="介绍就业 (N§5 ¶2)")
async def refer(claim_id: ClaimId, body: ReferralIn, w: Annotated[Write, Depends(_employment)]):
    claim = await service.claim_for(w.session, w.principal, claim_id)
    w.principal.ensure_writable(claim.region, field="path.claim_id")
    if claim.state != "active":
        raise Unprocessable(
            "claim_not_active",
            f"claim {claim.id} is {claim.state}; referrals are for active claims",
            field="path.claim_id",
        )
    if body.referred_on > dt.date.today():
        raise Unprocessable("date_in_future", "a referral is recorded once made", field="body.referred_on")
    r = Referral(claim_id=claim.id, employer=body.employer, job=body.job, referred_on=body.referred_on)
    w.session.add(r)
    await w.session.flush()
    w.audit("referral.made", "referral", str(r.id), claim.region)
    return await w.respond(
        201,
        ReferralOut(
            id=r.id, claim_id=claim.id, employer=r.employer, job=r.job, referred_on=r.referred_on, outcome=None
        ),
    )


@router.post(
    "/referrals/{referral_id}/outcome", response_model=ReferralOut, summary="介绍就业结果; 第二次无正当理由拒绝则停发"
)
async def referral_outcome(
    referral_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: ReferralOutcomeIn,
    w: Annotated[Write, Depends(_employment)],
):
    r = await repository.referral(w.session, referral_id)
    if r is None:
        raise NotFound("referral", str(referral_id))
    claim = await service.claim_for(w.session, w.principal, r.claim_id, lock=True)
    w.principal.ensure_writable(claim.region, field="path.referral_id")
    stop_id = await service.record_referral_outcome(
        w.session, r, claim, body.outcome, body.reason, dt.date.today(), body.answered_on
    )
    w.audit(f"referral.{body.outcome}", "referral", str(r.id), claim.region)
    if stop_id is not None:
        w.audit("claim.stopped.refused_jobs", "claim", str(claim.id), claim.region)
    return await w.respond(
        200,
        ReferralOut(
            id=r.id,
            claim_id=claim.id,
            employer=r.employer,
            job=r.job,
            referred_on=r.referred_on,
            outcome=r.outcome,
            claim_stopped=stop_id is not None,
            decision_id=stop_id,
        ),
    )


@router.post(
    "/claims/{claim_id}/suspend", response_model=ClaimOut, summary="暂停发放 (如未按时报到)", responses=_transition
)
async def suspend(claim_id: ClaimId, body: RejectIn, w: Annotated[Write, Depends(_officers)]):
    claim = await service.claim_for(w.session, w.principal, claim_id, lock=True)
    w.principal.ensure_writable(claim.region, field="path.claim_id")
    service.transition(claim, ("active",), "suspended")
    claim.state, claim.verification_note = "suspended", body.reason
    await records.suspension(w.session, claim, body.reason, w.principal.sub, dt.date.today())
    w.audit("claim.suspended", "claim", str(claim.id), claim.region)
    return await w.respond(200, claim_out(claim))


@router.post("/claims/{claim_id}/resume", response_model=ClaimOut, summary="恢复发放", responses=_transition)
async def resume(claim_id: ClaimId, w: Annotated[Write, Depends(_officers)]):
    claim = await service.claim_for(w.session, w.principal, claim_id, lock=True)
    w.principal.ensure_writable(claim.region, field="path.claim_id")
    service.transition(claim, ("suspended",), "active")
    claim.state = "active"
    await records.lifted(w.session, claim, w.principal.sub, dt.date.today())
    w.audit("claim.resumed", "claim", str(claim.id), claim.region)
    return await w.respond(200, claim_out(claim))
