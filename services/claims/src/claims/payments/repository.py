"""The payments feature's reads that routers need."""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..claims.models import BenefitPayment, Claim
from .models import PaymentBatch


async def batches(session: AsyncSession, region: str | None, state: str | None) -> list[PaymentBatch]:
    stmt = select(PaymentBatch).order_by(PaymentBatch.id)
    if region is not None:
        stmt = stmt.where(PaymentBatch.region == region)
    if state is not None:
        stmt = stmt.where(PaymentBatch.state == state)
    return list((await session.scalars(stmt)).all())


async def paid_beneficiaries(
    session: AsyncSession, region: str, month: dt.date, cursor: int, limit: int
) -> list[tuple[int, str, str, int]]:
    """(payment id, name, identity number, amount) of the benefits the bank confirmed for the region's month: what
    the public list shows (masked by the caller)."""
    rows = await session.execute(
        select(BenefitPayment.id, Claim.name, Claim.id_number, BenefitPayment.amount)
        .join(Claim, Claim.id == BenefitPayment.claim_id)
        .where(
            BenefitPayment.region == region,
            BenefitPayment.month == month,
            BenefitPayment.kind == "benefit",
            BenefitPayment.status == "paid",  # only what the bank confirmed is published as paid
            BenefitPayment.id > cursor,
        )
        .order_by(BenefitPayment.id)
        .limit(limit)
    )
    return [tuple(r) for r in rows.all()]  # type: ignore[misc]
