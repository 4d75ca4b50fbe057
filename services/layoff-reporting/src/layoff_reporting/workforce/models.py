import datetime as dt

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base


class WorkforceUnit(Base):
    """A unit as the contributions events describe it (this service never reads contributions' tables)."""

    __tablename__ = "workforce_units"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(6))
    declared_staff: Mapped[int] = mapped_column(Integer)


class WorkforceEmployment(Base):
    """One employment from the contributions events: who works where, from when, until when."""

    __tablename__ = "workforce_employments"
    __table_args__ = (
        Index("ix_workforce_employments_unit", "unit_credit_code", "end_date"),
        Index("ix_workforce_employments_person", "id_number", "start_date"),
    )

    employment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100))
    unit_credit_code: Mapped[str | None] = mapped_column(String(18))
    region: Mapped[str] = mapped_column(String(6))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    separation_reason: Mapped[str | None] = mapped_column(String(40))


class ClaimSeen(Base):
    """Unemployment registrations from the claims events: when a person's unemployment began and ended."""

    __tablename__ = "claims_seen"
    __table_args__ = (Index("ix_claims_seen_person", "id_number"),)

    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id_number: Mapped[str] = mapped_column(String(18))
    region: Mapped[str] = mapped_column(String(6))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    stop_reason: Mapped[str | None] = mapped_column(String(40))
