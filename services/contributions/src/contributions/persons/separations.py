"""A unit's leavers in one upload (a city system sending the month's terminations, a unit carrying out a layoff):
streamed CSV or JSON Lines, every line checked like a single end of employment, all or nothing, every error with
its line. Each ended employment is audited and announced exactly as a single one is.
"""

import datetime as dt
from collections.abc import AsyncIterator

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Principal, ResidentId, Unprocessable
from insurance_shared.contracts import EmploymentEnded, SeparationReason, is_involuntary
from insurance_shared.events import emit_many

from ..uploads import LineErrors, UploadError, csv_dicts, jsonl_dicts
from .models import Employment
from .service import unit_for_write

COLUMNS = ("id_number", "end_date", "separation_reason")
MAX_LINES = 100_000


class SeparationLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id_number: ResidentId
    end_date: dt.date
    separation_reason: SeparationReason


async def separation_lines(lines: AsyncIterator[str], media: str) -> AsyncIterator[tuple[int, dict | None]]:
    """``(line number, fields)``; fields None for a line that is not a JSON object."""
    if media == "csv":
        async for line_no, row in csv_dicts(lines, COLUMNS):
            yield line_no, row
        return
    async for item in jsonl_dicts(lines):
        yield item


async def end_many(
    session: AsyncSession,
    principal: Principal,
    credit_code: str,
    lines: AsyncIterator[tuple[int, dict | None]],
    today: dt.date,
) -> list[Employment]:
    """End each listed person's open employment with the unit; nothing if any line is wrong."""
    unit = await unit_for_write(session, principal, credit_code, "path.credit_code")
    errors = LineErrors()
    fail = errors.add
    accepted: dict[str, tuple[int, SeparationLine]] = {}
    n = 0
    async for line_no, fields in lines:
        n += 1
        ref = f"line[{line_no}]"
        if n > MAX_LINES:
            raise UploadError("too_many_lines", f"at most {MAX_LINES} lines per upload", field=ref)
        if fields is None:
            fail(ref, "bad_json_line", "not a JSON object")
            continue
        try:
            line = SeparationLine(**{k: fields.get(k) for k in COLUMNS})
        except ValidationError as exc:
            for e in exc.errors():
                loc = ".".join(str(p) for p in e["loc"]) or "line"
                fail(f"{ref}.{loc}", e["type"], e["msg"])
            continue
        if line.end_date > today:
            fail(f"{ref}.end_date", "date_in_future", "an employment ends today or earlier")
        elif line.id_number in accepted:
            fail(f"{ref}.id_number", "duplicate_person", f"already on line {accepted[line.id_number][0]}")
        else:
            accepted[line.id_number] = (line_no, line)
    if n == 0:
        raise Unprocessable("no_lines", "an upload of separations has at least one line", field="body")
    ids = list(accepted)
    open_jobs: dict[str, Employment] = {}
    for i in range(0, len(ids), 500):
        found = await session.scalars(
            select(Employment).where(
                Employment.id_number.in_(ids[i : i + 500]),
                Employment.unit_credit_code == unit.credit_code,
                Employment.end_date.is_(None),
            )
        )
        open_jobs.update((e.id_number, e) for e in found)
    for id_number, (line_no, line) in accepted.items():
        job = open_jobs.get(id_number)
        if job is None:
            fail(f"line[{line_no}].id_number", "no_open_employment", f"not employed by unit {unit.credit_code} now")
        elif line.end_date < job.start_date:
            fail(f"line[{line_no}].end_date", "end_before_start", f"the employment started on {job.start_date}")
    errors.raise_any("separations_invalid", "Separations refused", "no employment of this upload was ended")
    ended = []
    for id_number, (_, line) in accepted.items():
        job = open_jobs[id_number]
        job.end_date, job.separation_reason = line.end_date, line.separation_reason.value
        ended.append(job)
    await session.flush()
    await emit_many(
        session,
        [
            (
                EmploymentEnded(
                    id_number=e.id_number,
                    unit_credit_code=e.unit_credit_code,
                    region=e.region,
                    track=e.track,
                    start_date=e.start_date,
                    end_date=e.end_date,
                    separation_reason=e.separation_reason,
                    involuntary=is_involuntary(e.separation_reason),
                    employment_id=e.id,
                ),
                e.id_number,
                e.region,
            )
            for e in ended
        ],
    )
    return ended
