"""What overturning each kind of claims' decision on appeal does (行政复议; policy.md Claims 11): the claim goes back
to where the decision found it, and whatever the decision withheld is made good. Wired in main.py; run by the
shared appeals review (insurance_shared.appeals) in the review's own transaction, so the overturn and its
consequence commit together or not at all."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    AppealSupport,
    Conflict,
    Overturned,
    latest_decision,
)
from insurance_shared.contracts import ClaimReinstated, ClaimsAppealStep
from insurance_shared.events import emit

from .claims import records, service
from .claims.models import Claim
from .payments.service import back_pay
from .separations.models import Separation


async def _claim(session: AsyncSession, o: Overturned, state: str, kinds: tuple[str, ...]) -> Claim:
    """The claim, locked, still where the overturned decision put it: a claim that has moved on since (a later
    decision of those ``kinds``, another state) is not put back by this one."""
    claim = await service.claim_for(session, o.officer, int(o.decision.subject_id), lock=True)
    newest = await latest_decision(session, "claim", claim.id, kinds)
    if claim.state != state or newest != o.decision.id:
        raise Conflict(
            "claim_moved_on",
            f"claim {claim.id} is {claim.state} on decision {newest}, not on decision {o.decision.id}: the overturn "
            "has no claim state to undo; decide the claim anew",
            extra={"current_state": claim.state},
        )
    return claim


async def _reinstated(session: AsyncSession, claim: Claim, o: Overturned) -> None:
    await emit(
        session,
        ClaimReinstated(
            claim_id=claim.id,
            person=claim.person_key,
            region=claim.region,
            state=claim.state,
            reinstated_on=o.today,
            appeal_id=o.appeal_id,
            overturned_decision_id=o.decision.id,
        ),
        subject=claim.person_key,
        region=claim.region,
    )


async def stop_overturned(session: AsyncSession, o: Overturned) -> str:
    """The claim runs as if never stopped: back on the roll (or exhausted, if its time has run out meanwhile), and
    the months the stop withheld are owed and go out with the next run."""
    claim = await _claim(session, o, "stopped", ("claim.stop",))
    stopped_on = claim.stopped_on
    assert stopped_on is not None and claim.entitlement_end is not None
    claim.stopped_on, claim.stop_reason, claim.stop_evidence, claim.months_left = None, None, None, 0
    if claim.entitlement_end > o.today:
        await service.reopen(session, claim, "active")  # unless the person has registered again meanwhile
    else:
        claim.state = "exhausted"
    owed = await back_pay(session, claim, stopped_on, o.today)
    await records.reinstatement(
        session, claim, o.officer.sub, o.today, appeal_id=o.appeal_id, stop_id=o.decision.id, back_pay=owed
    )
    await _reinstated(session, claim, o)
    if claim.state == "exhausted":  # its period ended while it was stopped: off the roll from that day, as ever
        await service.announce_closed(session, claim, "exhausted", claim.entitlement_end)
    return (
        f"claim {claim.id} reinstated ({claim.state}) as if never stopped; {owed / 100:.2f} yuan of benefit "
        "withheld since the stop goes out with the next payment run"
    )


async def rejection_overturned(session: AsyncSession, o: Overturned) -> str:
    """The community is asked again: the claim waits for its verification as before the rejection."""
    claim = await _claim(session, o, "verification_rejected", ("claim.verification_rejection",))
    await service.reopen(session, claim, "verification_requested")
    claim.verification_note = None
    await records.reopened(session, claim, o.officer.sub, o.today, appeal_id=o.appeal_id, rejection_id=o.decision.id)
    await _reinstated(session, claim, o)
    return f"claim {claim.id} waits for the community's verification again ({claim.community})"


async def suspension_overturned(session: AsyncSession, o: Overturned) -> str:
    claim = await _claim(session, o, "suspended", ("claim.suspension",))
    claim.state = "active"
    await records.lifted(session, claim, o.officer.sub, o.today, appeal_id=o.appeal_id)
    return f"claim {claim.id} resumed; no payment was withheld (a suspension only delays the batch)"


async def refusal_overturned(session: AsyncSession, o: Overturned) -> str:
    """A refused registration is decided again on today's history under the rules of its date; if the facts held
    still refuse it, it stays refused and the reviewer's finding is on the record for the officer to correct them."""
    claim = await service.claim_for(session, o.officer, int(o.decision.subject_id), lock=True)
    if claim.state != "ineligible":
        raise Conflict(
            "claim_moved_on",
            f"claim {claim.id} is {claim.state}: only a refused claim is decided again",
            extra={"current_state": claim.state},
        )
    result = await service.redecide(session, o.officer, claim)
    if result.outcome == "now_eligible":
        return f"claim {claim.id} decided again: eligible, registered for verification (decision {result.decision.id})"
    return (
        f"claim {claim.id} decided again on the facts held: still not eligible; correct the facts the review found "
        "wrong (the separation filed, the contribution record) and decide again"
    )


async def late_filing_overturned(session: AsyncSession, o: Overturned) -> str:
    """The unit filed in time after all: the separation is no longer marked late."""
    separation = await session.get(Separation, int(o.decision.subject_id), with_for_update=True)
    assert separation is not None  # a record names a separation that exists (neither is ever deleted)
    separation.late = False
    return f"separation {separation.id} is no longer marked as filed late"


APPEALS = AppealSupport(
    event=ClaimsAppealStep,
    overturned={
        "claim.stop": stop_overturned,
        "claim.verification_rejection": rejection_overturned,
        "claim.suspension": suspension_overturned,
        "claim.registration": refusal_overturned,
        "claim.redecision": refusal_overturned,
        "separation.late_filing": late_filing_overturned,
    },
)
