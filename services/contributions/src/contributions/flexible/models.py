import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base
from ..persons.models import Person


class FlexibleEmployment(Base):
    """灵活就业实名登记 (N§6 ¶1): one spell of flexible employment of one person, its kind and its evidence. Whether
    the person also pays their own contributions on the merged track is their enrolment (persons.Employment, track
    ``flexible``), a separate fact: a worker with an agreement may be insured through it or not at all."""

    __tablename__ = "flexible_employments"
    __table_args__ = (
        Index("ix_flexible_employments_person", "person_key", "start_date"),
        Index("ix_flexible_employments_region_status", "region", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    person_key: Mapped[str] = mapped_column(ForeignKey("persons.person_key"))
    region: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(20))  # licence | agreement | other
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    agreement_no: Mapped[str | None] = mapped_column(String(60))
    agreement_end: Mapped[dt.date | None] = mapped_column(Date)
    licence_no: Mapped[str | None] = mapped_column(String(60))
    document_id: Mapped[str | None] = mapped_column(String(64))  # the agreement or licence itself (/documents)
    status: Mapped[str] = mapped_column(String(20))  # working_flexibly | reemployed | unemployed
    status_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the person, read with the spell (one join): their number is kept once, sealed, with them
    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)

    @property
    def id_number(self) -> str:
        return self.person.id_number

    @property
    def document_ref(self) -> str | None:
        return self.agreement_no or self.licence_no


class FlexibleStatusChange(Base):
    """动态管理: every status a flexible employment has had, from which day and who recorded it (append only)."""

    __tablename__ = "flexible_status_changes"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    flexible_employment_id: Mapped[int] = mapped_column(ForeignKey("flexible_employments.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    status_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
