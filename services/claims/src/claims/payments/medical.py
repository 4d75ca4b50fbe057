"""The medical-insurance contributions the fund pays for its beneficiaries (SIL48, from 2011-07-01; the rule is
``rules/medical.py``): one transfer per region and month, drafted by the month's run, approved by a second officer
(as a payment batch is), then announced so that fund-monitor books it. Never twice: one row per region and month,
and a resumed run only recounts a draft."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Conflict, Forbidden, NotFound, Principal, parameter_values, utcnow
from insurance_shared.contracts import MedicalContributionsTransferred
from insurance_shared.events import emit

from ..claims.models import BenefitPayment
from ..rules.eligibility import default_values
from ..rules.medical import covered, transfer_for
from .models import MedicalTransfer, PaymentRun


async def draft(session: AsyncSession, run: PaymentRun, made_by: str) -> MedicalTransfer | None:
    """The month's transfer for the run's region, counted from the benefits the run computed (each claim with a
    benefit that month once); None for months the medical subsidy governs (R19). An approved transfer is final."""
    by_days = await session.execute(
        select(BenefitPayment.days, func.count())
        .where(BenefitPayment.region == run.region, BenefitPayment.month == run.month, BenefitPayment.kind == "benefit")
        .group_by(BenefitPayment.days)
    )  # one benefit row per claim and month
    beneficiaries = sum(n for days, n in by_days if covered(days))
    rule = transfer_for(await parameter_values(session, default_values()), run.region, run.month, beneficiaries)
    if rule is None:
        return None
    transfer = await session.scalar(
        select(MedicalTransfer)
        .where(MedicalTransfer.region == run.region, MedicalTransfer.month == run.month)
        .with_for_update()
    )
    if transfer is not None and transfer.state != "draft":
        return transfer
    if transfer is None:
        transfer = MedicalTransfer(region=run.region, month=run.month, state="draft")
        session.add(transfer)
    transfer.run_id, transfer.made_by = run.id, made_by
    transfer.beneficiaries, transfer.per_person, transfer.amount = rule.beneficiaries, rule.per_person, rule.amount
    transfer.parameter_valid_from, transfer.parameter_clause = rule.parameter.valid_from, rule.parameter.clause
    transfer.clause = rule.clause
    await session.flush()
    return transfer


async def transfer_for_reading(session: AsyncSession, principal: Principal, transfer_id: int) -> MedicalTransfer:
    transfer = await session.get(MedicalTransfer, transfer_id)
    if transfer is None or not principal.can_read(transfer.region):
        raise NotFound("medical_transfer", str(transfer_id))
    return transfer


async def transfers(
    session: AsyncSession, region: str | None, state: str | None, month: dt.date | None
) -> list[MedicalTransfer]:
    stmt = select(MedicalTransfer).order_by(MedicalTransfer.month, MedicalTransfer.region)
    if region is not None:
        stmt = stmt.where(MedicalTransfer.region == region)
    if state is not None:
        stmt = stmt.where(MedicalTransfer.state == state)
    if month is not None:
        stmt = stmt.where(MedicalTransfer.month == month)
    return list((await session.scalars(stmt)).all())


async def approve(session: AsyncSession, principal: Principal, transfer_id: int) -> MedicalTransfer:
    """Maker-checker, as for a payment batch: another officer of the region approves; then the money moves."""
    transfer = await session.scalar(select(MedicalTransfer).where(MedicalTransfer.id == transfer_id).with_for_update())
    if transfer is None or not principal.can_read(transfer.region):
        raise NotFound("medical_transfer", str(transfer_id))
    principal.ensure_writable(transfer.region, field="path.transfer_id")
    if transfer.state != "draft":
        raise Conflict(
            "transfer_not_draft", f"transfer {transfer.id} is {transfer.state}", extra={"state": transfer.state}
        )
    if principal.sub == transfer.made_by:
        raise Forbidden(
            "maker_cannot_approve",
            f"transfer {transfer.id} was made by {transfer.made_by}: another officer approves it",
        )
    transfer.state, transfer.approved_by, transfer.approved_at = "approved", principal.sub, utcnow()
    await session.flush()
    if transfer.amount:
        await emit(
            session,
            MedicalContributionsTransferred(
                transfer_id=transfer.id,
                run_id=transfer.run_id,
                region=transfer.region,
                month=f"{transfer.month:%Y-%m}",
                beneficiaries=transfer.beneficiaries,
                per_person_fen=transfer.per_person,
                amount_fen=transfer.amount,
                clause=transfer.clause,
            ),
            subject=f"{transfer.region}:{transfer.month:%Y-%m}",
            region=transfer.region,
        )
    return transfer
