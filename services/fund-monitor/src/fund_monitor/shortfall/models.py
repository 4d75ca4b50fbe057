import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class ShortfallPlan(Base):
    __tablename__ = "shortfall_plans"
    __table_args__ = (Index("ix_shortfall_plans_region_year", "region", "year"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    income_fen: Mapped[int] = mapped_column(BigInteger)
    expenditure_fen: Mapped[int] = mapped_column(BigInteger)
    gap_fen: Mapped[int] = mapped_column(BigInteger)
    uncovered_fen: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[str] = mapped_column(Text)  # JSON, in the statutory order
    decision: Mapped[str] = mapped_column(Text)  # the criteria, as JSON
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    transfer_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    transferred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
