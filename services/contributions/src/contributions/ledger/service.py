"""Posting journal entries and reading balances. Balances are derived from the lines, never stored."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import insert_returning_ids, upsert_insert, utcnow

from ..rules.postings import Line, balanced
from .models import Account, JournalEntry, JournalLine


class UnbalancedEntry(ValueError):
    pass


# every account of the regions asked for: a region has a handful, and one statement built once (a tuple IN built
# per call cost more to construct than the database took to answer it)
_ACCOUNTS_OF = select(Account.region, Account.fund, Account.kind, Account.id).where(
    Account.region.in_(bindparam("regions", expanding=True))
)


async def _account_ids(session: AsyncSession, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    """Account ids, made on first use. Read first: accounts are few and soon all exist, so most calls write
    nothing."""
    cache: dict[tuple[str, str, str], int] = session.info.setdefault("account_ids", {})

    async def read(wanted: set[tuple[str, str, str]]) -> None:
        for r, f, k, i in await session.execute(_ACCOUNTS_OF, {"regions": sorted({r for r, _, _ in wanted})}):
            cache[(r, f, k)] = i

    if missing := keys - cache.keys():
        await read(missing)
    if missing := keys - cache.keys():
        await session.execute(
            upsert_insert(session)(Account).on_conflict_do_nothing(),
            [{"region": r, "fund": f, "kind": k} for r, f, k in sorted(missing)],
        )
        await read(missing)
    return cache


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    ref: str
    lines: list[Line]
    memo: str = ""


async def post(session: AsyncSession, kind: str, ref: str, lines: list[Line], memo: str = "") -> int | None:
    """Write one balanced entry; an entry with no lines is not written."""
    return (await post_many(session, [Entry(kind, ref, lines, memo)]))[0]


async def post_many(session: AsyncSession, entries: list[Entry]) -> list[int | None]:
    """Write balanced entries together (one insert of entries, one of lines); the ids in order, None for an
    entry with no lines, which is not written."""
    kept = []
    for e in entries:
        lines = [x for x in e.lines if x.debit or x.credit]
        if lines and not balanced(lines):
            raise UnbalancedEntry(
                f"{e.kind} {e.ref}: debits {sum(x.debit for x in lines)} != credits {sum(x.credit for x in lines)}"
            )
        kept.append(lines)
    ids = await _account_ids(session, {(x.region, x.fund, x.kind) for lines in kept for x in lines})
    written = [(e, lines) for e, lines in zip(entries, kept, strict=True) if lines]
    if not written:
        return [None] * len(entries)
    now = utcnow()
    entry_ids = await insert_returning_ids(
        session,
        JournalEntry.__table__,
        [{"at": now, "kind": e.kind, "ref": e.ref, "memo": e.memo[:300]} for e, _ in written],
    )
    await session.execute(
        insert(JournalLine.__table__),
        [
            {"entry_id": entry_id, "account_id": ids[(x.region, x.fund, x.kind)], "debit": x.debit, "credit": x.credit}
            for entry_id, (_, lines) in zip(entry_ids, written, strict=True)
            for x in lines
        ],
    )
    made = iter(entry_ids)
    return [next(made) if lines else None for lines in kept]


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
