"""Monthly declarations (policy.md Contributions 1-2; N§3 ¶1): validated line by line, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from pydantic_core import PydanticCustomError
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    Conflict,
    FieldError,
    Principal,
    Unprocessable,
    insert_returning_ids,
    insert_rows,
    parameters_version,
    parse_yuan,
    person_key,
    utcnow,
    validate_resident_id,
)
from insurance_shared.uploads import LineErrors

from ..ledger.service import Entry, post, post_many
from ..parameters.service import all_values
from ..persons.models import Employment
from ..persons.service import unit_for_write
from ..rules import postings
from ..rules.amounts import line_amounts
from ..rules.parameters import ContributionParameters, MissingParameter, ParameterValue, parameters_for
from ..rules.periods import due_date, format_period, next_month, parse_period
from ..units.models import Unit
from .models import Declaration, DeclarationLine, PaymentAllocation
from .upload_lines import RawLine, is_bad_json

FLUSH_EVERY = 5000

LINE_COLUMNS = (
    "declaration_id",
    "line_no",
    "person_key",
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
    period: str | None = None  # in a multi-period upload, the line's own period (YYYY-MM)


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
    period = raw.period if isinstance(raw.period, str) else None if raw.period is None else repr(raw.period)
    return Line(ref, id_number, base, period), []


# statements run for every upload, built once with bind parameters (not rebuilt, nor their cache keys, per call)
# the lock also reads the parameter values' version, so values this process has read are not read again (#27)
_LOCK_UNIT = select(parameters_version).where(Unit.id == bindparam("unit_id")).with_for_update(of=Unit)
SPANS = select(Employment.person_key, Employment.start_date, Employment.end_date).where(
    Employment.unit_credit_code == bindparam("credit_code")
)
_REGULAR = select(Declaration.period, Declaration.id).where(
    Declaration.unit_credit_code == bindparam("credit_code"), Declaration.kind == "regular"
)


async def _lock_unit(session: AsyncSession, unit: Unit) -> int:
    """Declarations and payments of one unit run one at a time (PostgreSQL row lock; SQLite has one writer).
    Returns the count of parameter values set at run time (``parameters_version``)."""
    return (await session.execute(_LOCK_UNIT, {"unit_id": unit.id})).scalar_one()


class Refused(Exception):
    """A period cannot be declared; where it is reported depends on where the period was given."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(slots=True)
class Draft:
    """A declaration being made: plain data, written with one insert (or, when it replaces an unpaid regular
    declaration, one update) of all the upload's declarations once every line is in."""

    id: int | None  # None until inserted; the replaced declaration's id otherwise
    unit_credit_code: str
    region: str
    home_region: str
    period: dt.date
    kind: str
    due_date: dt.date
    unit_share_payer: str
    lines: int = 0
    pension_unit: int = 0
    pension_person: int = 0
    unemployment_unit: int = 0
    unemployment_person: int = 0
    owed_pension: int = 0
    owed_unemployment: int = 0
    paid: bool = False

    @property
    def total(self) -> int:
        return self.pension_unit + self.pension_person + self.unemployment_unit + self.unemployment_person

    # what a new declaration starts with and a replaced one goes back to
    fee_pension = 0
    fee_unemployment = 0

    def row(self, now: dt.datetime) -> dict[str, object]:
        return {
            **{f: getattr(self, f) for f in DRAFT_COLUMNS},
            "fee_pension": self.fee_pension,
            "fee_unemployment": self.fee_unemployment,
            "fee_accrued_until": self.due_date,
            "paid_on": None,
            "updated_at": now,
        }


DRAFT_COLUMNS = tuple(f for f in Draft.__dataclass_fields__ if f != "id")
_WRITTEN_COLUMNS = (*DRAFT_COLUMNS, "fee_pension", "fee_unemployment", "fee_accrued_until", "paid_on", "updated_at")
_REPLACE = (
    update(Declaration.__table__)
    .where(Declaration.__table__.c.id == bindparam("d_id"))
    .values({c: bindparam(f"d_{c}") for c in _WRITTEN_COLUMNS})
)


def _replace_params(drafts: list[Draft], now: dt.datetime) -> list[dict[str, object]]:
    return [{"d_id": d.id, **{f"d_{c}": v for c, v in d.row(now).items()}} for d in drafts]


@dataclass
class Period:
    """One period's declaration while its lines arrive."""

    declaration: Draft
    text: str
    end: dt.date
    params: ContributionParameters
    previous: dict[str, tuple[int, int, int, int]]  # an adjustment's earlier amounts per person
    seen: set[str] = field(default_factory=set)
    totals: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    clamped: int = 0
    n: int = 0


class Declaring:
    """One unit's declarations of one kind in one transaction, for one period or several: every line checked,
    lines written as they come, nothing kept if any line is wrong (the caller's transaction rolls back)."""

    def __init__(self, session: AsyncSession, unit: Unit, kind: str, today: dt.date) -> None:
        self.session, self.unit, self.kind, self.today = session, unit, kind, today
        self.periods: dict[str, Period] = {}
        self.refused: dict[str, Refused] = {}
        self.regular: dict[dt.date, int] | None = None  # period → id of the unit's regular declarations
        self.spans: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
        self.values: tuple[ParameterValue, ...] = ()
        self.buffer: list[tuple] = []
        self.written: set[int] = set()  # drafts already in the table (by id()): their totals go in at the finish
        self.errors = LineErrors()
        self.fail = self.errors.add

    async def lock_and_read(self) -> None:
        self.values = await all_values(self.session, rows=await _lock_unit(self.session, self.unit))

    async def read_spans(self) -> None:
        for key, start, end in await self.session.execute(SPANS, {"credit_code": self.unit.credit_code}):
            self.spans[key].append((start, end))

    async def period(self, text: str) -> Period:
        """The period's open declaration, made on first use; raises Refused (remembered) when it cannot be."""
        if text in self.periods:
            return self.periods[text]
        if text in self.refused:
            raise self.refused[text]
        try:
            self.periods[text] = await self._open(text)
        except Refused as exc:
            self.refused[text] = exc
            raise
        return self.periods[text]

    async def _open(self, text: str) -> Period:
        session, unit, kind = self.session, self.unit, self.kind
        try:
            period = parse_period(text)
        except ValueError as exc:
            raise Refused(422, "invalid_period", str(exc)) from None
        if period > self.today.replace(day=1):
            raise Refused(422, "period_in_future", f"{text} has not begun")
        try:
            params = parameters_for(self.values, unit.region, period)
        except MissingParameter as exc:
            raise Refused(422, "no_parameters", str(exc)) from None
        if self.regular is None:  # the unit's regular declarations, read once: most periods of an upload are new
            self.regular = dict((await session.execute(_REGULAR, {"credit_code": unit.credit_code})).all())
        existing = await session.get(Declaration, self.regular[period]) if period in self.regular else None
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
                    raise Refused(
                        409,
                        "period_paid_use_adjustment",
                        f"{text} has payments against it; correct it with an adjustment declaration",
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
        else:
            if existing is None:
                raise Refused(422, "nothing_to_adjust", f"there is no declaration for {text} to adjust")
            existing = None  # an adjustment is a declaration of its own
            rows = await session.execute(
                select(
                    DeclarationLine.person_key,
                    func.sum(DeclarationLine.pension_unit),
                    func.sum(DeclarationLine.pension_person),
                    func.sum(DeclarationLine.unemployment_unit),
                    func.sum(DeclarationLine.unemployment_person),
                )
                .join(Declaration, Declaration.id == DeclarationLine.declaration_id)
                .where(Declaration.unit_credit_code == unit.credit_code, Declaration.period == period)
                .group_by(DeclarationLine.person_key)
            )
            previous = {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}
        declaration = Draft(
            id=existing.id if existing is not None else None,
            unit_credit_code=unit.credit_code,
            region=unit.region,
            home_region=unit.home_region or unit.region,
            period=period,
            kind=kind,
            due_date=due_date(period, params.due_day),
            unit_share_payer="fiscal_budget" if unit.fully_budget_funded else "unit",
        )
        return Period(declaration, text, next_month(period) - dt.timedelta(days=1), params, previous)

    async def add(self, p: Period, line: Line) -> None:
        key = person_key(line.id_number)  # people are matched and stored by keyed hash (persons/models.py)
        if key in p.seen:
            self.fail(
                f"{line.ref}.id_number", "duplicate_person", "this person is already declared above for this period"
            )
            return
        p.seen.add(key)
        if line.base <= 0:
            self.fail(f"{line.ref}.base", "base_not_positive", "a contribution base is more than zero")
            return
        person_spans = self.spans.get(key)
        if not person_spans:
            self.fail(f"{line.ref}.id_number", "person_not_enrolled", f"not enrolled with unit {self.unit.credit_code}")
            return
        period_start = p.declaration.period
        if not any(start <= p.end and (end is None or end >= period_start) for start, end in person_spans):
            if all(start > p.end for start, _ in person_spans):
                self.fail(
                    f"{line.ref}.id_number",
                    "period_before_enrolment",
                    f"enrolled only from {min(s for s, _ in person_spans)}",
                )
            else:
                self.fail(f"{line.ref}.id_number", "not_employed_in_period", f"not employed by the unit in {p.text}")
            return
        amounts = line_amounts(line.base, p.params)
        parts = (amounts.pension_unit, amounts.pension_person, amounts.unemployment_unit, amounts.unemployment_person)
        if self.kind == "adjustment":
            before = p.previous.get(key, (0, 0, 0, 0))
            parts = tuple(a - b for a, b in zip(parts, before, strict=True))
            if any(x < 0 for x in parts):
                self.fail(f"{line.ref}.base", "adjustment_decreases", "an adjustment may only add to what was declared")
                return
        p.n += 1
        p.clamped += amounts.clamped is not None
        for i, x in enumerate(parts):
            p.totals[i] += x
        if not self.errors.count:
            self.buffer.append((p.declaration, p.n, key, amounts.declared_base, amounts.base, *parts))
            if len(self.buffer) >= FLUSH_EVERY:
                await self._write_lines()

    async def _write_lines(self) -> None:
        """The buffered lines, after the declarations they belong to: the drafts not yet written are written
        together here rather than one by one as their periods first appear."""
        await self._write_drafts()
        ids = {id(p.declaration): p.declaration.id for p in self.periods.values()}  # each id once, not per line
        rows = [(ids[id(d)], *rest) for d, *rest in self.buffer]
        await insert_rows(self.session, "declaration_lines", LINE_COLUMNS, rows)
        self.buffer = []

    async def _write_drafts(self) -> None:
        drafts = [p.declaration for p in self.periods.values() if id(p.declaration) not in self.written]
        if not drafts:
            return
        now = utcnow()
        replaced = [d for d in drafts if d.id is not None]
        if replaced:
            await self.session.execute(_REPLACE, _replace_params(replaced, now))
        new = [d for d in drafts if d.id is None]
        ids = await insert_returning_ids(
            self.session, Declaration.__table__, [{**d.row(now), "created_at": now} for d in new]
        )
        for d, declaration_id in zip(new, ids, strict=True):
            d.id = declaration_id
        self.written |= {id(d) for d in drafts}

    async def finish(self) -> list[tuple[Draft, int, list]]:
        self.errors.raise_any("declaration_invalid", "Declaration refused", "nothing of this declaration was written")
        if not self.periods:
            raise Unprocessable("no_lines", "a declaration has at least one line", field="body")
        out = []
        for p in sorted(self.periods.values(), key=lambda p: p.declaration.period):
            d = p.declaration
            if p.n == 0:
                raise Unprocessable("no_lines", f"the declaration for {p.text} has no lines", field="body")
            d.lines = p.n
            d.pension_unit, d.pension_person, d.unemployment_unit, d.unemployment_person = p.totals
            d.owed_pension = p.totals[0] + p.totals[1]
            d.owed_unemployment = p.totals[2] + p.totals[3]
            d.paid = d.owed_pension + d.owed_unemployment == 0
            out.append((d, p.clamped, list(p.params.used)))
        # after the totals: a declaration not yet written is inserted whole, not updated; one written early (an
        # upload of more than FLUSH_EVERY lines) gets its totals now
        early = [d for d, _, _ in out if id(d) in self.written]
        await self._write_lines()
        if early:
            await self.session.execute(_REPLACE, _replace_params(early, utcnow()))
        await post_many(
            self.session,
            [
                Entry(
                    "declaration",
                    f"declaration:{d.id}",
                    postings.declared(d.region, d.owed_pension, d.owed_unemployment),
                    memo=f"{self.unit.credit_code} {format_period(d.period)} {self.kind}",
                )
                for d, _, _ in out
            ],
        )
        return out


async def begin(
    session: AsyncSession,
    principal: Principal,
    credit_code: str,
    kind: str,
    today: dt.date,
    cls: type[Declaring] = Declaring,
) -> Declaring:
    """A declaration of the unit the path names, as ``cls`` declares it: the unit checked writable for the caller,
    locked, and the parameters read (its employments are read by the path that adds the lines)."""
    unit = await unit_for_write(session, principal, credit_code, "path.credit_code")
    declaring = cls(session, unit, kind, today)
    await declaring.lock_and_read()
    return declaring


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
) -> tuple[Draft, int, list]:
    """One period's declaration; a period that cannot be declared is refused before any line is read."""
    declaring = await begin(session, principal, credit_code, kind, today)
    await declaring.read_spans()
    p = await open_period(declaring, period_text, period_field)
    await add_lines(declaring, p, lines)
    return (await declaring.finish())[0]


async def open_period(declaring: Declaring, period_text: str, period_field: str) -> Period:
    """The declaration's one period, or its refusal (409 when paid, else 422 on ``period_field``)."""
    try:
        return await declaring.period(period_text)
    except Refused as exc:
        if exc.status == 409:
            raise Conflict(exc.code, exc.message) from None
        raise Unprocessable(exc.code, exc.message, field=period_field) from None


async def add_lines(declaring: Declaring, p: Period, lines: AsyncIterator[Line | list[FieldError]]) -> None:
    """Each line of a one-period declaration, in file order."""
    async for item in lines:
        if isinstance(item, list):
            for e in item:
                declaring.fail(e.field, e.code, e.message)
        elif item.period and item.period != p.text:
            declaring.fail(f"{item.ref}.period", "period_mismatch", f"this upload declares {p.text} only")
        else:
            await declaring.add(p, item)


async def declare_periods(
    session: AsyncSession,
    principal: Principal,
    credit_code: str,
    kind: str,
    lines: AsyncIterator[Line | list[FieldError]],
    *,
    today: dt.date,
) -> list[tuple[Draft, int, list]]:
    """Several periods' declarations from one upload whose lines each name their period (a unit catching up on
    months it did not declare, or history moved from another system): all of them, or none."""
    declaring = await begin(session, principal, credit_code, kind, today)
    await declaring.read_spans()
    await add_period_lines(declaring, lines)
    return await declaring.finish()


async def add_period_lines(declaring: Declaring, lines: AsyncIterator[Line | list[FieldError]]) -> None:
    """Each line of a several-period upload, in file order, to the period it names."""
    async for item in lines:
        if isinstance(item, list):
            for e in item:
                declaring.fail(e.field, e.code, e.message)
            continue
        if not item.period:
            declaring.fail(f"{item.ref}.period", "missing", "each line of a multi-period upload names its period")
            continue
        try:
            p = await declaring.period(item.period)
        except Refused as exc:
            declaring.fail(f"{item.ref}.period", exc.code, exc.message)
            continue
        await declaring.add(p, item)
