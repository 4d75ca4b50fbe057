import datetime as dt

from sqlalchemy import Boolean, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, Sealed

from ..models import Base


class Separation(Base):
    """A unit's filing of a separated person (R16: within 7 days of the separation)."""

    __tablename__ = "separations"
    __table_args__ = (Index("ix_separations_person", "person_key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    unit_credit_code: Mapped[str] = mapped_column(String(18))
    region: Mapped[str] = mapped_column(String(6))
    person_key: Mapped[str] = mapped_column(String(64))  # the keyed hash a registration looks the person up by
    id_number: Mapped[str] = mapped_column(Sealed())  # sealed at rest (PIPL; #25)
    name: Mapped[str] = mapped_column(Sealed())
    separation_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(40))
    involuntary: Mapped[bool] = mapped_column(Boolean)
    filed_on: Mapped[dt.date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean)
    certificate_document_id: Mapped[str | None] = mapped_column(String(64))  # the separation certificate (/documents)
