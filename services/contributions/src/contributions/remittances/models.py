import datetime as dt

from sqlalchemy import BigInteger, Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class Remittance(Base):
    """The unemployment part collected by the province from provincial-direct units, moved to a home region's
    fund (N§3(4)); the allocations it covers point back to it."""

    __tablename__ = "remittances"
    __table_args__ = (UniqueConstraint("month", "home_region"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    month: Mapped[dt.date] = mapped_column(Date)  # collections received in this month
    home_region: Mapped[str] = mapped_column(String(6))
    amount: Mapped[int] = mapped_column(BigInteger)
    allocations: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
