import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, Sealed, UTCDateTime, utcnow

from ..models import Base


class RehireOffer(Base):
    """A job offered to a laid-off person under the rehire priority (N§7; LL27), and the answer."""

    __tablename__ = "rehire_offers"
    __table_args__ = (Index("ix_rehire_offers_unit", "unit_credit_code", "person_key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    unit_credit_code: Mapped[str] = mapped_column(String(18))
    person_key: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(Sealed())
    offered_on: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20))  # accepted | declined | pending
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RehireBreach(Base):
    __tablename__ = "rehire_breaches"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    unit_credit_code: Mapped[str] = mapped_column(String(18), index=True)
    region: Mapped[str] = mapped_column(String(6))
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id"))
    hired_employment_id: Mapped[int] = mapped_column(unique=True)
    hired_on: Mapped[dt.date] = mapped_column(Date)
    priority_list: Mapped[str] = mapped_column(
        Sealed()
    )  # sealed JSON: who was on the list that day and not offered the job
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
