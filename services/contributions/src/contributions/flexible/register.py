"""灵活就业实名登记和动态管理 (docs/policy.md Re-employment support 1; N§6 ¶1): each spell of flexible employment
with its kind, evidence and status history; every change is an event (claims stops benefits on an agreement or a
licence, R15/N§5)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Conflict, NotFound, Principal, Unprocessable, ensure_document, person_key
from insurance_shared.contracts import FlexibleEmploymentChanged
from insurance_shared.events import emit_many

from ..persons.models import Employment, Person
from ..persons.service import ended_event
from ..rules.flexible import overlaps
from .models import FlexibleEmployment, FlexibleStatusChange
from .schemas import FlexibleEmploymentIn, StatusIn

ENROLMENT_ENDED = "flexible_employment_ended"  # why a flexible worker's own enrolment ended (not a unit separation)


def _check(body: FlexibleEmploymentIn, today: dt.date) -> None:
    """The registration's own facts, each refusal naming its field and rule."""
    if body.start_date > today:
        raise Unprocessable("date_in_future", "flexible employment starts today or earlier", field="body.start_date")
    if body.end_date is not None and body.end_date < body.start_date:
        raise Unprocessable("end_before_start", f"it started on {body.start_date}", field="body.end_date")
    if body.kind == "agreement":
        if body.agreement_no is None:
            raise Unprocessable(
                "agreement_required",
                "flexible employment under an agreement (灵活就业协议) gives the agreement's number",
                field="body.agreement_no",
            )
        if body.agreement_end is None:
            raise Unprocessable("agreement_required", "an agreement's end date is required", field="body.agreement_end")
        if body.agreement_end < body.start_date:
            raise Unprocessable(
                "agreement_ends_before_start",
                f"the agreement ends on {body.agreement_end}, before it starts on {body.start_date}",
                field="body.agreement_end",
            )
    elif body.agreement_no is not None or body.agreement_end is not None:
        field = "body.agreement_no" if body.agreement_no is not None else "body.agreement_end"
        raise Unprocessable("agreement_not_allowed", f"a {body.kind} flexible employment has no agreement", field=field)
    if body.kind == "licence" and body.licence_no is None:
        raise Unprocessable(
            "licence_required",
            "self-employment with a business licence gives the licence number",
            field="body.licence_no",
        )
    if body.ended_as is not None and body.end_date is None:
        raise Unprocessable(
            "end_date_required", "ended_as describes an ended flexible employment", field="body.ended_as"
        )


def _event(f: FlexibleEmployment) -> tuple[FlexibleEmploymentChanged, str, str]:
    return (
        FlexibleEmploymentChanged(
            flexible_employment_id=f.id,
            person=f.person_key,
            region=f.region,
            kind=f.kind,
            start_date=f.start_date,
            end_date=f.end_date,
            agreement_end=f.agreement_end,
            document_ref=f.document_ref,
            document_id=f.document_id,
            status=f.status,
            status_on=f.status_on,
        ),
        f.person_key,
        f.region,
    )


async def register(
    session: AsyncSession, principal: Principal, body: FlexibleEmploymentIn, today: dt.date
) -> FlexibleEmployment:
    principal.ensure_writable(body.region)
    _check(body, today)
    if body.document_id is not None:
        await ensure_document(session, body.region, body.document_id, "body.document_id")
    key = person_key(body.id_number)
    person = (
        await session.execute(select(Person).where(Person.person_key == key).with_for_update())
    ).scalar_one_or_none()
    if person is None:
        person = Person(person_key=key, id_number=body.id_number, name=body.name)
        session.add(person)
    spans = await session.execute(
        select(FlexibleEmployment.id, FlexibleEmployment.start_date, FlexibleEmployment.end_date).where(
            FlexibleEmployment.person_key == key
        )
    )
    for other_id, start, end in spans:
        if overlaps(body.start_date, body.end_date, start, end):
            raise Unprocessable(
                "overlapping_flexible_employment",
                f"flexible employment {other_id} of this person ({start} to {end or 'now'}) covers part of the same "
                "days: end it first, or correct the dates",
                field="body.start_date",
            )
    ended = body.end_date is not None
    f = FlexibleEmployment(
        person_key=key,
        person=person,
        region=body.region,
        kind=body.kind,
        start_date=body.start_date,
        end_date=body.end_date,
        agreement_no=body.agreement_no,
        agreement_end=body.agreement_end,
        licence_no=body.licence_no,
        document_id=body.document_id,
        status=(body.ended_as or "unemployed") if ended else "working_flexibly",
        status_on=body.end_date + dt.timedelta(days=1) if body.end_date is not None else body.start_date,
    )
    session.add(f)
    await session.flush()
    session.add(
        FlexibleStatusChange(
            flexible_employment_id=f.id, status="working_flexibly", status_on=f.start_date, recorded_by=principal.sub
        )
    )
    if ended:
        session.add(
            FlexibleStatusChange(
                flexible_employment_id=f.id, status=f.status, status_on=f.status_on, recorded_by=principal.sub
            )
        )
    await emit_many(session, [_event(f)])
    return f


async def readable(session: AsyncSession, principal: Principal, flexible_id: int, *, lock: bool = False):
    query = select(FlexibleEmployment).where(FlexibleEmployment.id == flexible_id)
    f = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    if f is None or not principal.can_read(f.region):
        raise NotFound("flexible_employment", str(flexible_id))
    return f


async def history(session: AsyncSession, flexible_id: int) -> list[FlexibleStatusChange]:
    return list(
        (
            await session.execute(
                select(FlexibleStatusChange)
                .where(FlexibleStatusChange.flexible_employment_id == flexible_id)
                .order_by(FlexibleStatusChange.id)
            )
        ).scalars()
    )


async def change_status(
    session: AsyncSession, principal: Principal, flexible_id: int, body: StatusIn, today: dt.date
) -> FlexibleEmployment:
    """From ``body.on`` the person is re-employed or unemployed: the flexible employment ends the day before, and
    so does their own enrolment on the merged track in that region (they no longer pay as a flexible worker; the
    months they paid stay theirs, N§3(2))."""
    f = await readable(session, principal, flexible_id, lock=True)
    principal.ensure_writable(f.region, field="path.flexible_employment_id")
    if f.status != "working_flexibly":
        raise Conflict(
            "flexible_employment_ended",
            f"this flexible employment ended on {f.end_date} ({f.status}); register a new one",
        )
    if body.on > today:
        raise Unprocessable("date_in_future", "a status change is dated today or earlier", field="body.on")
    if body.on <= f.start_date:
        raise Unprocessable(
            "status_before_start", f"the flexible employment started on {f.start_date}", field="body.on"
        )
    f.status, f.status_on, f.end_date = body.status, body.on, body.on - dt.timedelta(days=1)
    session.add(
        FlexibleStatusChange(
            flexible_employment_id=f.id, status=body.status, status_on=body.on, recorded_by=principal.sub
        )
    )
    events = [_event(f)]
    enrolments = (
        await session.execute(
            select(Employment).where(
                Employment.person_key == f.person_key,
                Employment.track == "flexible",
                Employment.region == f.region,
                Employment.end_date.is_(None),
                Employment.start_date <= f.end_date,
            )
        )
    ).scalars()
    for e in enrolments:
        e.end_date, e.separation_reason = f.end_date, ENROLMENT_ENDED
        events.append(ended_event(e))
    await session.flush()
    await emit_many(session, events)
    return f


async def listed(
    session: AsyncSession,
    principal: Principal,
    region: str | None,
    status: str | None,
    id_number: str | None,
    after: int,
    limit: int,
) -> list[FlexibleEmployment]:
    query = select(FlexibleEmployment).where(FlexibleEmployment.id > after)
    if (region := principal.region_to_read(region)) is not None:
        query = query.where(FlexibleEmployment.region == region)
    if status is not None:
        query = query.where(FlexibleEmployment.status == status)
    if id_number is not None:
        query = query.where(FlexibleEmployment.person_key == person_key(id_number))
    return list((await session.execute(query.order_by(FlexibleEmployment.id).limit(limit))).scalars())
