import datetime as dt

from sqlalchemy import Date, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class ReconciliationAlert(Base):
    """A region's month whose books differ from what the sources say (reconciliation_mismatch), open until a later
    check of that month finds nothing. Addressed to the provincial labor department and social-insurance company."""

    __tablename__ = "reconciliation_alerts"
    __table_args__ = (
        Index(
            "uq_reconciliation_alerts_open",
            "region",
            "month",
            unique=True,
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(6))
    month: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10))  # open | closed
    differences: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)  # the differences, as JSON, when last checked
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
