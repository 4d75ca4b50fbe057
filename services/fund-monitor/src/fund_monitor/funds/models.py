import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import UTCDateTime, utcnow

from ..models import Base


class RegionStatus(Base):
    """Each region's current figures, recomputed whenever its fund moves (and at a month's turn): one row per
    region is all the provincial dashboard needs to read."""

    __tablename__ = "region_status"

    region: Mapped[str] = mapped_column(String(6), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)  # the month the figures are for
    first_month: Mapped[dt.date | None] = mapped_column(Date)
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    window_expenditure_fen: Mapped[int] = mapped_column(BigInteger)
    window_months: Mapped[int] = mapped_column(Integer)
    average_expenditure_fen: Mapped[int] = mapped_column(BigInteger)
    capacity_months: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    level: Mapped[str] = mapped_column(String(16))  # ok | early_warning | critical | no_expenditure
    trend: Mapped[str] = mapped_column(Text)  # JSON: [[month, balance_fen, capacity|null], ...] last 12 months
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
