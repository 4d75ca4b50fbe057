"""Monthly declarations (policy.md Contributions 1-2; N§3 ¶1): validated line by line, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pydantic_core import PydanticCustomError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Conflict, FieldError, Principal, Problem, Unprocessable, parse_yuan
from insurance_shared.db import insert_rows
from insurance_shared.ids import validate_resident_id

from ..ledger.service import post
from ..parameters.service import MissingParameter, parameters_on
from ..payments.models import PaymentAllocation
from ..persons.models import Employment
from ..persons.service import unit_for_write
from ..rules import postings
from ..rules.amounts import line_amounts
from ..rules.periods import due_date, next_month, parse_period
from ..units.models import Unit
from ..uploads import RawLine, is_bad_json
from .models import Declaration, DeclarationLine

MAX_REPORTED = 1000
FLUSH_EVERY = 5000
LINE_COLUMNS = (
    "declaration_id",
    "line_no",
    "id_number",
    "declared_base",
    "base",
    "pension_unit",
    "pension_person",
    "unemployment_unit",
    "unemployment_person",
)


@dataclass(frozen=True, slots=True)
class Line:
    ref: str  # where the caller finds it: body.lines[3] or line[17]
    id_number: str
    base: int


def parse_raw(raw: RawLine) -> tuple[Line | None, list[FieldError]]:
    """A bulk line to a Line, or the errors that stop it."""
    ref = f"line[{raw.line_no}]"
    if is_bad_json(raw.id_number):
        return None, [FieldError(field=ref, code="bad_json_line", message="not a JSON object")]
    errors: list[FieldError] = []
    id_number = base = None
    try:
        id_number = validate_resident_id(raw.id_number if isinstance(raw.id_number, str) else "")
    except PydanticCustomError as exc:
        errors.append(FieldError(field=f"{ref}.id_number", code=exc.type, message=exc.message()))
    try:
        base = parse_yuan(raw.base)
    except PydanticCustomError as exc:
        errors.append(FieldError(field=f"{ref}.base", code=exc.type, message=exc.message()))
    if errors:
        return None, errors
    assert id_number is not None and base is not None
    return Line(ref, id_number, base), []


async def _lock_unit(session: AsyncSession, unit: Unit) -> None:
    # declarations and payments of one unit run one at a time (PostgreSQL row lock; SQLite has one writer)
    await session.execute(select(Unit.id).where(Unit.id == unit.id).with_for_update())


async def declare(
    session: AsyncSession,
    principal: Principal,
    credit_code: str,
    period_text: str,
    kind: str,
    lines: AsyncIterator[Line | list[FieldError]],
    *,
    today: dt.date,
    period_field: str,
) -> tuple[Declaration, int, list]:
    unit = await unit_for_write(session, principal, credit_code, "path.credit_code")
    await _lock_unit(session, unit)
    try:
        period = parse_period(period_text)
    except ValueError as exc:
        raise Unprocessable("invalid_period", str(exc), field=period_field) from None
    if period > today.replace(day=1):
        raise Unprocessable("period_in_future", f"{period_text} has not begun", field=period_field)
    try:
        params = await parameters_on(session, unit.region, period)
    except MissingParameter as exc:
        raise Unprocessable("no_parameters", str(exc), field=period_field) from None
    period_end = next_month(period) - dt.timedelta(days=1)

    spans: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for id_number, start, end in await session.execute(
        select(Employment.id_number, Employment.start_date, Employment.end_date).where(
            Employment.unit_credit_code == unit.credit_code
        )
    ):
        spans[id_number].append((start, end))

    existing = (
        await session.execute(
            select(Declaration).where(
                Declaration.unit_credit_code == unit.credit_code,
                Declaration.period == period,
                Declaration.kind == "regular",
            )
        )
    ).scalar_one_or_none()
    previous: dict[str, tuple[int, int, int, int]] = {}
    if kind == "regular":
        if existing is not None:
            allocated = (
                await session.execute(
                    select(func.count())
                    .select_from(PaymentAllocation)
                    .where(PaymentAllocation.declaration_id == existing.id)
                )
            ).scalar_one()
            if existing.paid or allocated:
                raise Conflict(
                    "period_paid_use_adjustment",
                    f"{period_text} has payments against it; correct it with an adjustment declaration",
                )
            await post(
                session,
                "declaration_replaced",
                f"declaration:{existing.id}",
                postings.declared(
                    existing.region,
                    -(existing.pension_unit + existing.pension_person),
                    -(existing.unemployment_unit + existing.unemployment_person),
                ),
            )
            await session.execute(delete(DeclarationLine).where(DeclarationLine.declaration_id == existing.id))
        declaration = existing
    else:
        if existing is None:
            raise Unprocessable(
                "nothing_to_adjust", f"there is no declaration for {period_text} to adjust", field=period_field
            )
        declaration = None
        rows = await session.execute(
            select(
                DeclarationLine.id_number,
                func.sum(DeclarationLine.pension_unit),
                func.sum(DeclarationLine.pension_person),
                func.sum(DeclarationLine.unemployment_unit),
                func.sum(DeclarationLine.unemployment_person),
            )
            .join(Declaration, Declaration.id == DeclarationLine.declaration_id)
            .where(Declaration.unit_credit_code == unit.credit_code, Declaration.period == period)
            .group_by(DeclarationLine.id_number)
        )
        previous = {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}

    if declaration is None:
        declaration = Declaration(
            unit_credit_code=unit.credit_code,
            region=unit.region,
            home_region=unit.home_region or unit.region,
            period=period,
            kind=kind,
        )
        session.add(declaration)
    declaration.due_date = due_date(period, params.due_day)
    declaration.fee_accrued_until = declaration.due_date
    declaration.unit_share_payer = "fiscal_budget" if unit.fully_budget_funded else "unit"
    declaration.lines = 0
    for attr in (
        "pension_unit",
        "pension_person",
        "unemployment_unit",
        "unemployment_person",
        "fee_pension",
        "fee_unemployment",
    ):
        setattr(declaration, attr, 0)
    declaration.owed_pension = declaration.owed_unemployment = 0
    declaration.paid = False
    await session.flush()

    errors: list[FieldError] = []
    error_count = 0
    seen: set[str] = set()
    buffer: list[tuple] = []
    totals = [0, 0, 0, 0]
    clamped = 0
    n = 0

    def fail(field: str, code: str, message: str) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_REPORTED:
            errors.append(FieldError(field=field, code=code, message=message))

    async for item in lines:
        if isinstance(item, list):
            for e in item:
                fail(e.field, e.code, e.message)
            continue
        line = item
        if line.id_number in seen:
            fail(f"{line.ref}.id_number", "duplicate_person", "this person is already declared above")
            continue
        seen.add(line.id_number)
        if line.base <= 0:
            fail(f"{line.ref}.base", "base_not_positive", "a contribution base is more than zero")
            continue
        person_spans = spans.get(line.id_number)
        if not person_spans:
            fail(f"{line.ref}.id_number", "person_not_enrolled", f"not enrolled with unit {unit.credit_code}")
            continue
        if not any(start <= period_end and (end is None or end >= period) for start, end in person_spans):
            if all(start > period_end for start, _ in person_spans):
                fail(
                    f"{line.ref}.id_number",
                    "period_before_enrolment",
                    f"enrolled only from {min(s for s, _ in person_spans)}",
                )
            else:
                fail(f"{line.ref}.id_number", "not_employed_in_period", f"not employed by the unit in {period_text}")
            continue
        amounts = line_amounts(line.base, params)
        parts = (amounts.pension_unit, amounts.pension_person, amounts.unemployment_unit, amounts.unemployment_person)
        if kind == "adjustment":
            before = previous.get(line.id_number, (0, 0, 0, 0))
            parts = tuple(a - b for a, b in zip(parts, before, strict=True))
            if any(p < 0 for p in parts):
                fail(f"{line.ref}.base", "adjustment_decreases", "an adjustment may only add to what was declared")
                continue
        n += 1
        clamped += amounts.clamped is not None
        for i, p in enumerate(parts):
            totals[i] += p
        if not error_count:
            buffer.append((declaration.id, n, line.id_number, amounts.declared_base, amounts.base, *parts))
            if len(buffer) >= FLUSH_EVERY:
                await insert_rows(session, "declaration_lines", LINE_COLUMNS, buffer)
                buffer = []
    if error_count:
        raise Problem(
            422,
            "declaration_invalid",
            "Declaration refused",
            f"{error_count} line error(s); nothing of this declaration was written"
            + (f" (the first {MAX_REPORTED} are listed)" if error_count > MAX_REPORTED else ""),
            errors=errors,
            extra={"error_count": error_count},
        )
    if n == 0:
        raise Unprocessable("no_lines", "a declaration has at least one line", field="body")
    await insert_rows(session, "declaration_lines", LINE_COLUMNS, buffer)
    declaration.lines = n
    (
        declaration.pension_unit,
        declaration.pension_person,
        declaration.unemployment_unit,
        declaration.unemployment_person,
    ) = totals
    declaration.owed_pension = totals[0] + totals[1]
    declaration.owed_unemployment = totals[2] + totals[3]
    declaration.paid = declaration.owed_pension + declaration.owed_unemployment == 0
    await session.flush()
    await post(
        session,
        "declaration",
        f"declaration:{declaration.id}",
        postings.declared(declaration.region, declaration.owed_pension, declaration.owed_unemployment),
        memo=f"{unit.credit_code} {period_text} {kind}",
    )
    return declaration, clamped, list(params.used)
