import datetime as dt

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class ReemploymentAllocation(Base):
    """An allocation to a region's re-employment funds for a year, entered by the province (append only: the
    year's budget is the sum of its allocations)."""

    __tablename__ = "reemployment_allocations"
    __table_args__ = (Index("ix_reemployment_allocations_region_year", "region", "year"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(200))
    allocated_by: Mapped[str] = mapped_column(String(200))
    allocated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubsidySpending(Base):
    """Subsidy the bank confirmed paid from a region's re-employment funds (claims.si_subsidy_paid), once per
    return file; ``month`` is its run's month."""

    __tablename__ = "si_subsidy_spending"
    __table_args__ = (Index("ix_si_subsidy_spending_region_month", "region", "month"),)

    source: Mapped[str] = mapped_column(String(100), primary_key=True)  # claims:si_subsidy_return:<id>
    region: Mapped[str] = mapped_column(String(6))
    month: Mapped[dt.date] = mapped_column(Date)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    people: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
