import datetime as dt

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base

# People are matched by the keyed hash of their identity number (insurance_shared.pii), the only way events name
# them; the number itself, where an answer shows what a unit filed (a filing's people, the rehire list), is sealed
# at rest (PIPL art. 51; #25). Names are kept only where shown (a filing's people).
PERSON_KEY = 64


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
        Index("ix_workforce_employments_person", "person_key", "start_date"),
    )

    employment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY))
    unit_credit_code: Mapped[str | None] = mapped_column(String(18))
    region: Mapped[str] = mapped_column(String(6))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    separation_reason: Mapped[str | None] = mapped_column(String(40))


class ClaimSeen(Base):
    """Unemployment registrations from the claims events: when a person's unemployment began and ended."""

    __tablename__ = "claims_seen"
    __table_args__ = (Index("ix_claims_seen_person", "person_key"),)

    claim_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_key: Mapped[str] = mapped_column(String(PERSON_KEY))
    region: Mapped[str] = mapped_column(String(6))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    stop_reason: Mapped[str | None] = mapped_column(String(40))
