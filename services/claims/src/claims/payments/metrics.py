"""What an operator alerts on for the money out: payments waiting or failed, batches waiting for approval."""

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select

from ..claims.models import BenefitPayment
from .models import PaymentBatch

STATUSES = ("pending", "approved", "paid", "failed", "returned")
STATES = ("draft", "approved", "closed")


async def payment_gauges(app: FastAPI, registry: CollectorRegistry) -> None:
    gauges = getattr(app.state, "payment_gauges", None)
    if gauges is None:
        gauges = app.state.payment_gauges = (
            Gauge("claims_benefit_payments", "benefit payments by status", ["status"], registry=registry),
            Gauge(
                "claims_payment_batches",
                "payment batches by state (draft: waiting for approval)",
                ["state"],
                registry=registry,
            ),
        )
    payments, batches = gauges
    async with app.state.db.sessionmaker() as session:
        by_status = dict(
            (
                await session.execute(
                    select(BenefitPayment.status, func.count())
                    .where(BenefitPayment.kind == "benefit")
                    .group_by(BenefitPayment.status)
                )
            ).all()
        )
        by_state = dict(
            (await session.execute(select(PaymentBatch.state, func.count()).group_by(PaymentBatch.state))).all()
        )
    for status in STATUSES:
        payments.labels(status).set(by_status.get(status, 0))
    for state in STATES:
        batches.labels(state).set(by_state.get(state, 0))
