"""The claims service's view of other services' events. A new contribution record or a new job for a person on
an open claim is evidence of re-employment and stops the claim (policy.md Claims 8; R15)."""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared.contracts import ContributionMonthPaid, EmploymentEnded, LayoffFiled, PersonEnrolled
from insurance_shared.events import Envelope, Handlers

from ..registry.models import Claim
from ..registry.service import OPEN_STATES, stop
from .models import ContributionMonth, EmploymentSeen, LayoffSeen

handlers = Handlers()


async def _open_claim(session: AsyncSession, id_number: str) -> Claim | None:
    return (
        (
            await session.execute(
                select(Claim).where(Claim.id_number == id_number, Claim.state.in_(OPEN_STATES)).with_for_update()
            )
        )
        .scalars()
        .first()
    )


@handlers.on(ContributionMonthPaid)
async def month_paid(session: AsyncSession, _: Envelope, data: ContributionMonthPaid) -> None:
    period = dt.date.fromisoformat(data.period + "-01")
    key = (data.id_number, period, data.unit_credit_code or "")
    if await session.get(ContributionMonth, key) is None:
        session.add(
            ContributionMonth(
                id_number=data.id_number,
                period=period,
                unit_credit_code=data.unit_credit_code or "",
                region=data.region,
                unemployment_fen=data.unemployment_fen,
            )
        )
        await session.flush()
    claim = await _open_claim(session, data.id_number)
    # a month wholly after the registration was paid for: the person works again (R15)
    if claim is not None and period > claim.registered_on:
        await stop(session, claim, "reemployed_contribution", period, dt.date.today())


@handlers.on(PersonEnrolled)
async def enrolled(session: AsyncSession, _: Envelope, data: PersonEnrolled) -> None:
    if await session.get(EmploymentSeen, data.employment_id) is None:
        session.add(
            EmploymentSeen(
                employment_id=data.employment_id,
                id_number=data.id_number,
                unit_credit_code=data.unit_credit_code,
                region=data.region,
                track=data.track,
                start_date=data.start_date,
            )
        )
        await session.flush()
    claim = await _open_claim(session, data.id_number)
    if claim is not None and data.start_date >= claim.registered_on:
        await stop(session, claim, "reemployed_contribution", data.start_date, dt.date.today())


@handlers.on(EmploymentEnded)
async def ended(session: AsyncSession, _: Envelope, data: EmploymentEnded) -> None:
    row = await session.get(EmploymentSeen, data.employment_id)
    if row is None:
        row = EmploymentSeen(
            employment_id=data.employment_id,
            id_number=data.id_number,
            unit_credit_code=data.unit_credit_code,
            region=data.region,
            track=data.track,
            start_date=data.start_date,
        )
        session.add(row)
    row.end_date, row.separation_reason = data.end_date, data.separation_reason


@handlers.on(LayoffFiled)
async def layoff_filed(session: AsyncSession, _: Envelope, data: LayoffFiled) -> None:
    if await session.get(LayoffSeen, data.filing_id) is None:
        session.add(
            LayoffSeen(
                filing_id=data.filing_id,
                unit_credit_code=data.unit_credit_code,
                region=data.region,
                expected_count=data.expected_count,
                planned_date=data.planned_date,
            )
        )
