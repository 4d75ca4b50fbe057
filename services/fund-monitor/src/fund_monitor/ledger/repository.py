"""Reads of the journal for its endpoints."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import JournalEntry, JournalLine


async def lines_of(session: AsyncSession, entry_id: int) -> list[JournalLine]:
    return list(
        (
            await session.scalars(select(JournalLine).where(JournalLine.entry_id == entry_id).order_by(JournalLine.id))
        ).all()
    )


async def entries(session: AsyncSession, region: str, cursor: int, limit: int) -> list[JournalEntry]:
    return list(
        (
            await session.scalars(
                select(JournalEntry)
                .where(JournalEntry.region == region, JournalEntry.id > cursor)
                .order_by(JournalEntry.id)
                .limit(limit)
            )
        ).all()
    )


async def entry(session: AsyncSession, entry_id: int) -> JournalEntry | None:
    return await session.get(JournalEntry, entry_id)
