"""The unemployment-fund money claims paid, per movement, keyed as fund-monitor books it: each completed run's
benefits per region and month (BenefitPaid), each return file's confirmed benefits per month (BenefitsConfirmed),
each medical subsidy, funeral subsidy and survivors' pension (SubsidyPaid), each approved transfer of medical-insurance
contributions (MedicalContributionsTransferred)."""

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared.contracts import TotalsItem

from ..claims.models import BenefitPayment
from ..payments.models import MedicalTransfer, PaymentRun

KINDS = {"medical": "medical_subsidy", "funeral": "funeral_subsidy", "survivors": "survivors_pension"}

# runs before #21 announced their benefits as paid when computed (their rows have no return): booked per run
_RUNS = (
    select(PaymentRun.id, PaymentRun.region, PaymentRun.month, func.sum(BenefitPayment.amount))
    .join(BenefitPayment, BenefitPayment.run_id == PaymentRun.id)
    .where(BenefitPayment.kind == "benefit", BenefitPayment.status == "paid", BenefitPayment.return_id.is_(None))
    .group_by(PaymentRun.id, PaymentRun.region, PaymentRun.month)
)
# since #21 benefits are paid when the bank confirms them: booked per return file and benefit month
_CONFIRMED = (
    select(BenefitPayment.return_id, BenefitPayment.region, BenefitPayment.month, func.sum(BenefitPayment.amount))
    .where(BenefitPayment.kind == "benefit", BenefitPayment.status == "paid", BenefitPayment.return_id.is_not(None))
    .group_by(BenefitPayment.return_id, BenefitPayment.region, BenefitPayment.month)
)


async def items(session: AsyncSession, first: dt.date, after: dt.date) -> list[TotalsItem]:
    out: list[TotalsItem] = []
    runs = await session.execute(_RUNS.where(PaymentRun.month >= first, PaymentRun.month < after))
    for run_id, region, month, amount in runs:
        out.append(
            TotalsItem(
                key=f"claims:run:{run_id}:{region}:{month:%Y-%m}",
                region=region,
                month=f"{month:%Y-%m}",
                kind="benefits",
                amount_fen=int(amount),
            )
        )
    confirmed = await session.execute(_CONFIRMED.where(BenefitPayment.month >= first, BenefitPayment.month < after))
    for return_id, region, month, amount in confirmed:
        out.append(
            TotalsItem(
                key=f"claims:return:{return_id}:{region}:{month:%Y-%m}",
                region=region,
                month=f"{month:%Y-%m}",
                kind="benefits",
                amount_fen=int(amount),
            )
        )
    others = await session.execute(
        select(
            BenefitPayment.id, BenefitPayment.region, BenefitPayment.paid_on, BenefitPayment.kind, BenefitPayment.amount
        ).where(BenefitPayment.kind.in_(list(KINDS)), BenefitPayment.paid_on >= first, BenefitPayment.paid_on < after)
    )
    for payment_id, region, paid_on, kind, amount in others:
        if amount:
            out.append(
                TotalsItem(
                    key=f"claims:payment:{payment_id}",
                    region=region,
                    month=f"{paid_on:%Y-%m}",
                    kind=KINDS[kind],
                    amount_fen=int(amount),
                )
            )
    medical = await session.execute(
        select(MedicalTransfer.id, MedicalTransfer.region, MedicalTransfer.month, MedicalTransfer.amount).where(
            MedicalTransfer.state == "approved", MedicalTransfer.month >= first, MedicalTransfer.month < after
        )
    )
    for transfer_id, region, month, amount in medical:
        if amount:
            out.append(
                TotalsItem(
                    key=f"claims:medical:{transfer_id}",
                    region=region,
                    month=f"{month:%Y-%m}",
                    kind="medical_insurance",
                    amount_fen=int(amount),
                )
            )
    return out
