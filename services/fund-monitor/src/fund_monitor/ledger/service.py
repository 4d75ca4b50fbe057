"""Booking entries: the entry, its lines and its flows into ``fund_months``, all in the caller's transaction."""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import insert_returning_ids, publish, upsert_insert, utcnow

from ..messages import FundsMoved
from ..rules.months import month_of
from .models import FundMonth, JournalEntry, JournalLine
from .postings import Entry

DIRTY = "fund_monitor.dirty_regions"


def mark_dirty(session: AsyncSession, region: str) -> None:
    """The region's figures must be recomputed before this transaction commits: announced once per transaction
    (FundsMoved), whoever recomputes takes the regions with ``take_moved``."""
    moved = session.info.setdefault(DIRTY, set())
    if not moved:
        publish(session, FundsMoved())
    moved.add(region)


def take_moved(session: AsyncSession) -> set[str]:
    """The regions whose fund moved in this transaction since last asked."""
    return session.info.pop(DIRTY, set())


async def post(session: AsyncSession, entry: Entry) -> JournalEntry | None:
    """Book ``entry`` once: a second entry with the same source is ignored (None), so a redelivered event or a
    retried request never moves money twice."""
    (entry_id,) = await post_many(session, [entry])
    return None if entry_id is None else await session.get(JournalEntry, entry_id)


async def post_many(session: AsyncSession, entries: Sequence[Entry]) -> list[int | None]:
    """Book each entry once, together: one insert of entries, one of lines, one upsert of the months' flows
    (summed per region, month and kind first). The entries' ids in order; None for an entry whose source is
    booked already, earlier or in this call."""
    sources = [e.source for e in entries]
    booked: set[str] = set()
    for i in range(0, len(sources), 500):
        booked.update(
            await session.scalars(select(JournalEntry.source).where(JournalEntry.source.in_(sources[i : i + 500])))
        )
    new: list[Entry] = []
    first: list[bool] = []  # per entry: is it the one booked for its source
    for e in entries:
        first.append(e.source not in booked)
        if first[-1]:
            booked.add(e.source)
            new.append(e)
    if not new:
        return [None] * len(entries)
    now = utcnow()
    entry_ids = await insert_returning_ids(
        session,
        JournalEntry.__table__,
        [
            {
                "region": e.region,
                "kind": e.kind,
                "booked_on": e.booked_on,
                "source": e.source,
                "description": e.description,
                "created_at": now,
            }
            for e in new
        ],
    )
    ids = dict(zip((e.source for e in new), entry_ids, strict=True))
    await session.execute(
        insert(JournalLine.__table__),
        [
            {"entry_id": ids[e.source], "account": ln.account, "amount_fen": ln.amount_fen}
            for e in new
            for ln in e.lines
        ],
    )
    flows: dict[tuple[str, dt.date, str], list] = {}
    for e in new:
        for flow in e.flows:
            key = (flow.region, month_of(e.booked_on), flow.kind)
            if key in flows:
                flows[key][1] += flow.amount_fen
            else:
                flows[key] = [flow.direction, flow.amount_fen]
    if flows:
        stmt = upsert_insert(session)(FundMonth.__table__)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["region", "month", "kind"],
                set_={"amount_fen": FundMonth.__table__.c.amount_fen + stmt.excluded.amount_fen},
            ),
            [
                {"region": r, "month": m, "kind": k, "direction": d, "amount_fen": a}
                for (r, m, k), (d, a) in flows.items()
            ],
        )
        for region in {r for r, _, _ in flows}:
            mark_dirty(session, region)
    return [ids[e.source] if is_first else None for e, is_first in zip(entries, first, strict=True)]


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
