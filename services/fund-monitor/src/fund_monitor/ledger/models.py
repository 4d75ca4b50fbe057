import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class JournalEntry(Base):
    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_region_booked", "region", "booked_on"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(40))
    booked_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(160), unique=True)  # the same movement is never booked twice
    description: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class JournalLine(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (Index("ix_journal_lines_account", "account"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # debit positive, credit negative


class FundMonth(Base):
    """A region's income or expenditure of one kind in one month, accumulated from journal entries in the same
    transaction: what the capacity figures read instead of summing the journal each time."""

    __tablename__ = "fund_months"

    region: Mapped[str] = mapped_column(String(6), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    direction: Mapped[str] = mapped_column(String(12))  # income | expenditure | opening
    amount_fen: Mapped[int] = mapped_column(BigInteger)
