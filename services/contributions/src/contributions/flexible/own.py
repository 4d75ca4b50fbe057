"""A flexible worker's own contributions on the merged track (docs/policy.md Re-employment support 1; N§3(2),
N§6 ¶1): the person declares a base between the floor and the ceiling for a month or a quarter and pays pension and
unemployment together at the flexible-worker rates. Their declarations and payments are the same records as a
unit's, with the person as payer, so arrears, the late fee (C13), the allocation oldest first (C7), the two fund
ledgers and the ``period_paid`` event that claims counts are one implementation, not two."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from pydantic import model_validator
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    ActDate,
    Conflict,
    FieldError,
    NotFound,
    Principal,
    Problem,
    ResidentId,
    Unprocessable,
    insert_returning_ids,
    insert_rows,
    mask_id_number,
    person_key,
    utcnow,
)
from insurance_shared.uploads import LineErrors, model_lines

from ..declarations.models import Declaration
from ..ledger.service import Entry, post_many
from ..parameters.service import all_values
from ..payments import service as payments
from ..payments.schemas import PaymentIn
from ..persons.models import Employment, Person
from ..rules import postings
from ..rules.flexible import base_outside_band, flexible_amounts, floor_contribution, months_declared
from ..rules.parameters import MissingParameter, UsedParameter, flexible_parameters_for
from ..rules.periods import format_period, next_month, parse_period
from .models import FlexibleEmployment
from .schemas import OwnDeclarationIn

# every statement names the person by keyed hash (persons/models.py)
_LOCK_PERSON = select(Person.person_key).where(Person.person_key == bindparam("key")).with_for_update()
_ENROLMENTS = select(Employment.region, Employment.start_date, Employment.end_date).where(
    Employment.person_key == bindparam("key"), Employment.track == "flexible"
)
_DECLARED = select(Declaration.period).where(Declaration.payer_key == bindparam("key"), Declaration.kind == "regular")
_LINE_COLUMNS = (
    "declaration_id",
    "line_no",
    "person_key",
    "declared_base",
    "base",
    "pension_unit",
    "pension_person",
    "unemployment_unit",
    "unemployment_person",
    "floor_fen",
)


async def ensure_visible(session: AsyncSession, principal: Principal, id_number: str) -> None:
    """A person the URL names whom no enrolment or flexible employment places in the caller's region is not there for
    the caller (404, as for nobody): another region learns nothing of them."""
    if principal.reads_all_regions:
        return
    key = person_key(id_number)
    here = (
        await session.execute(
            select(Employment.id).where(Employment.person_key == key, Employment.region == principal.region)
        )
    ).first() or (
        await session.execute(
            select(FlexibleEmployment.id).where(
                FlexibleEmployment.person_key == key, FlexibleEmployment.region == principal.region
            )
        )
    ).first()
    if not here:
        raise NotFound("person", id_number)


def _not_enrolled(field: str) -> Unprocessable:
    return Unprocessable(
        "not_enrolled_flexible",
        "this person is not enrolled as a flexible worker on the merged track (POST /persons/enrolments with "
        "track=flexible)",
        field=field,
    )


async def lock_person(session: AsyncSession, id_number: str, field: str) -> None:
    """A person's own declarations and payments run one at a time, like a unit's."""
    if (await session.execute(_LOCK_PERSON, {"key": person_key(id_number)})).first() is None:
        raise _not_enrolled(field)


@dataclass(slots=True)
class OwnMonth:
    declaration: Declaration
    used: tuple[UsedParameter, ...]


async def declare(
    session: AsyncSession,
    principal: Principal,
    id_number: str,
    body: OwnDeclarationIn,
    today: dt.date,
    *,
    ref: str = "body",
    id_field: str = "path.id_number",
) -> list[OwnMonth]:
    """The month's (or quarter's) declarations of one person, posted to both ledgers; nothing written if refused."""
    if id_field.startswith("path."):
        await ensure_visible(session, principal, id_number)
    await lock_person(session, id_number, id_field)
    key = person_key(id_number)
    spans = list(await session.execute(_ENROLMENTS, {"key": key}))
    if not spans:
        raise _not_enrolled(id_field)
    try:
        first = parse_period(body.period)
    except ValueError as exc:
        raise Unprocessable("invalid_period", str(exc), field=f"{ref}.period") from None
    if first > today.replace(day=1):
        raise Unprocessable("period_in_future", f"{body.period} has not begun", field=f"{ref}.period")
    values = await all_values(session)
    declared = set((await session.execute(_DECLARED, {"key": key})).scalars())
    try:
        due_day = flexible_parameters_for(values, spans[0][0], first).due_day
        months = months_declared(first, body.frequency or "monthly", due_day)
    except MissingParameter as exc:
        raise Unprocessable("no_parameters", str(exc), field=f"{ref}.period") from None
    except ValueError as exc:
        raise Unprocessable("invalid_quarter", str(exc), field=f"{ref}.period") from None
    out: list[tuple[dt.date, str, object]] = []
    for period in months.periods:
        text = format_period(period)
        if period > today.replace(day=1):
            raise Unprocessable("period_in_future", f"{text} has not begun", field=f"{ref}.period")
        end = next_month(period) - dt.timedelta(days=1)
        region = next((r for r, s, e in spans if s <= end and (e is None or e >= period)), None)
        if region is None:
            raise Unprocessable(
                "not_enrolled_in_period",
                f"not enrolled as a flexible worker on the merged track in {text}",
                field=f"{ref}.period",
            )
        if period in declared:
            raise Conflict(
                "period_declared",
                f"{text} is already declared for this person; pay it, or correct it with the agency",
                extra={"period": text},
            )
        principal.ensure_writable(region, field=id_field)
        try:
            p = flexible_parameters_for(values, region, period)
        except MissingParameter as exc:
            raise Unprocessable("no_parameters", str(exc), field=f"{ref}.period") from None
        if (why := base_outside_band(body.base, p)) is not None:
            raise Unprocessable(
                "base_outside_band",
                f"{why} in region {region} for {text} (N§6 ¶1: a flexible worker chooses a base between the floor "
                "and the ceiling)",
                field=f"{ref}.base",
            )
        out.append((period, region, p))
    now = utcnow()
    rows, lines, entries, result = [], [], [], []
    for period, region, p in out:
        amounts = flexible_amounts(body.base, p)  # type: ignore[arg-type]
        rows.append(
            {
                "unit_credit_code": None,
                "payer_key": key,
                "region": region,
                "home_region": region,
                "period": period,
                "kind": "regular",
                "due_date": months.due,
                "lines": 1,
                "unit_share_payer": "person",
                "pension_unit": 0,
                "pension_person": amounts.pension_person,
                "unemployment_unit": 0,
                "unemployment_person": amounts.unemployment_person,
                "owed_pension": amounts.pension,
                "owed_unemployment": amounts.unemployment,
                "fee_pension": 0,
                "fee_unemployment": 0,
                "fee_accrued_until": months.due,
                "paid": False,
                "paid_on": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    ids = await insert_returning_ids(session, Declaration.__table__, rows)
    for declaration_id, row, (period, region, p) in zip(ids, rows, out, strict=True):
        lines.append(
            (
                declaration_id,
                1,
                key,
                body.base,
                body.base,
                0,
                row["pension_person"],
                0,
                row["unemployment_person"],
                floor_contribution(p),  # type: ignore[arg-type]
            )
        )
        entries.append(
            Entry(
                "declaration",
                f"declaration:{declaration_id}",
                postings.declared(region, row["owed_pension"], row["owed_unemployment"]),  # type: ignore[arg-type]
                memo=f"{mask_id_number(id_number)} {format_period(period)} own (flexible worker)",
            )
        )
        result.append(OwnMonth(Declaration(id=declaration_id, **row), p.used))  # type: ignore[attr-defined]
    await insert_rows(session, "declaration_lines", _LINE_COLUMNS, lines)
    await post_many(session, entries)
    return result


async def payer(session: AsyncSession, principal: Principal, id_number: str, field: str) -> payments.Payer:
    """The person as payer, in the region of their unpaid months (the funds their money feeds)."""
    if field.startswith("path."):
        await ensure_visible(session, principal, id_number)
    await lock_person(session, id_number, field)
    key = person_key(id_number)
    regions = set(
        (
            await session.execute(
                select(Declaration.region).where(Declaration.payer_key == key, Declaration.paid.is_(False))
            )
        ).scalars()
    )
    if not regions:
        raise Unprocessable("nothing_owed", "this person owes nothing; no payment was recorded", field="body.amount")
    if len(regions) > 1:
        raise Conflict(
            "owed_in_several_regions",
            f"this person owes own contributions in regions {', '.join(sorted(regions))}: the agencies settle them "
            "one region at a time",
        )
    region = regions.pop()
    principal.ensure_writable(region, field=field)
    return payments.Payer("person", key, region)


async def pay(
    session: AsyncSession, principal: Principal, id_number: str, amount: int, paid_on: dt.date | None, today: dt.date
) -> payments.Applied:
    book = await payments.open_book(session, await payer(session, principal, id_number, "path.id_number"))
    applied = await payments.apply(
        session, book, PaymentIn.model_construct(amount=amount, paid_on=paid_on, payer="unit"), today
    )
    await payments.write(session, [applied], [book])
    return applied


BULK_COLUMNS = ("id_number", "period", "base")
BULK_OPTIONAL = ("frequency", "paid_on")
MAX_LINES = 100_000


class BulkLine(OwnDeclarationIn):
    """One line of a street/town institution's upload: a person's month (or quarter) and, when the institution
    collected the money, the day it was paid."""

    id_number: ResidentId
    frequency: Literal["monthly", "quarterly"] | None = None  # type: ignore[assignment]  # empty cell: monthly
    paid_on: ActDate | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_cells(cls, data: object) -> object:
        # a CSV leaves an optional cell empty: the same as not giving it
        if isinstance(data, dict):
            return {k: (None if v == "" and k in BULK_OPTIONAL else v) for k, v in data.items()}
        return data


@dataclass(slots=True)
class BulkResult:
    lines: int = 0
    people: int = 0
    declarations: int = 0
    payments: int = 0
    declared: int = 0
    paid: int = 0
    written: list[tuple[str, int, str]] = field(default_factory=list)  # (object type, id, region), for the audit


def _moved(problem: Problem, ref: str, id_field: str) -> list[FieldError]:
    """A single request's refusal as the errors of one upload line."""
    if not problem.errors:
        return [FieldError(field=id_field, code=problem.code, message=problem.detail or problem.title)]
    return [
        FieldError(
            field=e.field.replace("body.", f"{ref}.", 1).replace("path.id_number", id_field),
            code=e.code,
            message=e.message,
        )
        for e in problem.errors
    ]


async def declare_many(session: AsyncSession, principal: Principal, lines, today: dt.date) -> BulkResult:
    """Many people's own months at once, as a street/town labor-service institution collects them (N§6 ¶1): each
    line checked as a single declaration (and payment) would be, all or nothing, every error with its line."""
    errors = LineErrors()
    result = BulkResult()
    people: set[str] = set()
    to_pay: list[tuple[str, str, str, int, dt.date]] = []
    async for line_no, body in model_lines(
        lines,
        BulkLine,
        (*BULK_COLUMNS, *BULK_OPTIONAL),
        errors,
        max_lines=MAX_LINES,
        per="upload",
        empty="an upload has at least one line",
    ):
        ref, id_field = f"line[{line_no}]", f"line[{line_no}].id_number"
        result.lines += 1
        if body.paid_on is not None and body.paid_on > today:
            errors.add(f"{ref}.paid_on", "date_in_future", "a payment is recorded on or after the day it arrived")
            continue
        try:
            months = await declare(session, principal, body.id_number, body, today, ref=ref, id_field=id_field)
        except Problem as exc:
            for e in _moved(exc, ref, id_field):
                errors.add(e.field, e.code, e.message)
            continue
        people.add(body.id_number)
        total = sum(m.declaration.total for m in months)
        result.declarations += len(months)
        result.written += [("declaration", m.declaration.id, m.declaration.region) for m in months]
        result.declared += total
        if body.paid_on is not None:
            to_pay.append((ref, id_field, body.id_number, total, body.paid_on))
    errors.raise_any("upload_invalid", "Upload refused", "nothing of this upload was written")
    for ref, id_field, id_number, total, paid_on in to_pay:
        try:
            applied = await pay(session, principal, id_number, total, paid_on, today)
        except Problem as exc:
            for e in _moved(exc, ref, id_field):
                errors.add(e.field, e.code, e.message)
            continue
        result.payments += 1
        result.written.append(("payment", applied.payment.id, applied.payment.region))
        result.paid += total
    errors.raise_any("upload_invalid", "Upload refused", "nothing of this upload was written")
    result.people = len(people)
    return result
