import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Conflict, NotFound, Principal, Unprocessable, person_key
from insurance_shared.contracts import EmploymentEnded, PersonEnrolled, is_involuntary
from insurance_shared.events import emit, emit_many

from ..units.models import Unit
from .models import Employment, Person
from .schemas import EndEmploymentIn, EnrolmentIn

_UNIT = select(Unit).where(Unit.credit_code == bindparam("credit_code"))  # built once: every write asks it


async def unit_for_write(session: AsyncSession, principal: Principal, credit_code: str, field: str) -> Unit:
    unit = (await session.execute(_UNIT, {"credit_code": credit_code})).scalar_one_or_none()
    if unit is None or not principal.can_read(unit.region):
        if field.startswith("path."):  # the object the URL names: not there for this caller (OWASP API1)
            raise NotFound("unit", credit_code)
        raise Unprocessable("unknown_unit", f"no unit {credit_code} is registered in your region", field=field)
    principal.ensure_writable(unit.region, field=field)
    return unit


async def enrol(session: AsyncSession, principal: Principal, body: EnrolmentIn, today: dt.date) -> Employment:
    if body.start_date > today:
        raise Unprocessable("date_in_future", "an enrolment starts today or earlier", field="body.start_date")
    if body.track == "unit":
        assert body.unit_credit_code is not None
        unit = await unit_for_write(session, principal, body.unit_credit_code, "body.unit_credit_code")
        region = unit.region
    else:
        assert body.region is not None
        principal.ensure_writable(body.region)
        region = body.region
    key = person_key(body.id_number)
    person = await session.get(Person, key)
    if person is None:
        person = Person(person_key=key, id_number=body.id_number, name=body.name)
        session.add(person)
    open_same = await session.execute(
        select(Employment.id).where(
            Employment.person_key == key,
            Employment.end_date.is_(None),
            (Employment.unit_credit_code == body.unit_credit_code)
            if body.track == "unit"
            else (Employment.track == "flexible"),
        )
    )
    if open_same.first():
        raise Conflict("already_enrolled", "this person already has an open enrolment of this kind here")
    employment = Employment(
        person_key=key,
        unit_credit_code=body.unit_credit_code,
        region=region,
        track=body.track,
        start_date=body.start_date,
        wage=body.wage,
    )
    session.add(employment)
    await session.flush()
    await emit(
        session,
        PersonEnrolled(
            person=key,
            unit_credit_code=body.unit_credit_code,
            region=region,
            track=body.track,
            start_date=body.start_date,
            employment_id=employment.id,
        ),
        subject=key,
        region=region,
    )
    return employment


async def end_employment(
    session: AsyncSession,
    principal: Principal,
    id_number: str,
    employment_id: int,
    body: EndEmploymentIn,
    today: dt.date,
) -> Employment:
    employment = await session.get(Employment, employment_id)
    if (
        employment is None
        or employment.person_key != person_key(id_number)
        or not principal.can_read(employment.region)
    ):
        raise NotFound("employment", str(employment_id))
    principal.ensure_writable(employment.region, field="path.employment_id")
    if employment.end_date is not None:
        raise Conflict("employment_already_ended", f"this employment ended on {employment.end_date}")
    if body.end_date > today:
        raise Unprocessable("date_in_future", "an employment ends today or earlier", field="body.end_date")
    if body.end_date < employment.start_date:
        raise Unprocessable(
            "end_before_start", f"the employment started on {employment.start_date}", field="body.end_date"
        )
    employment.end_date = body.end_date
    employment.separation_reason = body.separation_reason.value
    await session.flush()
    await emit_many(session, [ended_event(employment)])
    return employment


def ended_event(employment: Employment) -> tuple[EmploymentEnded, str, str]:
    """What claims, layoff-reporting and fund-monitor learn of an ended employment: ``(data, subject, region)``."""
    assert employment.end_date is not None and employment.separation_reason is not None
    return (
        EmploymentEnded(
            person=employment.person_key,
            unit_credit_code=employment.unit_credit_code,
            region=employment.region,
            track=employment.track,
            start_date=employment.start_date,
            end_date=employment.end_date,
            separation_reason=employment.separation_reason,
            involuntary=is_involuntary(employment.separation_reason),
            employment_id=employment.id,
        ),
        employment.person_key,
        employment.region,
    )


async def person_view(session: AsyncSession, principal: Principal, id_number: str) -> tuple[Person, list[Employment]]:
    key = person_key(id_number)
    person = await session.get(Person, key)
    if person is None:
        raise NotFound("person", id_number)
    employments = list(
        (
            await session.execute(
                select(Employment).where(Employment.person_key == key).order_by(Employment.start_date, Employment.id)
            )
        ).scalars()
    )
    visible = [e for e in employments if principal.can_read(e.region)]
    if not visible:
        raise NotFound("person", id_number)  # known only to other regions: not this caller's business
    return person, visible
