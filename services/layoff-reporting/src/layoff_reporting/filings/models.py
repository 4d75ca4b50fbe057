import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, Sealed, UTCDateTime, utcnow

from ..models import Base


class Filing(Base):
    __tablename__ = "filings"
    __table_args__ = (Index("ix_filings_region_state", "region", "state"), Index("ix_filings_unit", "unit_credit_code"))

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    unit_credit_code: Mapped[str] = mapped_column(String(18))
    region: Mapped[str] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(20))  # filed | acknowledged | executed | withdrawn
    filed_on: Mapped[dt.date] = mapped_column(Date)
    planned_date: Mapped[dt.date] = mapped_column(Date)
    reasons: Mapped[str] = mapped_column(Text)
    consulted_by: Mapped[str | None] = mapped_column(String(30))
    consulted_on: Mapped[dt.date | None] = mapped_column(Date)
    consultation_opinion: Mapped[str | None] = mapped_column(Text)
    consultation_document: Mapped[str | None] = mapped_column(String(200))
    consultation_document_id: Mapped[str | None] = mapped_column(String(64))  # the minutes themselves (/documents)
    measures_tried: Mapped[str] = mapped_column(String(200))  # comma-separated
    persons: Mapped[int] = mapped_column(Integer)
    declared_staff: Mapped[int] = mapped_column(Integer)
    insured: Mapped[int] = mapped_column(Integer)
    reportable: Mapped[bool] = mapped_column(Boolean)
    late: Mapped[bool] = mapped_column(Boolean)
    consulted: Mapped[bool] = mapped_column(Boolean)
    possible_splitting: Mapped[bool] = mapped_column(Boolean)
    compliant: Mapped[bool] = mapped_column(Boolean)
    decision: Mapped[str] = mapped_column(Text)  # the criteria, as JSON, exactly as answered
    decision_record_id: Mapped[int | None] = mapped_column(BigInteger)  # the same decision, recorded (/decisions)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    executed_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FilingPerson(Base):
    __tablename__ = "filing_persons"

    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id"), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # the keyed hash: one row a person
    id_number: Mapped[str] = mapped_column(Sealed())  # shown on the rehire list: sealed at rest
    name: Mapped[str] = mapped_column(Sealed())
    planned: Mapped[bool] = mapped_column(Boolean)
    separated: Mapped[bool] = mapped_column(Boolean, default=False)
