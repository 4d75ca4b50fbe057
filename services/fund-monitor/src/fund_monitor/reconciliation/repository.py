"""What the books hold, as movements comparable with the sources' totals (rules.reconciliation)."""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import PROVINCE

from ..ledger import postings
from ..ledger.models import JournalEntry, JournalLine
from ..rules.months import format_month
from ..rules.reconciliation import Movement
from .models import ReconciliationAlert

INCOME = ("contributions", "late_fees", "remittance")
EXPENDITURE = postings.EXPENDITURE_KINDS

_LINES = (
    select(JournalEntry.source, JournalEntry.kind, JournalEntry.booked_on, JournalLine.account, JournalLine.amount_fen)
    .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
    .order_by(JournalEntry.id)
)


def movement(source: str, entry_kind: str, booked_on: dt.date, account: str, amount: int) -> Movement | None:
    """The movement a journal line stands for, or None for lines the sources do not report (the fund side of an
    entry, fund-monitor's own entries: opening balances, interest, fiscal subsidies, adjustment transfers)."""
    month = format_month(booked_on)
    parts = account.split(":")
    if len(parts) == 3 and parts[0] == "income" and parts[2] in INCOME:
        return Movement(source, parts[1], month, parts[2], -amount)
    if len(parts) == 3 and parts[0] == "expense" and parts[2] in EXPENDITURE:
        return Movement(source, parts[1], month, parts[2], amount)
    if account == postings.CLEARING and entry_kind == "provincial_direct_collection" and amount > 0:
        return Movement(source, PROVINCE, month, "held_for_regions", amount)
    if account == postings.CLEARING and entry_kind == "provincial_direct_refund":
        return Movement(source, PROVINCE, month, "held_for_regions", amount)  # negative: the province holds less
    return None


async def booked(session: AsyncSession, first: dt.date, after: dt.date) -> list[Movement]:
    rows = await session.execute(_LINES.where(JournalEntry.booked_on >= first, JournalEntry.booked_on < after))
    return [m for row in rows if (m := movement(*row)) is not None]


async def alerts(session: AsyncSession, region: str | None, state: str | None) -> list[ReconciliationAlert]:
    stmt = select(ReconciliationAlert).order_by(ReconciliationAlert.id)
    if region is not None:
        stmt = stmt.where(ReconciliationAlert.region == region)
    if state is not None:
        stmt = stmt.where(ReconciliationAlert.state == state)
    return list((await session.scalars(stmt)).all())
