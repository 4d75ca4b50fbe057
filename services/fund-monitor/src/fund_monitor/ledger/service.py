"""Booking entries: the entry, its lines and its flows into ``fund_months``, all in the caller's transaction."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared.db import upsert_insert

from ..funds.models import FundMonth
from ..rules.months import month_of
from .models import JournalEntry, JournalLine
from .postings import Entry

DIRTY = "fund_monitor.dirty_regions"


def mark_dirty(session: AsyncSession, region: str) -> None:
    """The region's figures must be recomputed before this transaction commits (funds.service.refresh_dirty)."""
    session.info.setdefault(DIRTY, set()).add(region)


async def post(session: AsyncSession, entry: Entry) -> JournalEntry | None:
    """Book ``entry`` once: a second entry with the same source is ignored (None), so a redelivered event or a
    retried request never moves money twice."""
    exists = await session.scalar(select(JournalEntry.id).where(JournalEntry.source == entry.source))
    if exists is not None:
        return None
    row = JournalEntry(
        region=entry.region,
        kind=entry.kind,
        booked_on=entry.booked_on,
        source=entry.source,
        description=entry.description,
    )
    session.add(row)
    await session.flush()
    session.add_all(JournalLine(entry_id=row.id, account=ln.account, amount_fen=ln.amount_fen) for ln in entry.lines)
    if entry.flows:
        insert = upsert_insert(session)
        for flow in entry.flows:
            stmt = insert(FundMonth).values(
                region=flow.region,
                month=month_of(entry.booked_on),
                kind=flow.kind,
                direction=flow.direction,
                amount_fen=flow.amount_fen,
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["region", "month", "kind"],
                    set_={"amount_fen": FundMonth.amount_fen + stmt.excluded.amount_fen},
                )
            )
            mark_dirty(session, flow.region)
    return row


async def account_balance(session: AsyncSession, account: str) -> int:
    return int(
        await session.scalar(
            select(func.coalesce(func.sum(JournalLine.amount_fen), 0)).where(JournalLine.account == account)
        )
    )


async def trial_balance(session: AsyncSession) -> tuple[int, int, Sequence[tuple[str, int]]]:
    """(sum of debits, sum of credits, balance per account): the two sums are equal, always."""
    rows = (
        await session.execute(
            select(JournalLine.account, func.sum(JournalLine.amount_fen))
            .group_by(JournalLine.account)
            .order_by(JournalLine.account)
        )
    ).all()
    debits = int(
        await session.scalar(
            select(func.coalesce(func.sum(JournalLine.amount_fen), 0)).where(JournalLine.amount_fen > 0)
        )
    )
    credits = -int(
        await session.scalar(
            select(func.coalesce(func.sum(JournalLine.amount_fen), 0)).where(JournalLine.amount_fen < 0)
        )
    )
    return debits, credits, [(a, int(b)) for a, b in rows]
