import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class Payment(Base):
    """Money from one payer: a unit, or a flexible worker for their own months (``payer_id_number``). One table
    for both, so every payment has one id across the service and fund-monitor books it once."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("(unit_credit_code IS NULL) <> (payer_id_number IS NULL)", name="one_payer"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    unit_credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    payer_id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    region: Mapped[str] = mapped_column(String(6))
    amount: Mapped[int] = mapped_column(BigInteger)
    credit_used: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_created: Mapped[int] = mapped_column(BigInteger, default=0)
    payer: Mapped[str] = mapped_column(String(20))  # unit | fiscal_budget | person
    paid_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# what a payment paid against each declaration lives with the declarations (declarations/models.py): a declaration
# must know whether money reached it, and features import only downward
