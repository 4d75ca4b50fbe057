"""The monthly payment run (policy.md Claims 6-7; R16; N§5 ¶2): each verified claim paid once for the month.

Chunks of claims commit one after another, so a run over 100,000 claims does not hold one huge transaction. A
unique (claim, month, kind) row makes paying twice impossible: a run that crashed half way is simply run again,
pays the rest, and completes; a completed month is refused.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Conflict, Unprocessable
from insurance_shared.contracts import BenefitPaid, ClaimClosed
from insurance_shared.db import upsert_insert, utcnow
from insurance_shared.events import emit

from ..registry.models import BenefitPayment, Claim, PaymentRun
from ..rules.payments import amount_for_month, month_bounds

CHUNK = 2000


async def run_month(session: AsyncSession, region: str, month: dt.date, today: dt.date) -> PaymentRun:
    if month > today.replace(day=1):
        raise Unprocessable("month_in_future", f"{month:%Y-%m} has not begun", field="body.month")
    run = (
        await session.execute(select(PaymentRun).where(PaymentRun.region == region, PaymentRun.month == month))
    ).scalar_one_or_none()
    if run is not None and run.status == "completed":
        raise Conflict(
            "month_already_paid", f"the run for {region} {month:%Y-%m} completed on {run.completed_at:%Y-%m-%d}"
        )
    if run is None:
        run = PaymentRun(region=region, month=month, status="running")
        session.add(run)
        await session.flush()
        await session.commit()  # the run exists before any payment: a crash leaves it "running", to be resumed
    first, after = month_bounds(month)
    insert = upsert_insert(session)
    last_id = 0
    while True:
        claims = (
            (
                await session.execute(
                    select(Claim)
                    .where(
                        Claim.region == region,
                        Claim.id > last_id,
                        Claim.eligible.is_(True),
                        Claim.certificate_no.is_not(None),
                        Claim.state.in_(("active", "stopped", "exhausted")),
                        Claim.registered_on < after,
                        Claim.entitlement_end > first,
                        or_(Claim.stopped_on.is_(None), Claim.stopped_on > first),
                    )
                    .order_by(Claim.id)
                    .limit(CHUNK)
                )
            )
            .scalars()
            .all()
        )
        if not claims:
            break
        rows = []
        closed: list[Claim] = []
        for c in claims:
            end = min(c.entitlement_end, c.stopped_on) if c.stopped_on else c.entitlement_end  # type: ignore[type-var]
            amount, days = amount_for_month(c.monthly_amount, first, c.registered_on, end)  # type: ignore[arg-type]
            if amount:
                rows.append(
                    {
                        "claim_id": c.id,
                        "run_id": run.id,
                        "region": region,
                        "month": first,
                        "kind": "benefit",
                        "amount": amount,
                        "days": days,
                        "paid_on": today,
                    }
                )
            if c.state == "active" and c.entitlement_end is not None and c.entitlement_end <= after:
                c.state = "exhausted"
                closed.append(c)
        if rows:
            await session.execute(insert(BenefitPayment).on_conflict_do_nothing(), rows)
        for c in closed:  # in the chunk's transaction: a resumed run finds them exhausted and announces none twice
            await emit(
                session,
                ClaimClosed(
                    claim_id=c.id,
                    id_number=c.id_number,
                    region=c.region,
                    state="exhausted",
                    effective_date=c.entitlement_end,  # type: ignore[arg-type]
                ),
                subject=c.id_number,
                region=c.region,
            )
        closed.clear()
        last_id = claims[-1].id
        await session.commit()
    total, count = (
        await session.execute(
            select(func.coalesce(func.sum(BenefitPayment.amount), 0), func.count()).where(
                BenefitPayment.region == region, BenefitPayment.month == first, BenefitPayment.kind == "benefit"
            )
        )
    ).one()
    run = await session.get(PaymentRun, run.id)
    assert run is not None
    run.status, run.amount, run.claims_paid, run.completed_at = "completed", int(total), int(count), utcnow()
    await session.flush()
    await emit(
        session,
        BenefitPaid(region=region, month=f"{month:%Y-%m}", amount_fen=int(total), claims=int(count), run_id=run.id),
        subject=f"{region}:{month:%Y-%m}",
        region=region,
    )
    return run
