"""A unit's leavers in one upload (a city system sending the month's terminations, a unit carrying out a layoff):
streamed CSV or JSON Lines, every line checked like a single end of employment, all or nothing, every error with
its line. Each ended employment is audited and announced exactly as a single one is.
"""

import datetime as dt
from collections.abc import AsyncIterator

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import ActDate, Principal, ResidentId, person_key
from insurance_shared.contracts import SeparationReason
from insurance_shared.events import emit_many
from insurance_shared.uploads import LineErrors, model_lines

from .models import Employment
from .service import ended_event, unit_for_write

COLUMNS = ("id_number", "end_date", "separation_reason")
MAX_LINES = 100_000


class SeparationLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id_number: ResidentId
    end_date: ActDate
    separation_reason: SeparationReason


async def end_many(
    session: AsyncSession,
    principal: Principal,
    credit_code: str,
    lines: AsyncIterator[tuple[int, dict | None]],
    today: dt.date,
) -> list[tuple[str, Employment]]:
    """End each listed person's open employment with the unit; nothing if any line is wrong. Each ended job comes
    with the number the line gave (the job itself names the person by keyed hash only)."""
    unit = await unit_for_write(session, principal, credit_code, "path.credit_code")
    errors = LineErrors()
    fail = errors.add
    accepted: dict[str, tuple[int, SeparationLine]] = {}
    async for line_no, line in model_lines(
        lines,
        SeparationLine,
        COLUMNS,
        errors,
        max_lines=MAX_LINES,
        per="upload",
        empty="an upload of separations has at least one line",
    ):
        ref = f"line[{line_no}]"
        if line.end_date > today:
            fail(f"{ref}.end_date", "date_in_future", "an employment ends today or earlier")
        elif line.id_number in accepted:
            fail(f"{ref}.id_number", "duplicate_person", f"already on line {accepted[line.id_number][0]}")
        else:
            accepted[line.id_number] = (line_no, line)
    key = {i: person_key(i) for i in accepted}
    keys = list(key.values())
    open_jobs: dict[str, Employment] = {}
    for i in range(0, len(keys), 500):
        found = await session.scalars(
            select(Employment).where(
                Employment.person_key.in_(keys[i : i + 500]),
                Employment.unit_credit_code == unit.credit_code,
                Employment.end_date.is_(None),
            )
        )
        open_jobs.update((e.person_key, e) for e in found)
    for id_number, (line_no, line) in accepted.items():
        job = open_jobs.get(key[id_number])
        if job is None:
            fail(f"line[{line_no}].id_number", "no_open_employment", f"not employed by unit {unit.credit_code} now")
        elif line.end_date < job.start_date:
            fail(f"line[{line_no}].end_date", "end_before_start", f"the employment started on {job.start_date}")
    errors.raise_any("separations_invalid", "Separations refused", "no employment of this upload was ended")
    ended = []
    for id_number, (_, line) in accepted.items():
        job = open_jobs[key[id_number]]
        job.end_date, job.separation_reason = line.end_date, line.separation_reason.value
        ended.append((id_number, job))
    await session.flush()
    await emit_many(session, [ended_event(e) for _, e in ended])
    return ended
