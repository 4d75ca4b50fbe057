"""Keeping the workforce picture current from other services' events; each handler is idempotent by design
(upserts keyed by the producer's ids), and the inbox records each event once anyway."""

from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared.contracts import ClaimRegistered, ClaimStopped, EmploymentEnded, PersonEnrolled, UnitRegistered
from insurance_shared.events import Envelope, Handlers

from .models import ClaimSeen, WorkforceEmployment, WorkforceUnit

handlers = Handlers()


@handlers.on(UnitRegistered)
async def unit_registered(session: AsyncSession, _: Envelope, data: UnitRegistered) -> None:
    unit = await session.get(WorkforceUnit, data.credit_code)
    if unit is None:
        session.add(
            WorkforceUnit(
                credit_code=data.credit_code, name=data.name, region=data.region, declared_staff=data.declared_staff
            )
        )
    else:
        unit.name, unit.region, unit.declared_staff = data.name, data.region, data.declared_staff


@handlers.on(PersonEnrolled)
async def person_enrolled(session: AsyncSession, _: Envelope, data: PersonEnrolled) -> None:
    if await session.get(WorkforceEmployment, data.employment_id) is None:
        session.add(
            WorkforceEmployment(
                employment_id=data.employment_id,
                id_number=data.id_number,
                name=data.name,
                unit_credit_code=data.unit_credit_code,
                region=data.region,
                start_date=data.start_date,
            )
        )
        await session.flush()
    from ..rehire.service import check_hire  # a hire may breach a rehire priority (N§7; LL27)

    await check_hire(session, data)


@handlers.on(EmploymentEnded)
async def employment_ended(session: AsyncSession, _: Envelope, data: EmploymentEnded) -> None:
    employment = await session.get(WorkforceEmployment, data.employment_id)
    if employment is None:  # enrolled before this service listened: still worth knowing
        employment = WorkforceEmployment(
            employment_id=data.employment_id,
            id_number=data.id_number,
            name="",
            unit_credit_code=data.unit_credit_code,
            region=data.region,
            start_date=data.start_date,
        )
        session.add(employment)
    employment.end_date = data.end_date
    employment.separation_reason = data.separation_reason


@handlers.on(ClaimRegistered)
async def claim_registered(session: AsyncSession, _: Envelope, data: ClaimRegistered) -> None:
    if await session.get(ClaimSeen, data.claim_id) is None:
        session.add(
            ClaimSeen(
                claim_id=data.claim_id, id_number=data.id_number, region=data.region, registered_on=data.registered_on
            )
        )


@handlers.on(ClaimStopped)
async def claim_stopped(session: AsyncSession, _: Envelope, data: ClaimStopped) -> None:
    claim = await session.get(ClaimSeen, data.claim_id)
    if claim is not None:
        claim.stopped_on, claim.stop_reason = data.effective_date, data.reason
