import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        # one open alert per region, of its current level (N§8: one alert, not one per event or tier)
        Index(
            "uq_alerts_open_region",
            "region",
            unique=True,
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
        Index("ix_alerts_state_region", "state", "region"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(6))
    level: Mapped[str] = mapped_column(String(16))  # critical | early_warning
    state: Mapped[str] = mapped_column(String(10))  # open | closed
    month: Mapped[dt.date] = mapped_column(Date)
    capacity_months: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    average_expenditure_fen: Mapped[int] = mapped_column(BigInteger)
    decision: Mapped[str] = mapped_column(Text)  # the criteria, as JSON
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_capacity_months: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    closed_reason: Mapped[str | None] = mapped_column(String(12))  # recovered | escalated | eased
    replaces_id: Mapped[int | None] = mapped_column(BigInteger)  # the alert of the previous level it followed
    superseded_by_id: Mapped[int | None] = mapped_column(BigInteger)  # the alert of the level that followed it


class AlertRecipient(Base):
    __tablename__ = "alert_recipients"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(40), primary_key=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class WebhookDelivery(Base):
    """One notice to one recipient's webhook, written with the alert change it reports so none is lost."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(20))  # raised | closed
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
