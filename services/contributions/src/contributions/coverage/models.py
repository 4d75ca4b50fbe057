import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class RegistryEntry(Base):
    """A unit known to another department (market regulation, tax, personnel, finance): N§2 ¶2."""

    __tablename__ = "registry_entries"
    __table_args__ = (Index("uq_registry_entries_code_source", "credit_code", "source_department", unique=True),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    credit_code: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(6), index=True)
    staff: Mapped[int] = mapped_column(Integer)
    source_department: Mapped[str] = mapped_column(String(30))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
