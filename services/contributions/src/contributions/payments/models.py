import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class Payment(Base):
    """Money from one payer: a unit, or a flexible worker for their own months (``payer_key``, the keyed hash of their number). One table
    for both, so every payment has one id across the service and fund-monitor books it once."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("(unit_credit_code IS NULL) <> (payer_key IS NULL)", name="one_payer"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    unit_credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    payer_key: Mapped[str | None] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6))
    amount: Mapped[int] = mapped_column(BigInteger)
    credit_used: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_created: Mapped[int] = mapped_column(BigInteger, default=0)
    payer: Mapped[str] = mapped_column(String(20))  # unit | fiscal_budget | person
    paid_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LateFeeRefund(Base):
    """What overturning one late-fee decision on appeal did to one declaration it charged (C13): the part of the
    fee still owed is cancelled, the part paid is credited to the payer (``payments`` sums the credit with theirs)
    and leaves the fund it reached. A provincial-direct unit's unemployment part leaves the province's clearing
    account and is netted against the next remittance to the home region (``remittance_id`` once it is)."""

    __tablename__ = "late_fee_refunds"
    __table_args__ = (
        UniqueConstraint("decision_id", "declaration_id"),
        CheckConstraint("(unit_credit_code IS NULL) <> (payer_key IS NULL)", name="one_payer"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(BigInteger)  # the contributions.late_fee record overturned
    appeal_id: Mapped[int] = mapped_column(BigInteger)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    unit_credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    payer_key: Mapped[str | None] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6))  # the payer's, as on the payment
    home_region: Mapped[str] = mapped_column(String(6))  # whose unemployment fund the declaration feeds
    via_province: Mapped[bool] = mapped_column(Boolean)
    cancelled_pension: Mapped[int] = mapped_column(BigInteger)
    cancelled_unemployment: Mapped[int] = mapped_column(BigInteger)
    credited_pension: Mapped[int] = mapped_column(BigInteger)
    credited_unemployment: Mapped[int] = mapped_column(BigInteger)
    refunded_on: Mapped[dt.date] = mapped_column(Date)
    remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittances.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# what a payment paid against each declaration lives with the declarations (declarations/models.py): a declaration
# must know whether money reached it, and features import only downward
