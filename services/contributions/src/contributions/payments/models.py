import datetime as dt

from sqlalchemy import BigInteger, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    unit_credit_code: Mapped[str] = mapped_column(String(18), index=True)
    region: Mapped[str] = mapped_column(String(6))
    amount: Mapped[int] = mapped_column(BigInteger)
    credit_used: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_created: Mapped[int] = mapped_column(BigInteger, default=0)
    payer: Mapped[str] = mapped_column(String(20))  # unit | fiscal_budget
    paid_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# what a payment paid against each declaration lives with the declarations (declarations/models.py): a declaration
# must know whether money reached it, and features import only downward
