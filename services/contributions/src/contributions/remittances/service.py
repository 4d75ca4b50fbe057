"""The monthly remittance run (N§3(4)): the province moves the unemployment part it collected from
provincial-direct units to each home region's fund, once per month, each remittance pointing at the
allocations it covers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import PROVINCE, take_turn
from insurance_shared.contracts import RemittanceMade
from insurance_shared.events import emit

from ..declarations.models import Declaration, PaymentAllocation
from ..ledger.service import post
from ..payments.models import LateFeeRefund, Payment
from ..rules import postings
from ..rules.periods import format_period, next_month
from .models import Remittance


async def _one_run_at_a_time(session: AsyncSession) -> None:
    # runs asked for at the same moment (two API replicas, a retry) take turns, so the second finds the first's
    # remittances and answers them, as a run asked for again later does; without it both read "none yet" and the
    # unique (month, home region) refused the second's
    await take_turn(session, "contributions.remittances.run")


async def run(session: AsyncSession, month: dt.date) -> tuple[list[Remittance], bool]:
    """Remit what provincial-direct units paid up to the end of ``month`` and was not yet remitted, less the late
    fees refunded to them meanwhile (payments/refunds.py).
    Returns the month's remittances and whether this call made them (False: an earlier run did)."""
    await _one_run_at_a_time(session)
    existing = list((await session.execute(select(Remittance).where(Remittance.month == month))).scalars())
    if existing:
        return existing, False
    month_end = next_month(month) - dt.timedelta(days=1)
    rows = await session.execute(
        select(
            PaymentAllocation.id,
            Declaration.home_region,
            PaymentAllocation.unemployment + PaymentAllocation.fee_unemployment,
        )
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(Declaration, Declaration.id == PaymentAllocation.declaration_id)
        .where(
            Declaration.region == PROVINCE,
            PaymentAllocation.remittance_id.is_(None),
            Payment.paid_on <= month_end,
        )
    )
    by_region: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for allocation_id, home_region, amount in rows:
        if amount:
            by_region[home_region].append((allocation_id, int(amount)))
    # late fees refunded to provincial-direct units since the last remittance (up to now, whatever the month: the
    # money already left the clearing account, so the province never passes on what it no longer holds)
    refunded: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for refund_id, home_region, amount in await session.execute(
        select(LateFeeRefund.id, LateFeeRefund.home_region, LateFeeRefund.credited_unemployment).where(
            LateFeeRefund.via_province.is_(True),
            LateFeeRefund.remittance_id.is_(None),
            LateFeeRefund.credited_unemployment > 0,
        )
    ):
        refunded[home_region].append((refund_id, int(amount)))
    made = []
    for home_region, items in sorted(by_region.items()):
        refunds = refunded[home_region]
        amount = sum(a for _, a in items) - sum(a for _, a in refunds)
        if amount <= 0:
            # refunds beyond what is due to the region this month: both wait for a month that covers them
            continue
        remittance = Remittance(month=month, home_region=home_region, amount=amount, allocations=len(items))
        session.add(remittance)
        await session.flush()
        await session.execute(
            update(PaymentAllocation)
            .where(PaymentAllocation.id.in_([i for i, _ in items]))
            .values(remittance_id=remittance.id)
        )
        if refunds:
            await session.execute(
                update(LateFeeRefund)
                .where(LateFeeRefund.id.in_([i for i, _ in refunds]))
                .values(remittance_id=remittance.id)
            )
        await post(session, "remittance", f"remittance:{remittance.id}", postings.remitted(home_region, amount))
        await emit(
            session,
            RemittanceMade(
                home_region=home_region, month=format_period(month), amount_fen=amount, remittance_id=remittance.id
            ),
            subject=home_region,
            region=home_region,
        )
        made.append(remittance)
    return made, True


async def allocation_ids(session: AsyncSession, remittance_id: int) -> list[int]:
    """The payment allocations a remittance covers (N§3(4): traceable to the collections it moves)."""
    return list(
        (
            await session.execute(
                select(PaymentAllocation.id)
                .where(PaymentAllocation.remittance_id == remittance_id)
                .order_by(PaymentAllocation.id)
            )
        )
        .scalars()
        .all()
    )
