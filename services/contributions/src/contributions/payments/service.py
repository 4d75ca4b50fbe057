"""Payments: late fee to date, allocation oldest first, credit, journal and events (policy.md C5-C7; C13).

A request may carry one payment or a whole return file of them. Each unit's open declarations and credit are read
once; its payments are applied to them in order, in memory, with the pure rules (rules/payments.py); then
everything is written together: payments, allocations, journal entries and events. A single payment is a file of
one line, so both take the same path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    SYSTEM,
    Criterion,
    Principal,
    Problem,
    Unprocessable,
    insert_returning_ids,
    record_decision,
    utcnow,
)
from insurance_shared.contracts import PERIOD_PAID_PART_SIZE, ContributionPeriodPaid, MoneyCollected
from insurance_shared.events import emit_many

from ..declarations.models import Declaration, DeclarationLine, PaymentAllocation
from ..declarations.service import _lock_unit
from ..ledger.service import Entry, post_many
from ..parameters.service import parameters_on
from ..persons.service import unit_for_write
from ..rules import postings
from ..rules.payments import Allocation, Owed, accrue, allocate
from ..rules.periods import format_period
from ..units.models import Unit
from .models import LateFeeRefund, Payment
from .schemas import PaymentIn


def _credit(payment_payer, refund_payer):
    """A payer's credit: what their payments left over less what they used, plus late fees refunded to them
    (refunds.py). One statement, one round trip."""
    paid = select(func.coalesce(func.sum(Payment.credit_created - Payment.credit_used), 0)).where(
        payment_payer == bindparam("code")
    )
    refunded = select(
        func.coalesce(func.sum(LateFeeRefund.credited_pension + LateFeeRefund.credited_unemployment), 0)
    ).where(refund_payer == bindparam("code"))
    return select(paid.scalar_subquery() + refunded.scalar_subquery())


_CREDIT = _credit(Payment.unit_credit_code, LateFeeRefund.unit_credit_code)
_PERSON_CREDIT = _credit(Payment.payer_key, LateFeeRefund.payer_key)


@dataclass(frozen=True, slots=True)
class Payer:
    """Who pays: a unit, or a flexible worker for their own months on the merged track (N§3(2), N§6 ¶1). A person
    is never provincial-direct nor budget-funded, and their money feeds their own region's funds."""

    kind: str  # unit | person
    code: str  # credit code, or the person's keyed hash (persons/models.py)
    region: str
    provincial_direct: bool = False
    fully_budget_funded: bool = False

    @classmethod
    def of_unit(cls, unit: Unit) -> Payer:
        return cls("unit", unit.credit_code, unit.region, unit.provincial_direct, unit.fully_budget_funded)

    @property
    def is_unit(self) -> bool:
        return self.kind == "unit"


async def payer_credit(session: AsyncSession, payer: Payer) -> int:
    query = _CREDIT if payer.is_unit else _PERSON_CREDIT
    return int((await session.execute(query, {"code": payer.code})).scalar_one())


async def open_declarations(session: AsyncSession, payer: Payer) -> list[Declaration]:
    owner = Declaration.unit_credit_code if payer.is_unit else Declaration.payer_key
    return list(
        (
            await session.execute(
                select(Declaration)
                .where(owner == payer.code, Declaration.paid.is_(False))
                .order_by(Declaration.period, Declaration.id)
            )
        ).scalars()
    )


@dataclass(slots=True)
class OpenDeclaration:
    """An unpaid declaration as payments change it: plain data, written back with one UPDATE per request rather
    than through the ORM's unit of work (a return file touches thousands of them)."""

    id: int
    unit_credit_code: str | None
    payer_key: str | None
    region: str
    home_region: str
    period: dt.date
    kind: str
    due_date: dt.date
    owed_pension: int
    owed_unemployment: int
    fee_pension: int
    fee_unemployment: int
    fee_accrued_until: dt.date
    paid: bool = False
    paid_on: dt.date | None = None


_OPEN_COLUMNS = [getattr(Declaration, f) for f in OpenDeclaration.__dataclass_fields__ if f not in ("paid", "paid_on")]


_OPEN = (
    select(*_OPEN_COLUMNS)
    .where(Declaration.unit_credit_code == bindparam("code"), Declaration.paid.is_(False))
    .order_by(Declaration.period, Declaration.id)
)
_PERSON_OPEN = (
    select(*_OPEN_COLUMNS)
    .where(Declaration.payer_key == bindparam("code"), Declaration.paid.is_(False))
    .order_by(Declaration.period, Declaration.id)
)


async def open_for_payment(session: AsyncSession, payer: Payer) -> list[OpenDeclaration]:
    query = _OPEN if payer.is_unit else _PERSON_OPEN
    return [OpenDeclaration(*row) for row in await session.execute(query, {"code": payer.code})]


def _state(d: OpenDeclaration) -> tuple:
    return (d.owed_pension, d.owed_unemployment, d.fee_pension, d.fee_unemployment, d.fee_accrued_until, d.paid)


_UPDATE_DECLARATION = (
    update(Declaration.__table__)
    .where(Declaration.__table__.c.id == bindparam("d_id"))
    .values(
        owed_pension=bindparam("d_owed_pension"),
        owed_unemployment=bindparam("d_owed_unemployment"),
        fee_pension=bindparam("d_fee_pension"),
        fee_unemployment=bindparam("d_fee_unemployment"),
        fee_accrued_until=bindparam("d_fee_accrued_until"),
        paid=bindparam("d_paid"),
        paid_on=bindparam("d_paid_on"),
        updated_at=bindparam("d_updated_at"),
    )
)


async def owed_as_of(session: AsyncSession, decl: Declaration | OpenDeclaration, on: dt.date) -> Owed:
    owed = Owed(
        decl.id, decl.period, decl.owed_pension, decl.owed_unemployment, decl.fee_pension, decl.fee_unemployment
    )
    if on <= max(decl.due_date, decl.fee_accrued_until):
        return owed  # not yet due, or the fee already charged to this day: nothing accrues (the rate is not needed)
    rate = (await parameters_on(session, decl.region, on)).late_fee_daily_rate
    return accrue(
        owed,
        due=decl.due_date,
        accrued_until=decl.fee_accrued_until,
        on=on,
        daily_rate=rate,
    )


@dataclass
class Applied:
    """One payment as applied: what the caller is told, and what is still to be written."""

    payment: Payment  # not added to the session: written by write, which sets its id
    allocations: list[Allocation]
    by_id: dict[int, OpenDeclaration]
    fee_charged: int
    periods_paid: list[str]
    payer: Payer
    fees: list[tuple[OpenDeclaration, int, int]] = field(default_factory=list)  # late fee charged per declaration
    newly_paid: list[OpenDeclaration] = field(default_factory=list)
    pension_in: int = 0  # money to the pension fund, its late fee included
    unemployment_in: int = 0  # money to the unemployment fund, its late fee included
    fee_pension_in: int = 0  # of which late fee
    fee_unemployment_in: int = 0
    decision_id: int | None = None  # the late fee's decision record, once written


@dataclass
class _Book:
    """A unit's open declarations (oldest first) and credit, as the payments of this request leave them."""

    payer: Payer
    open: list[OpenDeclaration]
    credit: int
    # every declaration open when read (paid ones leave ``open``), with its state then: what to write back
    loaded: list[tuple[OpenDeclaration, tuple]] = field(init=False)

    def __post_init__(self) -> None:
        self.loaded = [(d, _state(d)) for d in self.open]

    def changed(self) -> list[OpenDeclaration]:
        return [d for d, before in self.loaded if _state(d) != before]


async def _book(
    session: AsyncSession, principal: Principal, credit_code: str, books: dict[str, _Book], field: str
) -> _Book:
    if credit_code not in books:
        unit = await unit_for_write(session, principal, credit_code, field)
        await _lock_unit(session, unit)
        books[credit_code] = await open_book(session, Payer.of_unit(unit))
    return books[credit_code]


async def open_book(session: AsyncSession, payer: Payer) -> _Book:
    """The payer's open declarations and credit; the caller holds the payer's lock."""
    return _Book(payer, await open_for_payment(session, payer), await payer_credit(session, payer))


async def apply(session: AsyncSession, book: _Book, body: PaymentIn, today: dt.date) -> Applied:
    """One payment applied to the book in memory (nothing written): see :func:`write`."""
    payer = book.payer
    paid_on = body.paid_on or today
    if paid_on > today:
        raise Unprocessable(
            "date_in_future", "a payment is recorded on or after the day it arrived", field="body.paid_on"
        )
    if body.amount <= 0:
        raise Unprocessable("amount_not_positive", "a payment is more than zero", field="body.amount")
    if body.payer == "fiscal_budget" and not payer.fully_budget_funded:
        raise Unprocessable(
            "payer_not_allowed",
            "only a fully budget-funded public institution's contributions are paid by the fiscal budget (N§2 ¶2)",
            field="body.payer",
        )
    if not book.open:
        raise Unprocessable(
            "nothing_owed",
            f"{payer.kind} {payer.code} owes nothing; no payment was recorded",
            field="body.amount",
        )

    # 1. the late fee to the payment date is charged first (C13), each as its own journal entry
    owed: list[Owed] = []
    fees: list[tuple[OpenDeclaration, int, int]] = []
    for decl in book.open:
        o = await owed_as_of(session, decl, paid_on)
        dp, du = o.fee_pension - decl.fee_pension, o.fee_unemployment - decl.fee_unemployment
        if dp or du:
            fees.append((decl, dp, du))
        decl.fee_pension, decl.fee_unemployment = o.fee_pension, o.fee_unemployment
        decl.fee_accrued_until = max(decl.fee_accrued_until, paid_on)
        owed.append(o)

    # 2. allocate the money and any credit, oldest period first (C7)
    credit_before = book.credit
    allocations, leftover = allocate(body.amount + credit_before, owed)
    allocated = sum(a.total for a in allocations)
    credit_used = min(credit_before, allocated)
    credit_created = leftover - (credit_before - credit_used)
    book.credit = leftover
    payment = Payment(
        unit_credit_code=payer.code if payer.is_unit else None,
        payer_key=None if payer.is_unit else payer.code,
        region=payer.region,
        amount=body.amount,
        credit_used=credit_used,
        credit_created=credit_created,
        payer=body.payer if payer.is_unit else "person",
        paid_on=paid_on,
        created_at=utcnow(),
    )
    by_id = {d.id: d for d in book.open}
    applied = Applied(payment, allocations, by_id, sum(dp + du for _, dp, du in fees), [], payer, fees)
    for a in allocations:
        d = by_id[a.key]
        d.owed_pension -= a.pension
        d.owed_unemployment -= a.unemployment
        d.fee_pension -= a.fee_pension
        d.fee_unemployment -= a.fee_unemployment
        if d.owed_pension + d.owed_unemployment + d.fee_pension + d.fee_unemployment == 0:
            d.paid, d.paid_on = True, paid_on
            applied.newly_paid.append(d)
            applied.periods_paid.append(format_period(d.period))
        applied.pension_in += a.pension + a.fee_pension
        applied.unemployment_in += a.unemployment + a.fee_unemployment
        applied.fee_pension_in += a.fee_pension
        applied.fee_unemployment_in += a.fee_unemployment
    book.open = [d for d in book.open if not d.paid]
    return applied


async def pay_many(
    session: AsyncSession,
    principal: Principal,
    payments: list[tuple[str, PaymentIn]],
    today: dt.date,
    unit_field: str = "body.credit_code",
) -> list[Applied | Problem]:
    """Apply ``(credit code, payment)`` in order; each gives its Applied, or the Problem that refused it (which
    changed nothing). Written only when none was refused: the caller refuses the whole request otherwise."""
    books: dict[str, _Book] = {}
    out: list[Applied | Problem] = []
    for credit_code, body in payments:
        try:
            book = await _book(session, principal, credit_code, books, unit_field)
            out.append(await apply(session, book, body, today))
        except Problem as exc:
            out.append(exc)
    if not any(isinstance(r, Problem) for r in out):
        await write(session, [r for r in out if isinstance(r, Applied)], books.values())
    return out


async def pay(session: AsyncSession, principal: Principal, credit_code: str, body: PaymentIn, today: dt.date):
    (result,) = await pay_many(session, principal, [(credit_code, body)], today, unit_field="path.credit_code")
    if isinstance(result, Problem):
        raise result
    return result.payment, result.allocations, result.by_id, result.fee_charged, result.decision_id


_PAYMENT_COLUMNS = (
    "unit_credit_code",
    "payer_key",
    "region",
    "amount",
    "credit_used",
    "credit_created",
    "payer",
    "paid_on",
    "created_at",
)


async def write(session: AsyncSession, applied: list[Applied], books: Iterable[_Book]) -> None:
    """Everything the applied payments did: payments, declarations, allocations, journal entries and events."""
    payments = [a.payment for a in applied]
    ids = await insert_returning_ids(
        session, Payment.__table__, [{c: getattr(p, c) for c in _PAYMENT_COLUMNS} for p in payments]
    )
    for p, payment_id in zip(payments, ids, strict=True):
        p.id = payment_id  # the payments' ids, for their allocations, entries and events
    # every declaration a payment changed (a late fee charged, money allocated, or only its fee accrued to the day)
    now = utcnow()
    touched = [d for book in books for d in book.changed()]
    if touched:
        await session.execute(
            _UPDATE_DECLARATION,
            [
                {
                    "d_id": d.id,
                    "d_owed_pension": d.owed_pension,
                    "d_owed_unemployment": d.owed_unemployment,
                    "d_fee_pension": d.fee_pension,
                    "d_fee_unemployment": d.fee_unemployment,
                    "d_fee_accrued_until": d.fee_accrued_until,
                    "d_paid": d.paid,
                    "d_paid_on": d.paid_on,
                    "d_updated_at": now,
                }
                for d in touched
            ],
        )
    rows = [
        {
            "payment_id": a.payment.id,
            "declaration_id": x.key,
            "pension": x.pension,
            "unemployment": x.unemployment,
            "fee_pension": x.fee_pension,
            "fee_unemployment": x.fee_unemployment,
        }
        for a in applied
        for x in a.allocations
    ]
    if rows:
        await session.execute(insert(PaymentAllocation.__table__), rows)
    entries: list[Entry] = []
    for a in applied:
        entries += [
            Entry("late_fee", f"declaration:{d.id}", postings.fee_charged(d.region, dp, du)) for d, dp, du in a.fees
        ]
        entries.append(
            Entry(
                "payment",
                f"payment:{a.payment.id}",
                postings.received(
                    a.payer.region,
                    pension=a.pension_in,
                    unemployment=a.unemployment_in,
                    credit_used=a.payment.credit_used,
                    credit_created=a.payment.credit_created,
                    provincial_direct=a.payer.provincial_direct,
                ),
                memo=f"{a.payer.code} paid by {a.payment.payer}",
            )
        )
    await post_many(session, entries)
    for a in applied:
        if a.fees:
            a.decision_id = await _late_fee_decision(session, a)
    await emit_many(session, await _events(session, applied))


async def _late_fee_decision(session: AsyncSession, a: Applied) -> int:
    """A late fee charged is a decision about the payer (C13), which it may contest: each period's due date, the
    days late to the payment, the daily rate in force and what was charged to each fund."""
    paid_on, criteria = a.payment.paid_on, []
    for d, fee_pension, fee_unemployment in a.fees:
        rate = next(
            u for u in (await parameters_on(session, d.region, paid_on)).used if u.name == "late_fee_daily_rate"
        )
        days = (paid_on - d.due_date).days
        criteria.append(
            Criterion(
                f"late_{format_period(d.period)}",
                True,
                rate.clause,
                f"{format_period(d.period)} was due on {d.due_date} and paid on {paid_on}, {days} days late: "
                f"{rate.value} of what was owed for each day after the due date",
                {
                    "declaration_id": d.id,
                    "due_date": d.due_date,
                    "paid_on": paid_on,
                    "days_late": days,
                    "fee_pension_fen": fee_pension,
                    "fee_unemployment_fen": fee_unemployment,
                },
                (rate,),  # type: ignore[arg-type]
                f"{format_period(d.period)}的缴费期限为{d.due_date}, {paid_on}缴纳, 逾期{days}日: "
                f"自期限次日起按日加收欠缴额的{rate.value}",
            )
        )
    return await record_decision(
        session,
        kind="contributions.late_fee",
        subject=("payment", a.payment.id),
        region=a.payer.region,
        unit=a.payer.code if a.payer.is_unit else None,
        person=None if a.payer.is_unit else a.payer.code,
        outcome="late_fee_charged",
        clause=criteria[0].clause,
        explanation=f"a late fee of {a.fee_charged / 100:.2f} yuan charged on payment {a.payment.id}",
        decided_by=SYSTEM,
        rule="contributions.rules.payments.late_fee",
        criteria=criteria,
        references={"fee_fen": a.fee_charged},
        effective_date=paid_on,
    )


async def _events(session: AsyncSession, applied: list[Applied]) -> list[tuple]:
    """What other services need to know, payment by payment: the money per fund, then each declaration paid in
    full with the people on it."""
    paid = [d for a in applied for d in a.newly_paid if d.kind == "regular"]
    lines: dict[int, list[dict[str, object]]] = {d.id: [] for d in paid}
    ids = list(lines)
    for i in range(0, len(ids), 500):
        for declaration_id, key, amount, floor in await session.execute(
            select(
                DeclarationLine.declaration_id,
                DeclarationLine.person_key,
                DeclarationLine.unemployment_unit + DeclarationLine.unemployment_person,
                DeclarationLine.floor_fen,
            )
            .where(DeclarationLine.declaration_id.in_(ids[i : i + 500]))
            .order_by(DeclarationLine.declaration_id, DeclarationLine.line_no)
        ):
            # plain dicts: the event model validates the list in one pass, faster than a model per person
            person: dict[str, object] = {"person": key, "unemployment_fen": int(amount)}
            if floor is not None:
                person["floor_fen"] = int(floor)
            lines[declaration_id].append(person)
    events: list[tuple] = []
    for a in applied:
        payer, payment = a.payer, a.payment
        if a.pension_in:
            events.append(
                (
                    MoneyCollected(
                        region=payer.region,
                        fund="pension",
                        principal_fen=a.pension_in - a.fee_pension_in,
                        late_fee_fen=a.fee_pension_in,
                        collected_on=payment.paid_on,
                        payment_id=payment.id,
                    ),
                    f"{payer.region}:pension",
                    payer.region,
                )
            )
        if a.unemployment_in:
            # a provincial-direct unit's unemployment money reaches its home region only when remitted (N§3(4))
            events.append(
                (
                    MoneyCollected(
                        region=payer.region,
                        fund="unemployment",
                        principal_fen=a.unemployment_in - a.fee_unemployment_in,
                        late_fee_fen=a.fee_unemployment_in,
                        collected_on=payment.paid_on,
                        payment_id=payment.id,
                        via_province=payer.provincial_direct,
                    ),
                    f"{payer.region}:unemployment",
                    payer.region,
                )
            )
        for d in a.newly_paid:
            if d.kind != "regular":
                continue
            people = lines[d.id]
            parts = [people[i : i + PERIOD_PAID_PART_SIZE] for i in range(0, len(people), PERIOD_PAID_PART_SIZE)]
            events += [
                (
                    ContributionPeriodPaid(
                        unit_credit_code=d.unit_credit_code,
                        period=format_period(d.period),
                        region=d.home_region,
                        declaration_id=d.id,
                        part=n,
                        parts=len(parts),
                        people=part,
                    ),
                    d.unit_credit_code or d.payer_key,
                    d.home_region,
                )
                for n, part in enumerate(parts, 1)
            ]
    return events


async def arrears(session: AsyncSession, payer: Payer, on: dt.date) -> tuple[list[tuple[Declaration, Owed]], int]:
    out = []
    for d in await open_declarations(session, payer):
        out.append((d, await owed_as_of(session, d, on)))
    return out, await payer_credit(session, payer)
