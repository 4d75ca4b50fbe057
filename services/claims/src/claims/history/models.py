import datetime as dt

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base

# What other services announce names a person by the keyed hash of their identity number (insurance_shared.pii),
# and so is it kept here: a claim finds its person's history by ``Claim.person_key`` (#25).
PERSON_KEY = 64


class ContributionMonth(Base):
    """A person's paid month, from contributions.period_paid events: eligibility never waits on another service."""

    __tablename__ = "contribution_months"

    person_key: Mapped[str] = mapped_column(String(PERSON_KEY), primary_key=True)
    period: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    unit_credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)  # "" for a flexible worker's own month
    region: Mapped[str] = mapped_column(String(6))
    unemployment_fen: Mapped[int] = mapped_column(BigInteger)
    # a flexible worker's own month: both contributions at the base floor, the measure of the subsidy (N§6)
    floor_fen: Mapped[int | None] = mapped_column(BigInteger)


class EmploymentSeen(Base):
    __tablename__ = "employments_seen"
    __table_args__ = (Index("ix_employments_seen_person", "person_key", "start_date"),)

    employment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY))
    unit_credit_code: Mapped[str | None] = mapped_column(String(18))
    region: Mapped[str] = mapped_column(String(6))
    track: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    separation_reason: Mapped[str | None] = mapped_column(String(40))


class LayoffSeen(Base):
    __tablename__ = "layoffs_seen"

    filing_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    unit_credit_code: Mapped[str] = mapped_column(String(18))
    region: Mapped[str] = mapped_column(String(6))
    expected_count: Mapped[int] = mapped_column(Integer)
    planned_date: Mapped[dt.date] = mapped_column(Date)


class FlexibleSeen(Base):
    """A spell of flexible employment from the real-name register (contributions.flexible_employment_changed)."""

    __tablename__ = "flexible_seen"
    __table_args__ = (Index("ix_flexible_seen_person", "person_key", "start_date"),)

    flexible_employment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY))
    region: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    agreement_end: Mapped[dt.date | None] = mapped_column(Date)
    document_ref: Mapped[str | None] = mapped_column(String(60))
    document_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    status_on: Mapped[dt.date] = mapped_column(Date)
