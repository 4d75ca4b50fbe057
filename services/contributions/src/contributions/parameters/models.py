import datetime as dt

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared.db import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class ParameterRow(Base):
    """A value added by the province from a date; the defaults live in rules/parameters.json."""

    __tablename__ = "parameter_values"
    __table_args__ = (UniqueConstraint("name", "region", "valid_from"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(50))
    region: Mapped[str] = mapped_column(String(6))
    value: Mapped[str] = mapped_column(String(30))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
