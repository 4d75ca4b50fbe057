"""The unemployment-fund money contributions moved, per movement, keyed as fund-monitor books it: each payment's
unemployment principal and late fee (MoneyCollected), held by the province for a provincial-direct unit, each late
fee paid and then refunded on appeal (LateFeeRefunded: a negative amount of the kind it was booked as), and each
remittance to a home region (RemittanceMade)."""

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import PROVINCE
from insurance_shared.contracts import TotalsItem

from ..declarations.models import PaymentAllocation
from ..payments.models import LateFeeRefund, Payment
from ..remittances.models import Remittance
from ..units.models import Unit

_PAYMENTS = (
    select(
        Payment.id,
        Payment.region,
        Payment.paid_on,
        Unit.provincial_direct,
        func.sum(PaymentAllocation.unemployment),
        func.sum(PaymentAllocation.fee_unemployment),
    )
    .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
    .join(Unit, Unit.credit_code == Payment.unit_credit_code, isouter=True)  # a person pays too
    .group_by(Payment.id, Payment.region, Payment.paid_on, Unit.provincial_direct)
)


async def items(session: AsyncSession, first: dt.date, after: dt.date) -> list[TotalsItem]:
    out: list[TotalsItem] = []
    rows = await session.execute(_PAYMENTS.where(Payment.paid_on >= first, Payment.paid_on < after))
    for payment_id, region, paid_on, provincial_direct, principal, fee in rows:
        key, month = f"contributions:payment:{payment_id}:unemployment", f"{paid_on:%Y-%m}"
        principal, fee = int(principal or 0), int(fee or 0)
        if provincial_direct:
            if principal + fee:
                out.append(
                    TotalsItem(
                        key=key, region=PROVINCE, month=month, kind="held_for_regions", amount_fen=principal + fee
                    )
                )
            continue
        if principal:
            out.append(TotalsItem(key=key, region=region, month=month, kind="contributions", amount_fen=principal))
        if fee:
            out.append(TotalsItem(key=key, region=region, month=month, kind="late_fees", amount_fen=fee))
    refunds = await session.execute(
        select(
            LateFeeRefund.id,
            LateFeeRefund.region,
            LateFeeRefund.refunded_on,
            LateFeeRefund.via_province,
            LateFeeRefund.credited_unemployment,
        ).where(
            LateFeeRefund.refunded_on >= first,
            LateFeeRefund.refunded_on < after,
            LateFeeRefund.credited_unemployment > 0,
        )
    )
    for refund_id, region, refunded_on, via_province, amount in refunds:
        out.append(
            TotalsItem(
                key=f"contributions:late_fee_refund:{refund_id}:unemployment",
                region=PROVINCE if via_province else region,
                month=f"{refunded_on:%Y-%m}",
                kind="held_for_regions" if via_province else "late_fees",
                amount_fen=-int(amount),
            )
        )
    start = dt.datetime.combine(first, dt.time(), dt.UTC)
    end = dt.datetime.combine(after, dt.time(), dt.UTC)
    remitted = await session.execute(
        select(Remittance.id, Remittance.home_region, Remittance.created_at, Remittance.amount).where(
            Remittance.created_at >= start, Remittance.created_at < end, Remittance.amount > 0
        )
    )
    for remittance_id, home, created_at, amount in remitted:
        out.append(
            TotalsItem(
                key=f"contributions:remittance:{remittance_id}",
                region=home,
                month=f"{created_at:%Y-%m}",
                kind="remittance",
                amount_fen=int(amount),
            )
        )
    return out
