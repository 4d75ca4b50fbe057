import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, Sealed, UTCDateTime, utcnow

from ..models import Base

# A person is named in every table by ``person_key``, the keyed hash of their identity number (insurance_shared.pii:
# equality, uniqueness and joins without the number); the number and the name are kept once, here, sealed at rest
# (AES-256-GCM), for the answers that show them (PIPL art. 28, 51; #25).
PERSON_KEY = 64


class Person(Base):
    __tablename__ = "persons"

    person_key: Mapped[str] = mapped_column(String(PERSON_KEY), primary_key=True)
    id_number: Mapped[str] = mapped_column(Sealed())
    name: Mapped[str] = mapped_column(Sealed())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Employment(Base):
    """An insured relationship: with a unit, or a flexible worker's own on the merged track (已并轨).
    Always pension and unemployment together (N§3(1))."""

    __tablename__ = "employments"
    __table_args__ = (
        # one open employment per person and unit; one open flexible enrolment per person
        Index(
            "uq_employments_open",
            "person_key",
            "unit_credit_code",
            unique=True,
            postgresql_where=text("end_date IS NULL AND unit_credit_code IS NOT NULL"),
            sqlite_where=text("end_date IS NULL AND unit_credit_code IS NOT NULL"),
        ),
        Index("ix_employments_unit", "unit_credit_code", "end_date"),
        Index("ix_employments_region_dates", "region", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    person_key: Mapped[str] = mapped_column(ForeignKey("persons.person_key"))
    unit_credit_code: Mapped[str | None] = mapped_column(String(18))
    region: Mapped[str] = mapped_column(String(6))
    track: Mapped[str] = mapped_column(String(20))  # unit | flexible
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    wage: Mapped[int] = mapped_column(BigInteger)
    separation_reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
