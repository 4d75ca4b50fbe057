"""A unit's whole roster enrolled in one upload (a city system moving its records, a unit joining with its staff):
streamed CSV or JSON Lines, every line checked like a single enrolment, all or nothing, every error with its line.
"""

import datetime as dt
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Principal
from insurance_shared.contracts import PersonEnrolled
from insurance_shared.events import emit_many

from ..uploads import LineErrors, model_lines
from .models import Employment, Person
from .schemas import EnrolmentIn
from .service import unit_for_write

COLUMNS = ("id_number", "name", "start_date", "wage")
MAX_LINES = 100_000


async def enrol_roster(
    session: AsyncSession,
    principal: Principal,
    credit_code: str,
    lines: AsyncIterator[tuple[int, dict | None]],
    today: dt.date,
) -> list[Employment]:
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
    ids = list(accepted)
    open_here: set[str] = set()
    known: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        open_here |= set(
            (
                await session.scalars(
                    select(Employment.id_number).where(
                        Employment.id_number.in_(chunk),
                        Employment.unit_credit_code == unit.credit_code,
                        Employment.end_date.is_(None),
                    )
                )
            ).all()
        )
        known |= set((await session.scalars(select(Person.id_number).where(Person.id_number.in_(chunk)))).all())
    for id_number in sorted(open_here, key=lambda x: accepted[x][0]):
        fail(f"line[{accepted[id_number][0]}].id_number", "already_enrolled", "already enrolled with this unit")
    errors.raise_any("roster_invalid", "Roster refused", "nobody of this roster was enrolled")
    session.add_all(Person(id_number=i, name=accepted[i][1].name) for i in ids if i not in known)
    await session.flush()  # the people before their employments (no ORM relationship orders them)
    employments = [
        Employment(
            id_number=b.id_number,
            unit_credit_code=unit.credit_code,
            region=unit.region,
            track="unit",
            start_date=b.start_date,
            wage=b.wage,
        )
        for _, b in accepted.values()
    ]
    session.add_all(employments)
    await session.flush()
    await emit_many(
        session,
        [
            (
                PersonEnrolled(
                    id_number=e.id_number,
                    name=accepted[e.id_number][1].name,
                    unit_credit_code=unit.credit_code,
                    region=unit.region,
                    track="unit",
                    start_date=e.start_date,
                    employment_id=e.id,
                ),
                e.id_number,
                unit.region,
            )
            for e in employments
        ],
    )
    return employments
