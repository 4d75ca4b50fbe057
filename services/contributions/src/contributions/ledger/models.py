import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class Account(Base):
    """A ledger account: one per region, fund (pension | unemployment) and kind."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("region", "fund", "kind"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(6))
    fund: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))


class JournalEntry(Base):
    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))  # declaration | payment | late_fee | remittance | ...
    ref: Mapped[str] = mapped_column(String(100))
    memo: Mapped[str] = mapped_column(String(300), default="")


class JournalLine(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (CheckConstraint("debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0)", name="one_side"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
