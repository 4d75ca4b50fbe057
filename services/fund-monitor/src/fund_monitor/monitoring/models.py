import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base

# People are named here only by the keyed hash of their identity number (insurance_shared.pii: HMAC-SHA256 under
# the system's lookup key), made as each event arrives: counting and matching people needs no clear number, so
# this service holds none (PIPL art. 51; #25).
PERSON_KEY = 64


class SeenClaim(Base):
    __tablename__ = "mon_claims"
    __table_args__ = (Index("ix_mon_claims_region_registered", "region", "registered_on"),)

    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY), index=True)
    region: Mapped[str] = mapped_column(String(6))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    eligible: Mapped[bool] = mapped_column(Boolean)
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)


class Beneficiaries(Base):
    """People paid in a region and month, from each payment run (BenefitPaid.claims)."""

    __tablename__ = "mon_beneficiaries"

    run_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    region: Mapped[str] = mapped_column(String(6), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    claims: Mapped[int] = mapped_column(Integer)


class InsuredEmployment(Base):
    __tablename__ = "mon_insured"
    __table_args__ = (Index("ix_mon_insured_region_dates", "region", "start_date", "end_date"),)

    employment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY))
    region: Mapped[str] = mapped_column(String(6))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)


class Layoff(Base):
    __tablename__ = "mon_layoffs"
    __table_args__ = (Index("ix_mon_layoffs_unit", "unit_credit_code"), Index("ix_mon_layoffs_region", "region"))

    filing_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    unit_credit_code: Mapped[str] = mapped_column(String(18))
    region: Mapped[str] = mapped_column(String(6))
    filed_on: Mapped[dt.date] = mapped_column(Date)
    planned_date: Mapped[dt.date] = mapped_column(Date)
    expected_count: Mapped[int] = mapped_column(Integer)
    reportable: Mapped[bool] = mapped_column(Boolean)
    compliant: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(12))  # filed | executed | withdrawn
    executed_on: Mapped[dt.date | None] = mapped_column(Date)
    separated_count: Mapped[int | None] = mapped_column(Integer)
    claimed_count: Mapped[int] = mapped_column(Integer, default=0)


class LayoffSeparation(Base):
    """A person whose job ended involuntarily at a unit with a filed layoff: their claim counts against it."""

    __tablename__ = "mon_layoff_separations"

    filing_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY), primary_key=True, index=True)
    end_date: Mapped[dt.date] = mapped_column(Date)
    claimed: Mapped[bool] = mapped_column(Boolean, default=False)
