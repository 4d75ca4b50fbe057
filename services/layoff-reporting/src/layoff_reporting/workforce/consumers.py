"""Keeping the workforce picture current from other services' events; each handler is idempotent by design
(upserts keyed by the producer's ids), and the inbox records each event once anyway. Enrolments are handled by the
rehire feature above (a hire may breach a rehire priority), which stores them with ``store_enrolments``; the
service's complete handler table is ``rehire.consumers.handlers``."""

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


def employment_row(d: PersonEnrolled | EmploymentEnded) -> dict[str, object]:
    """The job as either event tells it (an end may be the first this service hears of a job): the person by the
    keyed hash of their number, as the event names them (no number, no name: #25)."""
    return {
        "employment_id": d.employment_id,
        "person_key": d.person,
        "unit_credit_code": d.unit_credit_code,
        "region": d.region,
        "start_date": d.start_date,
    }


async def store_enrolments(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """Jobs as ``employment_row`` gives them; a job already known is kept (its end may have come first)."""
    if rows:
        await session.execute(upsert_insert(session)(WorkforceEmployment.__table__).on_conflict_do_nothing(), rows)


@handlers.on_runs(EmploymentEnded)
async def employments_ended(session: AsyncSession, events: list[tuple[Envelope, EmploymentEnded]]) -> None:
    """A separation file (a mass layoff's, say) ends many jobs at once: each run is stored with one statement. A
    job enrolled before this service listened is still worth knowing: it is added with its end."""
    await upsert_rows(
        session,
        WorkforceEmployment.__table__,
        "employment_id",
        ({**employment_row(d), "end_date": d.end_date, "separation_reason": d.separation_reason} for _, d in events),
        update=("end_date", "separation_reason"),
    )


@handlers.on(ClaimRegistered)
async def claim_registered(session: AsyncSession, _: Envelope, data: ClaimRegistered) -> None:
    if await session.get(ClaimSeen, data.claim_id) is None:
        session.add(
            ClaimSeen(
                claim_id=data.claim_id,
                person_key=data.person,
                region=data.region,
                registered_on=data.registered_on,
            )
        )


@handlers.on(ClaimStopped)
async def claim_stopped(session: AsyncSession, _: Envelope, data: ClaimStopped) -> None:
    claim = await session.get(ClaimSeen, data.claim_id)
    if claim is not None:
        claim.stopped_on, claim.stop_reason = data.effective_date, data.reason
