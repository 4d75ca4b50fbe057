"""A unit's whole roster enrolled in one upload (a city system moving its records, a unit joining with its staff):
streamed CSV or JSON Lines, every line checked like a single enrolment, all or nothing, every error with its line.
"""

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Principal, insert_returning_ids, person_key, utcnow
from insurance_shared.contracts import PersonEnrolled
from insurance_shared.events import emit_many
from insurance_shared.uploads import LineErrors, model_lines

from .models import Employment, Person
from .schemas import EnrolmentIn
from .service import unit_for_write

COLUMNS = ("id_number", "name", "start_date", "wage")


@dataclass(frozen=True, slots=True)
class Enrolled:
    id_number: str
    employment_id: int
    region: str


MAX_LINES = 100_000


async def enrol_roster(
    session: AsyncSession,
    principal: Principal,
    credit_code: str,
    lines: AsyncIterator[tuple[int, dict | None]],
    today: dt.date,
) -> list[Enrolled]:
    unit = await unit_for_write(session, principal, credit_code, "path.credit_code")
    errors = LineErrors()
    fail = errors.add
    accepted: dict[str, tuple[int, EnrolmentIn]] = {}
    async for line_no, body in model_lines(
        lines,
        EnrolmentIn,
        COLUMNS,
        errors,
        max_lines=MAX_LINES,
        per="roster",
        empty="a roster has at least one person",
        track="unit",
        unit_credit_code=unit.credit_code,
    ):
        ref = f"line[{line_no}]"
        if body.start_date > today:
            fail(f"{ref}.start_date", "date_in_future", "an enrolment starts today or earlier")
        elif body.id_number in accepted:
            fail(f"{ref}.id_number", "duplicate_person", f"already on line {accepted[body.id_number][0]}")
        else:
            accepted[body.id_number] = (line_no, body)
    key = {i: person_key(i) for i in accepted}
    by_key = {k: i for i, k in key.items()}
    keys = list(by_key)
    open_here: set[str] = set()
    known: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        open_here |= set(
            (
                await session.scalars(
                    select(Employment.person_key).where(
                        Employment.person_key.in_(chunk),
                        Employment.unit_credit_code == unit.credit_code,
                        Employment.end_date.is_(None),
                    )
                )
            ).all()
        )
        known |= set((await session.scalars(select(Person.person_key).where(Person.person_key.in_(chunk)))).all())
    for id_number in sorted((by_key[k] for k in open_here), key=lambda x: accepted[x][0]):
        fail(f"line[{accepted[id_number][0]}].id_number", "already_enrolled", "already enrolled with this unit")
    errors.raise_any("roster_invalid", "Roster refused", "nobody of this roster was enrolled")
    # written with core inserts: a roster is thousands of rows, and nothing here needs them as ORM objects
    now = utcnow()
    people = [
        {"person_key": key[i], "id_number": i, "name": accepted[i][1].name, "created_at": now}
        for i in accepted
        if key[i] not in known
    ]
    if people:
        await session.execute(insert(Person.__table__), people)
    bodies = [b for _, b in accepted.values()]
    employment_ids = await insert_returning_ids(
        session,
        Employment.__table__,
        [
            {
                "person_key": key[b.id_number],
                "unit_credit_code": unit.credit_code,
                "region": unit.region,
                "track": "unit",
                "start_date": b.start_date,
                "wage": b.wage,
                "created_at": now,
            }
            for b in bodies
        ],
    )
    await emit_many(
        session,
        [
            (
                PersonEnrolled(
                    person=key[b.id_number],
                    unit_credit_code=unit.credit_code,
                    region=unit.region,
                    track="unit",
                    start_date=b.start_date,
                    employment_id=employment_id,
                ),
                key[b.id_number],
                unit.region,
            )
            for b, employment_id in zip(bodies, employment_ids, strict=True)
        ],
    )
    return [
        Enrolled(b.id_number, employment_id, unit.region)
        for b, employment_id in zip(bodies, employment_ids, strict=True)
    ]
