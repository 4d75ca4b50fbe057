import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, Sealed, UTCDateTime, utcnow

from ..models import Base

# the states in which a claim is open, on the roll or on its way there: a person has at most one open claim
OPEN_STATES = ("registered", "verification_requested", "active", "suspended")
_OPEN = text("state IN (" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")")


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        Index("ix_claims_person", "person_key"),
        Index("ix_claims_region_state", "region", "state"),
        # one open claim per person, kept by the database: registrations racing on two connections (two offices,
        # two API replicas, a retry) cannot both pass a check made before either commits
        Index("uq_claims_open_person", "person_key", unique=True, postgresql_where=_OPEN, sqlite_where=_OPEN),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # the keyed hash of the identity number (insurance_shared.pii): how the claim finds its person and their
    # history, and how events name them; the number and the name, shown to officers, are sealed at rest (#25)
    person_key: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(Sealed())
    name: Mapped[str] = mapped_column(Sealed())
    region: Mapped[str] = mapped_column(String(6))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    job_seeking: Mapped[bool] = mapped_column(Boolean)
    separation_reason: Mapped[str | None] = mapped_column(String(40))
    ended_unit: Mapped[str | None] = mapped_column(String(18))
    state: Mapped[str] = mapped_column(String(30))
    eligible: Mapped[bool] = mapped_column(Boolean)
    decision: Mapped[str] = mapped_column(Text)
    months_counted: Mapped[int] = mapped_column(Integer)
    total_months: Mapped[int] = mapped_column(Integer)
    carried_over: Mapped[int] = mapped_column(Integer)
    monthly_amount: Mapped[int] = mapped_column(BigInteger)
    entitlement_end: Mapped[dt.date | None] = mapped_column(Date)
    community: Mapped[str | None] = mapped_column(String(200))
    certificate_no: Mapped[str | None] = mapped_column(String(100))
    certificate_document_id: Mapped[str | None] = mapped_column(String(64))  # the certificate itself (/documents)
    verification_note: Mapped[str | None] = mapped_column(Text)
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    stop_reason: Mapped[str | None] = mapped_column(String(40))
    stop_evidence: Mapped[str | None] = mapped_column(String(200))  # the document a stop rests on (R15; N§5)
    months_left: Mapped[int] = mapped_column(Integer, default=0)
    last_decision_id: Mapped[int | None] = mapped_column(BigInteger)  # the newest decision record (/decisions)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Referral(Base):
    """A job introduced by the public employment service, and the outcome (N§5 ¶2)."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    employer: Mapped[str] = mapped_column(String(200))
    job: Mapped[str] = mapped_column(String(200))
    referred_on: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(30))  # accepted | refused_justified | refused_unjustified
    reason: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)


class BenefitPayment(Base):
    __tablename__ = "benefit_payments"
    __table_args__ = (
        # part 0 is a month's payment; a later part makes up what a decision overturned on appeal withheld
        UniqueConstraint("claim_id", "month", "kind", "part"),
        Index("ix_benefit_payments_region_month", "region", "month"),
        Index("ix_benefit_payments_batch", "batch_id", "line_no"),
        Index("ix_benefit_payments_region_status", "region", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("payment_runs.id"))
    region: Mapped[str] = mapped_column(String(6))
    month: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # benefit | medical | funeral | survivors
    part: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    amount: Mapped[int] = mapped_column(BigInteger)
    days: Mapped[int] = mapped_column(Integer, default=0)
    paid_on: Mapped[dt.date] = mapped_column(Date)  # computed on (a benefit), paid on (a one-off payment)
    # a benefit's way to the bank (#21): pending (in a draft batch) → approved → paid | failed; a failed one is
    # reissued in a later batch (pending again) or returned to the fund; one-off payments are paid when recorded
    status: Mapped[str] = mapped_column(String(20), default="paid")
    batch_id: Mapped[int | None] = mapped_column(BigInteger)
    line_no: Mapped[int | None] = mapped_column(Integer)
    bank_code: Mapped[str | None] = mapped_column(String(20))
    card_number: Mapped[str | None] = mapped_column(Sealed())  # encrypted at rest (PIPL)
    holder_name: Mapped[str | None] = mapped_column(Sealed())
    failure_code: Mapped[str | None] = mapped_column(String(10))
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    return_id: Mapped[int | None] = mapped_column(BigInteger)
    value_date: Mapped[dt.date | None] = mapped_column(Date)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ClaimDecision(Base):
    """Each decision made on a claim: the registration's and every re-decision beside it, never overwritten."""

    __tablename__ = "claim_decisions"
    __table_args__ = (Index("ix_claim_decisions_claim", "claim_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    eligible: Mapped[bool] = mapped_column(Boolean)
    total_months: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))  # the officer's sub, or "system"
    reason: Mapped[str] = mapped_column(String(40))  # registration | redecision
    replaces: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
