"""Posting journal entries and reading balances. Balances are derived from the lines, never stored."""

from __future__ import annotations

from sqlalchemy import func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared.db import upsert_insert

from ..rules.postings import Line, balanced
from .models import Account, JournalEntry, JournalLine


class UnbalancedEntry(ValueError):
    pass


async def _account_ids(session: AsyncSession, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    cache: dict[tuple[str, str, str], int] = session.info.setdefault("account_ids", {})
    missing = keys - cache.keys()
    if missing:
        dialect_insert = upsert_insert(session)
        await session.execute(
            dialect_insert(Account).on_conflict_do_nothing(),
            [{"region": r, "fund": f, "kind": k} for r, f, k in sorted(missing)],
        )
        rows = await session.execute(
            select(Account.region, Account.fund, Account.kind, Account.id).where(
                tuple_(Account.region, Account.fund, Account.kind).in_(sorted(missing))
            )
        )
        for r, f, k, i in rows:
            cache[(r, f, k)] = i
    return cache


async def post(session: AsyncSession, kind: str, ref: str, lines: list[Line], memo: str = "") -> int | None:
    """Write one balanced entry; an entry with no lines is not written."""
    lines = [x for x in lines if x.debit or x.credit]
    if not lines:
        return None
    if not balanced(lines):
        raise UnbalancedEntry(
            f"{kind} {ref}: debits {sum(x.debit for x in lines)} != credits {sum(x.credit for x in lines)}"
        )
    ids = await _account_ids(session, {(x.region, x.fund, x.kind) for x in lines})
    entry = JournalEntry(kind=kind, ref=ref, memo=memo[:300])
    session.add(entry)
    await session.flush()
    await session.execute(
        insert(JournalLine),
        [
            {"entry_id": entry.id, "account_id": ids[(x.region, x.fund, x.kind)], "debit": x.debit, "credit": x.credit}
            for x in lines
        ],
    )
    return entry.id


async def balances(session: AsyncSession, region: str | None = None) -> list[dict[str, object]]:
    stmt = (
        select(
            Account.region,
            Account.fund,
            Account.kind,
            func.coalesce(func.sum(JournalLine.debit), 0),
            func.coalesce(func.sum(JournalLine.credit), 0),
        )
        .join(JournalLine, JournalLine.account_id == Account.id)
        .group_by(Account.region, Account.fund, Account.kind)
        .order_by(Account.region, Account.fund, Account.kind)
    )
    if region is not None:
        stmt = stmt.where(Account.region == region)
    return [
        {"region": r, "fund": f, "kind": k, "debit": int(d), "credit": int(c), "balance": int(d) - int(c)}
        for r, f, k, d, c in await session.execute(stmt)
    ]


async def trial_balance(session: AsyncSession) -> tuple[int, int, int]:
    """Total debits, total credits, and the number of entries whose own lines do not balance (must be 0)."""
    debit, credit = (
        await session.execute(
            select(func.coalesce(func.sum(JournalLine.debit), 0), func.coalesce(func.sum(JournalLine.credit), 0))
        )
    ).one()
    per_entry = (
        select(JournalLine.entry_id)
        .group_by(JournalLine.entry_id)
        .having(func.sum(JournalLine.debit) != func.sum(JournalLine.credit))
    )
    unbalanced = (await session.execute(select(func.count()).select_from(per_entry.subquery()))).scalar_one()
    return int(debit), int(credit), int(unbalanced)
