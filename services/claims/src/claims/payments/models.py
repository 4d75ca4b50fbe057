import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, Sealed, UTCDateTime, utcnow

from ..models import Base


class PaymentRun(Base):
    """A region's monthly run: computed once per region and month; "running" until every chunk is in (a crash
    leaves it running, and the same request resumes it)."""

    __tablename__ = "payment_runs"
    __table_args__ = (UniqueConstraint("region", "month"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(6))
    month: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # running | completed
    claims_paid: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PayeeAccount(Base):
    """The claimant's own bank account the benefit is paid into (N§4). A batch copies it onto its lines when it is
    made, so a change applies from the next batch."""

    __tablename__ = "payee_accounts"

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(20))
    card_number: Mapped[str] = mapped_column(Sealed())  # encrypted at rest (PIPL)
    holder_name: Mapped[str] = mapped_column(Sealed())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))


class PaymentBatch(Base):
    """One region's payments to one bank from a run: a draft until a second officer approves it; only then is its
    file given to the bank. Closed once the bank has answered every line."""

    __tablename__ = "payment_batches"
    __table_args__ = (Index("ix_payment_batches_region_state", "region", "state"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"))
    region: Mapped[str] = mapped_column(String(6))
    bank_code: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12))  # draft | approved | closed
    lines: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    made_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentReturn(Base):
    """A bank's return file for a batch, applied once (the same file again changes nothing)."""

    __tablename__ = "payment_returns"
    __table_args__ = (UniqueConstraint("batch_id", "sha256"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    paid: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MedicalTransfer(Base):
    """What the fund owes the medical-insurance fund for one region and month (SIL48: it pays each beneficiary's basic
    medical-insurance contribution, from 2011-07-01). Made with the month's run as a draft; a second officer
    approves it, and then the money moves and fund-monitor books it. One per region and month, never twice."""

    __tablename__ = "medical_transfers"
    __table_args__ = (UniqueConstraint("region", "month"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"))
    region: Mapped[str] = mapped_column(String(6))
    month: Mapped[dt.date] = mapped_column(Date)
    beneficiaries: Mapped[int] = mapped_column(Integer)
    per_person: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    parameter_valid_from: Mapped[dt.date] = mapped_column(Date)
    parameter_clause: Mapped[str] = mapped_column(String(200))
    clause: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12))  # draft | approved
    made_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
