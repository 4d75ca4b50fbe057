"""Separations, registration with its decision, the claim's lifecycle, stops, referrals and one-off payments
(policy.md Claims; R14-R19; N§3(2)(3), N§5)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    PROVINCE,
    Conflict,
    NotFound,
    Principal,
    Problem,
    Role,
    Unprocessable,
    criterion_dict,
    ensure_transition,
    parameter_values,
    person_key,
    publish,
)
from insurance_shared.contracts import (
    ClaimApproved,
    ClaimClosed,
    ClaimRedecided,
    ClaimRegistered,
    ClaimStopped,
)
from insurance_shared.events import emit

from ..history.messages import FlexibleWorkSeen, ReemploymentSeen
from ..rules.eligibility import (
    Decision,
    Job,
    PaidMonth,
    decide,
    default_values,
    in_flexible_employment,
    insured_region,
    parameters_on,
    unemployment_on,
)
from ..rules.eligibility import Separation as SeparationFiled
from ..rules.payments import entitlement_end, whole_months_left
from ..rules.stops import FlexibleSpell, first_stop, flexible_stop, reemployed_by
from . import person_record, records
from .messages import ClaimStoppedFor
from .models import OPEN_STATES, Claim, ClaimDecision, Referral
from .person_record import PersonRecord

STOP_REASONS = (
    "reemployed_business_licence",  # 工商营业执照
    "reemployed_flexible_agreement",  # 灵活就业协议
    "reemployed_other_income",  # 其他稳定收入
    "reemployed_contribution",  # a new contribution record (automatic)
    "conscription",
    "emigration",
    "pension",
    "imprisonment",
    "death",
    "refused_jobs",  # second unjustified refusal (automatic)
)


# The statements of a registration, built once with bind parameters: building a statement and its cache key on
# every call was about a tenth of a registration's CPU (profiled). What a decision reads is person_record's.
_CLAIM = select(Claim).where(Claim.id == bindparam("claim_id"))
_CLAIM_LOCKED = _CLAIM.with_for_update()
_OPEN_CLAIM = select(Claim.id).where(Claim.person_key == bindparam("person_key"), Claim.state.in_(OPEN_STATES))


async def _no_open_claim(session: AsyncSession, key: str, but: int | None = None) -> None:
    """Refuse when the person has an open claim (other than ``but``): one claim at a time."""
    for (claim_id,) in await session.execute(_OPEN_CLAIM, {"person_key": key}):
        if claim_id != but:
            raise Conflict(
                "claim_active", f"this person already has an open claim ({claim_id})", extra={"claim_id": claim_id}
            )


async def _add_claim(session: AsyncSession, claim: Claim) -> None:
    """Write a new claim. The check before it cannot see a claim of the same person being written on another
    connection at the same moment; the database's unique index on open claims can, and the loser is told which
    claim won, as if it had come second (the claim is added in a savepoint, so the transaction stays usable)."""
    try:
        async with session.begin_nested():
            session.add(claim)
            await session.flush()
    except IntegrityError as exc:
        if "uq_claims_open_person" not in str(exc.orig) and "claims.person_key" not in str(exc.orig):
            raise
        await _no_open_claim(session, claim.person_key)
        raise  # the winner is no longer open (closed at once): the generic 409 written_concurrently


async def reopen(session: AsyncSession, claim: Claim, state: str) -> None:
    """Move a claim that is not open (refused, stopped, rejected) into an open state: only while the person has no
    other open claim (they may have registered again meanwhile). A registration racing this at the same moment is
    refused by the database's unique index (409 written_concurrently)."""
    await _no_open_claim(session, claim.person_key, but=claim.id)
    claim.state = state


@dataclasses.dataclass(frozen=True, slots=True)
class Inputs:
    months: list[PaidMonth]
    ended_unit: str | None
    separation_reason: str | None
    unemployed_from: dt.date
    restart_after: dt.date | None
    carried_over: int
    in_flexible_employment: bool
    insured_region: str | None  # 参保地: the pooling region of the last insured job
    reemployed_by: FlexibleSpell | None = None  # a licence or an unexpired agreement on the day (R15; N§5)


def person_not_found() -> Problem:
    """The one answer for a person this caller may not see, whether unknown everywhere or known only to another
    region: the body must not differ, or the difference itself tells another region's agency that the person
    exists (Claims 5: it learns nothing of the person's history)."""
    return Problem(
        404,
        "person_not_found",
        "Not found",
        "no contribution record, employment or separation of this person is known to this region",
    )


async def gather_inputs(session: AsyncSession, id_number: str, registered_on: dt.date) -> tuple[Inputs, PersonRecord]:
    record = await person_record.read(session, person_key(id_number), registered_on)
    employments = record.employments
    jobs = [Job(e.unit, e.track, e.start, e.end, e.reason) for e in employments]
    separation = record.separation
    filed = SeparationFiled(separation.unit, separation.date, separation.reason) if separation is not None else None
    unemployment = unemployment_on(jobs, filed, registered_on)
    reason, ended_unit, unemployed_from = unemployment.reason, unemployment.ended_unit, unemployment.since
    ended = [e for e in employments if e.end is not None and e.end <= registered_on and e.track == "unit"]
    last = max(ended, key=lambda e: e.end) if ended else None  # type: ignore[arg-type, return-value]
    fallback = (
        separation.region
        if separation is not None and separation.unit == ended_unit
        else (last.region if last is not None else (employments[-1].region if employments else None))
    )
    previous = record.previous
    inputs = Inputs(
        record.months,
        ended_unit,
        reason,
        unemployed_from,
        previous[0] if previous else None,
        previous[1] if previous else 0,
        in_flexible_employment(jobs, registered_on),
        insured_region(record.months, ended_unit, fallback),
        reemployed_by(record.spells, registered_on),
    )
    return inputs, record


def decision_json(decision: Decision) -> str:
    return json.dumps(
        {
            "eligible": decision.eligible,
            "months_counted": decision.months_counted,
            "entitled_months": decision.entitled_months,
            "carried_over": decision.carried_over,
            "total_months": decision.total_months,
            "monthly_amount_fen": decision.monthly_amount,
            "criteria": [criterion_dict(c) for c in decision.criteria],
        },
        ensure_ascii=False,
        default=str,
    )


async def evaluate(
    session: AsyncSession,
    principal: Principal,
    id_number: str,
    region: str,
    registered_on: dt.date,
    job_seeking: bool,
) -> tuple[Decision, Inputs]:
    """Decide for ``region`` on ``registered_on``. A claim belongs to the pooling region of the last insured job
    (参保地): a city's agency learns nothing of a person insured elsewhere (the same 404 as for nobody); the
    province, which may see everyone, is told which region the claim belongs to."""
    inputs, record = await gather_inputs(session, id_number, registered_on)
    if not record.known:
        raise person_not_found()
    home = inputs.insured_region
    if not principal.reads_all_regions and home != principal.region:
        raise person_not_found()
    if home is not None and home != region:
        raise Unprocessable(
            "not_insured_region",
            f"the person's last insured job was in region {home}: the claim is registered and decided there",
            field="body.region",
        )
    try:
        values = await parameter_values(session, default_values(), rows=record.parameters_set)
        params = parameters_on(values, region, registered_on)
    except LookupError as exc:
        raise Unprocessable("no_parameters", str(exc), field="body.registered_on") from None
    decision = decide(
        months=inputs.months,
        ended_unit=inputs.ended_unit,
        separation_reason=inputs.separation_reason,
        unemployed_from=inputs.unemployed_from,
        region=region,
        job_seeking=job_seeking,
        restart_after=inputs.restart_after,
        carried_over=inputs.carried_over,
        params=params,
        on=registered_on,
    )
    return decision, inputs


async def register(
    session: AsyncSession,
    principal: Principal,
    *,
    id_number: str,
    name: str,
    region: str,
    registered_on: dt.date,
    job_seeking: bool,
    today: dt.date,
    community: str | None = None,
) -> Claim:
    """Register and decide; an eligible claim goes to ``community`` for verification at once when one is named
    (N§5 ¶2: the office registers and asks the street/community institution to verify)."""
    principal.ensure_writable(region)
    if registered_on > today:
        raise Unprocessable("date_in_future", "a registration is dated today or earlier", field="body.registered_on")
    await _no_open_claim(session, person_key(id_number))
    decision, inputs = await evaluate(session, principal, id_number, region, registered_on, job_seeking)
    if inputs.reemployed_by is not None:
        raise Unprocessable(
            "reemployed_flexible",
            f"on {registered_on} the person is re-employed through {inputs.reemployed_by.evidence}: not registered "
            "as unemployed",
            field="body.id_number",
        )
    if inputs.in_flexible_employment:
        raise Unprocessable(
            "flexible_worker_in_employment",
            "a merged-track flexible worker in flexible employment is not registered as unemployed (N§3(2))",
            field="body.id_number",
        )
    claim = Claim(
        person_key=person_key(id_number),
        id_number=id_number,
        name=name,
        region=region,
        registered_on=registered_on,
        job_seeking=job_seeking,
        separation_reason=inputs.separation_reason,
        ended_unit=inputs.ended_unit,
        state=("verification_requested" if community else "registered") if decision.eligible else "ineligible",
        community=community if decision.eligible else None,
        eligible=decision.eligible,
        decision=decision_json(decision),
        months_counted=decision.months_counted,
        total_months=decision.total_months,
        carried_over=decision.carried_over if decision.eligible else 0,
        monthly_amount=decision.monthly_amount,
        entitlement_end=entitlement_end(registered_on, decision.total_months) if decision.eligible else None,
        months_left=0,
    )
    await _add_claim(session, claim)
    await records.registration(session, claim, decision)
    session.add(
        ClaimDecision(
            claim_id=claim.id,
            eligible=claim.eligible,
            total_months=claim.total_months,
            decision=claim.decision,
            decided_by="system",
            reason="registration",
        )
    )
    await emit(
        session,
        ClaimRegistered(
            claim_id=claim.id,
            person=claim.person_key,
            region=region,
            registered_on=registered_on,
            separation_date=inputs.unemployed_from,
            eligible=decision.eligible,
        ),
        subject=claim.person_key,
        region=region,
    )
    return claim


@dataclasses.dataclass(frozen=True, slots=True)
class Redecision:
    claim: Claim
    decision: ClaimDecision
    previous: ClaimDecision | None
    outcome: str  # now_eligible | more_months | unchanged | kept_pending_review


async def redecide(session: AsyncSession, principal: Principal, claim: Claim) -> Redecision:
    """Decide ``claim`` again on today's history under the rules in force on its registration date (as this build
    reads them), and keep the new decision beside the old. A refused claim that is now eligible proceeds as a new
    registration would; an open claim whose duration grows gets the longer period. A decision less favourable than
    the one the claim runs on changes nothing by itself (withdrawing a benefit is a decision of its own, with its
    reasons): it is recorded and reported as ``kept_pending_review``."""
    if not (claim.region == principal.region or (Role.PROVINCE in principal.roles and principal.region == PROVINCE)):
        principal.ensure_writable(claim.region, field="path.claim_id")  # the claim's region or the province
    previous = (
        await session.execute(
            select(ClaimDecision).where(ClaimDecision.claim_id == claim.id).order_by(ClaimDecision.id.desc()).limit(1)
        )
    ).scalar_one_or_none()
    decision, inputs = await evaluate(
        session, principal, claim.id_number, claim.region, claim.registered_on, claim.job_seeking
    )
    was_eligible = claim.eligible
    outcome = "unchanged"
    if decision.eligible and not was_eligible:
        if claim.state != "ineligible":
            raise Conflict("claim_not_refused", f"claim {claim.id} is {claim.state}: only a refused claim proceeds")
        outcome = "now_eligible"
        await reopen(session, claim, "registered")
        claim.eligible = True
        claim.separation_reason, claim.ended_unit = inputs.separation_reason, inputs.ended_unit
    elif decision.eligible and decision.total_months > claim.total_months and claim.state in OPEN_STATES:
        outcome = "more_months"
    elif was_eligible and (not decision.eligible or decision.total_months < claim.total_months):
        outcome = "kept_pending_review"
    if outcome in ("now_eligible", "more_months"):
        claim.decision = decision_json(decision)
        claim.months_counted, claim.total_months = decision.months_counted, decision.total_months
        claim.carried_over, claim.monthly_amount = decision.carried_over, decision.monthly_amount
        claim.entitlement_end = entitlement_end(claim.registered_on, decision.total_months)
    await records.registration(session, claim, decision, redecided_by=principal.sub)
    record = ClaimDecision(
        claim_id=claim.id,
        eligible=decision.eligible,
        total_months=decision.total_months,
        decision=decision_json(decision),
        decided_by=principal.sub,
        reason="redecision",
        replaces=previous.id if previous else None,
    )
    session.add(record)
    await session.flush()
    await emit(
        session,
        ClaimRedecided(
            claim_id=claim.id,
            person=claim.person_key,
            region=claim.region,
            registered_on=claim.registered_on,
            eligible=decision.eligible,
            was_eligible=was_eligible,
            total_months=decision.total_months,
            proceeds=outcome == "now_eligible",
        ),
        subject=claim.person_key,
        region=claim.region,
    )
    return Redecision(claim, record, previous, outcome)


async def claim_for(session: AsyncSession, principal: Principal, claim_id: int, *, lock: bool = False) -> Claim:
    claim = (await session.execute(_CLAIM_LOCKED if lock else _CLAIM, {"claim_id": claim_id})).scalar_one_or_none()
    if claim is None or not principal.can_read(claim.region):
        raise NotFound("claim", str(claim_id))
    return claim


def transition(claim: Claim, allowed: tuple[str, ...], to: str) -> None:
    ensure_transition("claim", claim.id, claim.state, allowed, to)


async def approve(
    session: AsyncSession, claim: Claim, certificate_no: str, certificate_document_id: str | None = None
) -> None:
    transition(claim, ("verification_requested",), "active")
    claim.state, claim.certificate_no = "active", certificate_no
    claim.certificate_document_id = certificate_document_id
    await session.flush()
    await emit(
        session,
        ClaimApproved(
            claim_id=claim.id,
            person=claim.person_key,
            region=claim.region,
            certificate_no=certificate_no,
            monthly_amount_fen=claim.monthly_amount,
            total_months=claim.total_months,
            entitlement_end=claim.entitlement_end,  # type: ignore[arg-type]
        ),
        subject=claim.person_key,
        region=claim.region,
    )


async def reject(session: AsyncSession, claim: Claim, reason: str, today: dt.date) -> None:
    """The community did not verify the claim (N§5 ¶2): it never reaches the roll, and drew nothing, so it is no
    restart point for a later claim (Claims 5)."""
    transition(claim, ("verification_requested",), "verification_rejected")
    claim.state, claim.verification_note = "verification_rejected", reason
    await records.rejection(session, claim, reason, claim.community or "community", today)
    await session.flush()
    await announce_closed(session, claim, "verification_rejected", today)


async def announce_closed(session: AsyncSession, claim: Claim, state: str, effective: dt.date) -> None:
    """The claim left the roll other than by a stop (exhausted, rejected at verification), from ``effective``."""
    await emit(
        session,
        ClaimClosed(
            claim_id=claim.id, person=claim.person_key, region=claim.region, state=state, effective_date=effective
        ),
        subject=claim.person_key,
        region=claim.region,
    )


async def stop(
    session: AsyncSession,
    claim: Claim,
    reason: str,
    effective: dt.date,
    today: dt.date,
    evidence: str | None = None,
    *,
    decided_by: str,
    **facts: Any,
) -> int:
    """Stop a claim from ``effective``: nothing is paid on or after it; whole months left are kept (R17).
    ``evidence`` names the document the stop rests on, with its clause. Returns the stop's decision record:
    ``decided_by`` an officer's sub, or ``system`` with the ``rule`` that stopped it; ``facts`` the record's
    criteria, documents and references (records.stop)."""
    transition(claim, OPEN_STATES, "stopped")
    if effective < claim.registered_on:
        effective = claim.registered_on
    claim.state, claim.stopped_on, claim.stop_reason = "stopped", effective, reason
    claim.stop_evidence = evidence
    end = claim.entitlement_end or effective
    claim.months_left = whole_months_left(effective, end) if effective < end else 0
    record_id = await records.stop(session, claim, reason, effective, evidence=evidence, decided_by=decided_by, **facts)
    await session.flush()
    await emit(
        session,
        ClaimStopped(
            claim_id=claim.id,
            person=claim.person_key,
            region=claim.region,
            reason=reason,
            effective_date=effective,
            evidence=evidence,
        ),
        subject=claim.person_key,
        region=claim.region,
    )
    # what follows a stop beyond the claim (R19: a death's funeral subsidy and survivors' pension) is the
    # subsidies feature's: handled before this transaction commits
    publish(session, ClaimStoppedFor(claim.id, reason, effective, today))
    return record_id


async def record_referral_outcome(
    session: AsyncSession,
    referral: Referral,
    claim: Claim,
    outcome: str,
    reason: str | None,
    today: dt.date,
    answered_on: dt.date | None = None,
) -> int | None:
    """Record the outcome, answered on ``answered_on`` (default today); the second unjustified refusal stops the
    benefits from the day of that refusal (N§5 ¶2). Returns the stop's decision record, if it stopped them."""
    if referral.outcome is not None:
        raise Conflict("referral_decided", f"referral {referral.id} already has the outcome {referral.outcome}")
    answered_on = answered_on or today
    if answered_on < referral.referred_on:
        raise Unprocessable(
            "before_referral",
            f"the job was introduced on {referral.referred_on}: it is answered then or later",
            field="body.answered_on",
        )
    referral.outcome, referral.reason, referral.decided_on = outcome, reason, answered_on
    await session.flush()
    if outcome != "refused_unjustified":
        return None
    limit = parameters_on(await parameter_values(session, default_values()), claim.region, answered_on)[
        "unjustified_refusals_to_stop"
    ]
    refused = list(
        (
            await session.execute(
                select(Referral.id)
                .where(Referral.claim_id == claim.id, Referral.outcome == "refused_unjustified")
                .order_by(Referral.id)
            )
        ).scalars()
    )
    if len(refused) >= int(limit.value) and claim.state in OPEN_STATES:
        return await stop(
            session,
            claim,
            "refused_jobs",
            answered_on,
            today,
            decided_by=records.SYSTEM,
            rule="unjustified_refusals_to_stop (N§5 ¶2)",
            criteria=(records.refusals_criterion(len(refused), limit, refused),),
            references={"referral_id": referral.id},
        )
    return None


async def stop_on_reemployment(session: AsyncSession, seen: ReemploymentSeen) -> None:
    """The history saw people work again (R15): each open claim stops from the earliest day its person's evidence
    shows re-employment (rules.stops). Few of the people seen have an open claim: looked up together, locked."""
    evidence: dict[str, list[tuple[str, dt.date]]] = {}
    for key, kind, on in seen.evidence:
        evidence.setdefault(key, []).append((kind, on))
    people = sorted(evidence)
    for i in range(0, len(people), 500):
        claims = (
            await session.execute(
                select(Claim)
                .where(Claim.person_key.in_(people[i : i + 500]), Claim.state.in_(OPEN_STATES))
                .order_by(Claim.id)
                .with_for_update()
            )
        ).scalars()
        for claim in claims:
            day = first_stop(evidence[claim.person_key], claim.registered_on)
            if day is not None and claim.state in OPEN_STATES:
                kinds = sorted({k for k, on in evidence[claim.person_key] if on == day})
                await stop(
                    session,
                    claim,
                    "reemployed_contribution",
                    day,
                    dt.date.today(),
                    decided_by=records.SYSTEM,
                    rule="claims.rules.stops.first_stop",
                    references={"evidence": ", ".join(kinds), "evidence_date": day},
                )


async def stop_on_flexible_work(session: AsyncSession, seen: FlexibleWorkSeen) -> None:
    """The real-name register shows people in flexible employment: a business licence or an unexpired agreement is
    re-employment (R15; N§5), and an open claim stops from the spell's start (or its registration, for a spell
    already running then), citing the document."""
    by_person: dict[str, list[FlexibleSpell]] = {}
    for key, _, spell in seen.spells:
        by_person.setdefault(key, []).append(spell)
    claims = (
        await session.execute(
            select(Claim)
            .where(Claim.person_key.in_(sorted(by_person)), Claim.state.in_(OPEN_STATES))
            .order_by(Claim.id)
            .with_for_update()
        )
    ).scalars()
    for claim in claims:
        stops = [(d, s) for s in by_person[claim.person_key] if (d := flexible_stop(s, claim.registered_on))]
        if stops and claim.state in OPEN_STATES:
            day, spell = min(stops, key=lambda x: x[0])
            reason = "reemployed_flexible_agreement" if spell.kind == "agreement" else "reemployed_business_licence"
            await stop(
                session,
                claim,
                reason,
                day,
                dt.date.today(),
                evidence=spell.evidence,
                decided_by=records.SYSTEM,
                rule="claims.rules.stops.flexible_stop",
                documents=(spell.document_id,),
                references={"document_ref": spell.document_ref},
            )
