"""``python -m <service> rotate-keys``: every sealed value re-encrypted under the current key (pii.py), while the
service runs.

Each batch reads values not sealed under the current key, opens them with whichever key sealed them, seals them
anew and writes each back only if it is still the value read (a request that changed it meanwhile sealed it under
the current key already), one short transaction per batch. Stopped and started again, it carries on: what is done
is no longer selected. The report counts, per column, what was processed and what is left; the old keys may leave the
service's settings once every column reports nothing left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import MetaData, bindparam, column, func, select, tuple_, update
from sqlalchemy import table as table_clause

from .db import Database
from .pii import Keyring, Sealed, SealedBytes

__all__ = ["SealedColumn", "rotate_keys", "sealed_columns"]


@dataclass(frozen=True, slots=True)
class SealedColumn:
    table: str
    key: tuple[str, ...]  # the primary key's columns
    column: str
    binary: bool

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"


# sealed by hand rather than by type, so that an altered document is a 409 on download rather than an error
# on reading the row (documents.py)
DOCUMENTS = SealedColumn("documents", ("region", "sha256"), "content", True)


def sealed_columns(*metadata: MetaData) -> list[SealedColumn]:
    """Every column a service stores sealed: those typed Sealed or SealedBytes in its models, and documents."""
    out = [DOCUMENTS]
    for md in metadata:
        for table in md.sorted_tables:
            key = tuple(c.name for c in table.primary_key.columns)
            for c in table.columns:
                if isinstance(c.type, Sealed | SealedBytes):
                    out.append(SealedColumn(table.name, key, c.name, isinstance(c.type, SealedBytes)))
    return sorted(set(out), key=lambda s: s.name)


@dataclass(slots=True)
class Progress:
    column: str
    processed: int = 0  # stale values read and sealed anew (written back unless a request changed them meanwhile)
    left: int = 0  # values still not under the current key when the column was done: 0 means done


async def rotate_keys(
    db: Database, keyring: Keyring, columns: Iterable[SealedColumn], batch: int = 500
) -> list[Progress]:
    out = []
    for sc in columns:
        out.append(await _rotate_column(db, keyring, sc, batch))
    return out


async def _rotate_column(db: Database, keyring: Keyring, sc: SealedColumn, batch: int) -> Progress:
    # untyped columns: values are read and written exactly as stored, sealing and opening done here
    t = table_clause(sc.table, *(column(k) for k in sc.key), column(sc.column))
    value = t.c[sc.column]
    current = keyring.sealed_prefix().encode() if sc.binary else keyring.sealed_prefix()
    stale = value.isnot(None) & (func.substr(value, 1, len(current)) != current)
    keys = [t.c[k] for k in sc.key]
    write = (
        update(t)
        .where(*(t.c[k] == bindparam(f"k_{k}") for k in sc.key), value == bindparam("old"))
        .values({sc.column: bindparam("new")})
    )
    progress = Progress(sc.name)
    after: tuple | None = None
    while True:
        query = select(*keys, value).where(stale).order_by(*keys).limit(batch)
        if after is not None:  # values a concurrent write kept stale stay behind; read on past them
            query = query.where(tuple_(*keys) > tuple_(*(bindparam(None, v) for v in after)))
        async with db.sessionmaker() as session:
            rows = (await session.execute(query)).all()
            if not rows:
                break
            params = []
            for row in rows:
                *pk, old = row
                if sc.binary:
                    new = keyring.encrypt_bytes(keyring.decrypt_bytes(bytes(old)))
                else:
                    new = keyring.encrypt(keyring.decrypt(old))
                params.append({**{f"k_{k}": v for k, v in zip(sc.key, pk, strict=True)}, "old": old, "new": new})
            await session.execute(write, params)
            await session.commit()
            progress.processed += len(params)
            after = tuple(rows[-1][: len(keys)])
    async with db.sessionmaker() as session:
        progress.left = int((await session.execute(select(func.count()).select_from(t).where(stale))).scalar_one())
    return progress
