"""Keeping the workforce picture current from other services' events; each handler is idempotent by design
(upserts keyed by the producer's ids), and the inbox records each event once anyway."""

from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import upsert_insert, upsert_rows
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


def _employment(d: PersonEnrolled | EmploymentEnded, name: str) -> dict[str, object]:
    """The job as either event tells it (an end may be the first this service hears of a job; it has no name)."""
    return {
        "employment_id": d.employment_id,
        "id_number": d.id_number,
        "name": name,
        "unit_credit_code": d.unit_credit_code,
        "region": d.region,
        "start_date": d.start_date,
    }


@handlers.on_runs(PersonEnrolled)
async def people_enrolled(session: AsyncSession, events: list[tuple[Envelope, PersonEnrolled]]) -> None:
    """Enrolments come a roster at a time. A hire into a unit with an executed layoff may breach a rehire priority
    (N§7; LL27) and is checked on its own, after every earlier enrolment of the run is stored, exactly as if the
    run were applied one event after another; the rest (nearly all) are stored together."""
    from ..rehire.service import check_hire, units_with_executed_layoffs

    watched = await units_with_executed_layoffs(session, {d.unit_credit_code for _, d in events if d.unit_credit_code})
    pending: list[dict] = []

    async def store() -> None:
        if pending:
            await session.execute(
                upsert_insert(session)(WorkforceEmployment.__table__).on_conflict_do_nothing(), pending
            )
            pending.clear()

    for _, data in events:
        pending.append(_employment(data, data.name))
        if data.unit_credit_code in watched:
            await store()
            await check_hire(session, data)
    await store()


@handlers.on_runs(EmploymentEnded)
async def employments_ended(session: AsyncSession, events: list[tuple[Envelope, EmploymentEnded]]) -> None:
    """A separation file (a mass layoff's, say) ends many jobs at once: each run is stored with one statement. A
    job enrolled before this service listened is still worth knowing: it is added with its end."""
    await upsert_rows(
        session,
        WorkforceEmployment.__table__,
        "employment_id",
        ({**_employment(d, ""), "end_date": d.end_date, "separation_reason": d.separation_reason} for _, d in events),
        update=("end_date", "separation_reason"),
    )


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
