"""Payments: late fee to date, allocation oldest first, credit, journal and events (policy.md C5-C7; C13)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Principal, Unprocessable
from insurance_shared.contracts import ContributionMonthPaid, MoneyCollected
from insurance_shared.events import emit, emit_many

from ..declarations.models import Declaration, DeclarationLine
from ..declarations.service import _lock_unit
from ..ledger.service import post
from ..parameters.service import parameters_on
from ..persons.service import unit_for_write
from ..rules import postings
from ..rules.payments import Owed, accrue, allocate
from ..rules.periods import format_period
from ..units.models import Unit
from .models import Payment, PaymentAllocation
from .schemas import PaymentIn


async def unit_credit(session: AsyncSession, credit_code: str) -> int:
    created, used = (
        await session.execute(
            select(
                func.coalesce(func.sum(Payment.credit_created), 0), func.coalesce(func.sum(Payment.credit_used), 0)
            ).where(Payment.unit_credit_code == credit_code)
        )
    ).one()
    return int(created) - int(used)


async def open_declarations(session: AsyncSession, credit_code: str) -> list[Declaration]:
    return list(
        (
            await session.execute(
                select(Declaration)
                .where(Declaration.unit_credit_code == credit_code, Declaration.paid.is_(False))
                .order_by(Declaration.period, Declaration.id)
            )
        ).scalars()
    )


async def owed_as_of(session: AsyncSession, decl: Declaration, on: dt.date) -> Owed:
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


async def pay(session: AsyncSession, principal: Principal, credit_code: str, body: PaymentIn, today: dt.date):
    unit: Unit = await unit_for_write(session, principal, credit_code, "path.credit_code")
    await _lock_unit(session, unit)
    paid_on = body.paid_on or today
    if paid_on > today:
        raise Unprocessable(
            "date_in_future", "a payment is recorded on or after the day it arrived", field="body.paid_on"
        )
    if body.amount <= 0:
        raise Unprocessable("amount_not_positive", "a payment is more than zero", field="body.amount")
    if body.payer == "fiscal_budget" and not unit.fully_budget_funded:
        raise Unprocessable(
            "payer_not_allowed",
            "only a fully budget-funded public institution's contributions are paid by the fiscal budget (N§2 ¶2)",
            field="body.payer",
        )
    declarations = await open_declarations(session, credit_code)
    if not declarations:
        raise Unprocessable(
            "nothing_owed", f"unit {credit_code} owes nothing; no payment was recorded", field="body.amount"
        )

    # 1. the late fee to the payment date is charged first (C13), as its own journal entry
    owed: list[Owed] = []
    fee_charged = 0
    for decl in declarations:
        o = await owed_as_of(session, decl, paid_on)
        dp, du = o.fee_pension - decl.fee_pension, o.fee_unemployment - decl.fee_unemployment
        if dp or du:
            await post(session, "late_fee", f"declaration:{decl.id}", postings.fee_charged(decl.region, dp, du))
            fee_charged += dp + du
        decl.fee_pension, decl.fee_unemployment = o.fee_pension, o.fee_unemployment
        decl.fee_accrued_until = max(decl.fee_accrued_until, paid_on)
        owed.append(o)

    # 2. allocate the money and any credit, oldest period first (C7)
    credit_before = await unit_credit(session, credit_code)
    allocations, leftover = allocate(body.amount + credit_before, owed)
    allocated = sum(a.total for a in allocations)
    credit_used = min(credit_before, allocated)
    credit_created = leftover - (credit_before - credit_used)
    payment = Payment(
        unit_credit_code=credit_code,
        region=unit.region,
        amount=body.amount,
        credit_used=credit_used,
        credit_created=credit_created,
        payer=body.payer,
        paid_on=paid_on,
    )
    session.add(payment)
    await session.flush()

    by_id = {d.id: d for d in declarations}
    newly_paid: list[Declaration] = []
    pension_in = unemployment_in = 0
    fee_p_in = fee_u_in = 0
    rows = []
    for a in allocations:
        d = by_id[a.key]
        d.owed_pension -= a.pension
        d.owed_unemployment -= a.unemployment
        d.fee_pension -= a.fee_pension
        d.fee_unemployment -= a.fee_unemployment
        if d.owed_pension + d.owed_unemployment + d.fee_pension + d.fee_unemployment == 0:
            d.paid, d.paid_on = True, paid_on
            newly_paid.append(d)
        pension_in += a.pension + a.fee_pension
        unemployment_in += a.unemployment + a.fee_unemployment
        fee_p_in += a.fee_pension
        fee_u_in += a.fee_unemployment
        rows.append(
            PaymentAllocation(
                payment_id=payment.id,
                declaration_id=d.id,
                pension=a.pension,
                unemployment=a.unemployment,
                fee_pension=a.fee_pension,
                fee_unemployment=a.fee_unemployment,
            )
        )
    session.add_all(rows)
    await session.flush()
    await post(
        session,
        "payment",
        f"payment:{payment.id}",
        postings.received(
            unit.region,
            pension=pension_in,
            unemployment=unemployment_in,
            credit_used=credit_used,
            credit_created=credit_created,
            provincial_direct=unit.provincial_direct,
        ),
        memo=f"{credit_code} paid by {body.payer}",
    )

    # 3. what other services need to know
    if pension_in:
        await emit(
            session,
            MoneyCollected(
                region=unit.region,
                fund="pension",
                amount_fen=pension_in,
                late_fee_fen=fee_p_in,
                collected_on=paid_on,
                payment_id=payment.id,
            ),
            subject=f"{unit.region}:pension",
            region=unit.region,
        )
    if unemployment_in:
        # a provincial-direct unit's unemployment money reaches its home region only when remitted (N§3(4))
        await emit(
            session,
            MoneyCollected(
                region=unit.region,
                fund="unemployment",
                amount_fen=unemployment_in,
                late_fee_fen=fee_u_in,
                collected_on=paid_on,
                payment_id=payment.id,
                via_province=unit.provincial_direct,
            ),
            subject=f"{unit.region}:unemployment",
            region=unit.region,
        )
    await _emit_months_paid(session, [d for d in newly_paid if d.kind == "regular"])
    return payment, allocations, by_id, fee_charged


async def _emit_months_paid(session: AsyncSession, declarations: list[Declaration]) -> None:
    for d in declarations:
        lines = await session.execute(
            select(
                DeclarationLine.id_number, DeclarationLine.unemployment_unit + DeclarationLine.unemployment_person
            ).where(DeclarationLine.declaration_id == d.id)
        )
        period = format_period(d.period)
        await emit_many(
            session,
            (
                (
                    ContributionMonthPaid(
                        id_number=id_number,
                        period=period,
                        unit_credit_code=d.unit_credit_code,
                        region=d.home_region,
                        unemployment_fen=int(amount),
                        declaration_id=d.id,
                    ),
                    id_number,
                    d.home_region,
                )
                for id_number, amount in lines
            ),
        )


async def arrears(session: AsyncSession, credit_code: str, on: dt.date) -> tuple[list[tuple[Declaration, Owed]], int]:
    out = []
    for d in await open_declarations(session, credit_code):
        out.append((d, await owed_as_of(session, d, on)))
    return out, await unit_credit(session, credit_code)
