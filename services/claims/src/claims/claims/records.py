"""The decision records of a claim (#23 item 1; policy.md Claims 11): one per decision made on it — the
registration's eligibility, each re-decision, a verification rejection, a suspension and its lifting, a stop
(by an officer or by a rule), a reinstatement after an appeal — each with its criteria, clause, facts and decider.
The claim keeps the id of its newest record, so every response about it links the decision behind its state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import SYSTEM, Criterion, ParameterValue, latest_decision, record_decision

from ..rules.eligibility import Decision
from ..rules.stops import STOP_REASONS_ZH, stop_clause
from .models import Claim

REGISTRATION_KINDS = ("claim.registration", "claim.redecision")


async def _record(
    session: AsyncSession, claim: Claim, kind: str, outcome: str, clause: str, explanation: str, **facts: Any
) -> int:
    """A decision about ``claim`` (``facts``: record_decision's decided_by, rule, criteria, events, documents,
    references, effective_date, replaces), which becomes the claim's newest."""
    record_id = await record_decision(
        session,
        kind=kind,
        subject=("claim", claim.id),
        region=claim.region,
        person=claim.id_number,
        outcome=outcome,
        clause=clause,
        explanation=explanation,
        **facts,
    )
    claim.last_decision_id = record_id
    return record_id


def _eligibility_text(decision: Decision) -> str:
    if decision.eligible:
        return (
            f"eligible: {decision.months_counted} months counted, benefit for {decision.total_months} months "
            f"at {decision.monthly_amount / 100:.2f} yuan a month"
        )
    unmet = ", ".join(c.name for c in decision.criteria if not c.met)
    return f"not eligible: {unmet} not met"


async def registration(
    session: AsyncSession, claim: Claim, decision: Decision, *, redecided_by: str | None = None
) -> int:
    """The eligibility decision of a registration, or of a re-decision (which replaces the latest one)."""
    replaces = await latest_decision(session, "claim", claim.id, REGISTRATION_KINDS) if redecided_by else None
    return await _record(
        session,
        claim,
        "claim.redecision" if redecided_by else "claim.registration",
        "eligible" if decision.eligible else "ineligible",
        "R14; R17; R18" if claim.registered_on < dt.date(2011, 7, 1) else "SIL45; SIL46; SIL47; R18",
        _eligibility_text(decision),
        decided_by=SYSTEM,
        rule="claims.rules.eligibility.decide",
        criteria=decision.criteria,
        references={"requested_by": redecided_by},
        effective_date=claim.registered_on,
        replaces=replaces,
    )


async def stop(
    session: AsyncSession,
    claim: Claim,
    reason: str,
    effective: dt.date,
    *,
    evidence: str | None,
    criteria: Sequence[Criterion] = (),
    **facts: Any,
) -> int:
    """The stop, its ground first among its criteria (``facts``: who decided, by which rule, on what)."""
    clause = stop_clause(reason, effective)
    ground = Criterion(
        reason,
        True,
        clause,
        f"benefits and all other unemployment-insurance treatment stop from {effective}: {reason.replace('_', ' ')}"
        + (f" ({evidence})" if evidence else ""),
        {"effective_date": effective, "months_left": claim.months_left, "evidence": evidence},
        explanation_zh=f"自{effective}起停止领取失业保险金, 并同时停止享受其他失业保险待遇: {STOP_REASONS_ZH[reason]}"
        + (f" ({evidence})" if evidence else ""),
    )
    return await _record(
        session,
        claim,
        "claim.stop",
        "stopped",
        clause,
        ground.explanation,
        criteria=[ground, *criteria],
        effective_date=effective,
        **facts,
    )


def refusals_criterion(refusals: int, limit: ParameterValue, referral_ids: list[int]) -> Criterion:
    return Criterion(
        "unjustified_refusals",
        refusals >= int(limit.value),
        limit.clause,
        f"{refusals} jobs introduced by the public employment service refused without good reason; the "
        f"{limit.value}th stops the benefits",
        {"refusals": refusals, "referrals": referral_ids},
        (limit,),
        f"无正当理由拒不接受公共就业服务机构介绍的工作{refusals}次; 第{limit.value}次即停止发放",
    )


async def rejection(session: AsyncSession, claim: Claim, reason: str, community: str, on: dt.date) -> int:
    return await _record(
        session,
        claim,
        "claim.verification_rejection",
        "rejected",
        "N§5 ¶2",
        f"the street/community institution did not verify the claim: {reason}",
        decided_by=community,
        criteria=[
            Criterion(
                "verified_by_community",
                False,
                "N§5 ¶2",
                "benefits are paid on the community's verification certificate; it was refused",
                {"reason": reason, "community": community},
                explanation_zh=f"失业保险金凭街道、社区出具的核实证明发放; 核实未通过: {reason}",
            )
        ],
        effective_date=on,
    )


async def suspension(session: AsyncSession, claim: Claim, reason: str, officer: str, on: dt.date) -> int:
    return await _record(
        session,
        claim,
        "claim.suspension",
        "suspended",
        "N§5 ¶2",
        f"payments suspended: {reason}",
        decided_by=officer,
        criteria=[
            Criterion(
                "reports_as_required",
                False,
                "N§5 ¶2",
                f"payments wait until the person reports: {reason}",
                {},
                explanation_zh=f"暂停发放, 待本人按规定报到: {reason}",
            )
        ],
        effective_date=on,
    )


async def lifted(
    session: AsyncSession, claim: Claim, officer: str, on: dt.date, *, appeal_id: int | None = None
) -> int:
    """A suspension ended (by the officer, or because an appeal overturned it): replaces the suspension."""
    return await _record(
        session,
        claim,
        "claim.resumption",
        "active",
        "N§5 ¶2",
        "payments resume" + (f" (appeal {appeal_id} overturned the suspension)" if appeal_id else ""),
        decided_by=officer,
        references={"appeal_id": appeal_id},
        effective_date=on,
        replaces=await latest_decision(session, "claim", claim.id, ("claim.suspension",)),
    )


async def reinstatement(
    session: AsyncSession, claim: Claim, officer: str, on: dt.date, *, appeal_id: int, stop_id: int, back_pay: int
) -> int:
    return await _record(
        session,
        claim,
        "claim.reinstatement",
        claim.state,
        "行政复议法",
        f"appeal {appeal_id} overturned the stop (decision {stop_id}): the claim runs as if never stopped; "
        f"{back_pay / 100:.2f} yuan of missed benefit goes out with the next payment run",
        decided_by=officer,
        references={"appeal_id": appeal_id, "overturned_decision": stop_id, "back_pay_fen": back_pay},
        effective_date=on,
    )


async def reopened(
    session: AsyncSession, claim: Claim, officer: str, on: dt.date, *, appeal_id: int, rejection_id: int
) -> int:
    return await _record(
        session,
        claim,
        "claim.verification_reopened",
        claim.state,
        "N§5 ¶2; 行政复议法",
        f"appeal {appeal_id} overturned the community's rejection (decision {rejection_id}): it is asked to verify "
        "the claim again",
        decided_by=officer,
        references={"appeal_id": appeal_id, "overturned_decision": rejection_id},
        effective_date=on,
    )
