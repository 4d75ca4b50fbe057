import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, Sealed, UTCDateTime, utcnow

from ..history.models import PERSON_KEY
from ..models import Base


class HardToEmploy(Base):
    """就业困难人员认定 (N§6 ¶2): the categories (rules/hard_to_employ.json), who certified them, when, and the date
    the certification is next reviewed (it is in force until then)."""

    __tablename__ = "hard_to_employ"
    __table_args__ = (Index("ix_hard_to_employ_person", "person_key", "certified_on"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY))
    id_number: Mapped[str] = mapped_column(Sealed())
    name: Mapped[str] = mapped_column(Sealed())
    region: Mapped[str] = mapped_column(String(6))
    categories: Mapped[str] = mapped_column(String(300))  # codes, comma-separated
    certified_by: Mapped[str] = mapped_column(String(200))
    certified_on: Mapped[dt.date] = mapped_column(Date)
    review_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SocialInsuranceSubsidy(Base):
    """社会保险补贴 (N§6): one application and its decision; approved ones are paid month by month in runs."""

    __tablename__ = "si_subsidies"
    __table_args__ = (
        Index("ix_si_subsidies_person", "person_key"),
        Index("ix_si_subsidies_region_state", "region", "state"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY))
    id_number: Mapped[str] = mapped_column(Sealed())
    name: Mapped[str] = mapped_column(Sealed())
    region: Mapped[str] = mapped_column(String(6))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12))  # approved | refused | ended
    decision: Mapped[str] = mapped_column(Text)  # JSON: criteria with values, parameters and clauses
    months_left: Mapped[int] = mapped_column(Integer)  # at the decision
    first_period: Mapped[dt.date] = mapped_column(Date)  # the first month it may pay
    flexible_employment_id: Mapped[int | None] = mapped_column(BigInteger)
    certification_id: Mapped[int | None] = mapped_column(BigInteger)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)  # the last day of flexible employment it covered
    end_reason: Mapped[str | None] = mapped_column(String(60))
    decided_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubsidyPayee(Base):
    """The person's own bank account the subsidy is paid into; a run copies it onto its lines when it is made."""

    __tablename__ = "si_subsidy_payees"

    subsidy_id: Mapped[int] = mapped_column(ForeignKey("si_subsidies.id"), primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(20))
    card_number: Mapped[str] = mapped_column(Sealed())  # encrypted at rest (PIPL)
    holder_name: Mapped[str] = mapped_column(Sealed())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))


class SubsidyRun(Base):
    """A region's monthly subsidy run: a draft until a second officer approves it, then a file per bank, and paid
    line by line as the bank's return files confirm (maker-checker and bank files as for benefits, N§4)."""

    __tablename__ = "si_subsidy_runs"
    __table_args__ = (UniqueConstraint("region", "month"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(6))
    month: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12))  # draft | approved
    lines: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    awaiting_account: Mapped[int] = mapped_column(Integer, default=0)  # approved subsidies with no account yet
    reissued: Mapped[int] = mapped_column(Integer, default=0)  # failed lines of earlier runs paid again here
    made_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubsidyPayment(Base):
    """One subsidised month of one person, against the month they paid: never two for the same month. A failed
    transfer moves to a later run once the account is corrected (never lost, never paid twice)."""

    __tablename__ = "si_subsidy_payments"
    __table_args__ = (
        UniqueConstraint("subsidy_id", "period"),
        Index("ix_si_subsidy_payments_run", "run_id"),
        Index("ix_si_subsidy_payments_person", "person_key"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    subsidy_id: Mapped[int] = mapped_column(ForeignKey("si_subsidies.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("si_subsidy_runs.id"))
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY))
    id_number: Mapped[str] = mapped_column(Sealed())  # on the bank file
    region: Mapped[str] = mapped_column(String(6))
    period: Mapped[dt.date] = mapped_column(Date)
    floor_fen: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(12))  # draft | approved | paid | failed
    paid_on: Mapped[dt.date | None] = mapped_column(Date)  # the bank's value date
    line_no: Mapped[int] = mapped_column(Integer)  # in its run's files
    bank_code: Mapped[str] = mapped_column(String(20))
    card_number: Mapped[str] = mapped_column(Sealed())  # encrypted at rest (PIPL)
    holder_name: Mapped[str] = mapped_column(Sealed())
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    failure_code: Mapped[str | None] = mapped_column(String(10))
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    return_id: Mapped[int | None] = mapped_column(BigInteger)


class SubsidyReturn(Base):
    """A bank's return file for a subsidy run, applied once (the same file again changes nothing)."""

    __tablename__ = "si_subsidy_returns"
    __table_args__ = (UniqueConstraint("run_id", "sha256"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("si_subsidy_runs.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    paid: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LivingRosterImport(Base):
    """One import of the civil-affairs minimum-living (低保) roster of a region; the latest replaces the one before."""

    __tablename__ = "living_roster_imports"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    lines: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LivingRosterEntry(Base):
    """A person on a region's current 低保 roster: used for nothing but priority job referrals (N§6 ¶2)."""

    __tablename__ = "living_roster"
    __table_args__ = (UniqueConstraint("region", "person_key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(6))
    # only matched against claims and certifications, never shown: the keyed hash alone (#25)
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("living_roster_imports.id"))
