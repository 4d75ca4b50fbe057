"""Alembic glue: each service's ``env.py`` calls :func:`run_env`; code calls :func:`upgrade` and :func:`status`.

Migrations live inside each service's package (``<package>/migrations``) rather than beside it, so an installed
wheel or a container image carries them and ``python -m <service> migrate`` works anywhere.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from alembic import command, context
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .db import COMMON_METADATA, is_sqlite, make_sqlite_directory

__all__ = ["MigrationStatus", "alembic_config", "append_only_triggers", "run_env", "status", "upgrade"]


def alembic_config(package: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", f"{package}:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(package: str, url: str, revision: str = "head") -> None:
    """Migrate synchronously; call from a thread when an event loop is running."""
    make_sqlite_directory(url)
    command.upgrade(alembic_config(package, url), revision)


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.heads)


def heads(package: str) -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(alembic_config(package, "sqlite://")).get_heads())


async def status(engine: AsyncEngine, package_heads: tuple[str, ...]) -> MigrationStatus:
    async with engine.connect() as conn:
        current = await conn.run_sync(lambda c: tuple(MigrationContext.configure(c).get_current_heads()))
    return MigrationStatus(current=current, heads=package_heads)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``env.py``: online migrations over an async engine, batch mode on SQLite."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url (python -m <service> migrate sets it from the service settings)")
    metadata = [target_metadata, COMMON_METADATA]

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=is_sqlite(url),
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(do_run)
                await connection.commit()
        finally:
            await engine.dispose()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run_async())
    else:  # called from async code (an app or a test): migrate on a thread with a loop of its own
        with ThreadPoolExecutor(1) as executor:
            executor.submit(asyncio.run, run_async()).result()


def append_only_triggers(op: Operations, table: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` in the database itself, on PostgreSQL and SQLite alike."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            text(
                f"""
                CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION '{table} is append-only'; END $$ LANGUAGE plpgsql
                """
            )
        )
        op.execute(
            text(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                text(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
            )


def create_common_tables_v1(op: Operations) -> None:
    """The audit log and idempotency keys, as of version 1; every service's first migration calls this."""
    from .audit import audit_log
    from .idempotency import idempotency_keys

    bind = op.get_bind()
    for table in (audit_log, idempotency_keys):
        table.create(bind)
    append_only_triggers(op, "audit_log")


def audit_read_indexes_v1(op: Operations) -> None:
    """The audit log's indexes for GET /audit: by region, by actor, by time."""
    op.create_index("ix_audit_log_region_id", "audit_log", ["object_region", "id"])
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor", "id"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def drop_audit_read_indexes_v1(op: Operations) -> None:
    for name in ("ix_audit_log_at", "ix_audit_log_actor_id", "ix_audit_log_region_id"):
        op.drop_index(name, table_name="audit_log")


def create_documents_v1(op: Operations) -> None:
    """Uploaded evidence (documents.py), as of version 1."""
    from .documents import documents

    documents.create(op.get_bind())


def create_decision_tables_v1(op: Operations) -> None:
    """Decision records (append-only) and appeals against them (decision_records.py, appeals.py), as of version 1."""
    from .appeals import appeals
    from .decision_records import decision_records

    bind = op.get_bind()
    for table in (decision_records, appeals):
        table.create(bind)
    append_only_triggers(op, "decision_records")


def seal_existing(
    op: Operations, table: str, key: str, columns: list[str], *, binary: bool = False, unseal: bool = False
) -> None:
    """Encrypt the clear values of ``columns`` already stored (pii.py), a thousand rows per statement batch, with
    the keyring of the process (the service's, installed by ``python -m <service> migrate``). Values already
    sealed are left alone, so a migration stopped half-way and run again carries on where it stopped. With
    ``unseal`` (a downgrade), the reverse."""
    from sqlalchemy import bindparam, column, func, select, update
    from sqlalchemy import table as table_clause

    from .pii import installed

    keyring = installed()
    t = table_clause(table, column(key), *(column(c) for c in columns))
    bind = op.get_bind()
    marker = b"v1." if binary else "v1."
    for name in columns:
        c = t.c[name]
        sealed = func.substr(c, 1, 3) == marker
        todo = c.isnot(None) & (sealed if unseal else ~sealed)
        if binary:
            change = keyring.decrypt_bytes if unseal else keyring.encrypt_bytes
        else:
            change = (lambda v: keyring.decrypt(v).decode()) if unseal else (lambda v: keyring.encrypt(v.encode()))
        while True:
            rows = bind.execute(select(t.c[key], c).where(todo).order_by(t.c[key]).limit(1000)).all()
            if not rows:
                break
            bind.execute(
                update(t).where(t.c[key] == bindparam("k")).values({name: bindparam("v")}),
                [{"k": k, "v": change(bytes(v) if binary else v)} for k, v in rows],
            )


def fill_person_keys(op: Operations, table: str, key: str) -> None:
    """``person_key`` (the keyed hash, pii.py) from ``id_number`` where it is still empty, a thousand rows a
    statement batch: run again after an interruption, it fills the rest."""
    from sqlalchemy import bindparam, column, select, update
    from sqlalchemy import table as table_clause

    from .pii import installed

    keyring, bind = installed(), op.get_bind()
    t = table_clause(table, column(key), column("id_number"), column("person_key"))
    while True:
        rows = bind.execute(
            select(t.c[key], t.c.id_number).where(t.c.person_key.is_(None)).order_by(t.c[key]).limit(1000)
        ).all()
        if not rows:
            return
        bind.execute(
            update(t).where(t.c[key] == bindparam("k")).values(person_key=bindparam("v")),
            [{"k": k, "v": keyring.lookup(number)} for k, number in rows],
        )


def create_access_log_v1(op: Operations) -> None:
    """The record of every look at a person (access_log.py), append-only, as of version 1."""
    from .access_log import access_log

    access_log.create(op.get_bind())
    append_only_triggers(op, "access_log")


def create_dated_parameters_v1(op: Operations) -> None:
    """Values of dated parameters set at run time (parameter_api), as of version 1."""
    from .parameter_api import dated_parameters

    dated_parameters.create(op.get_bind())


def create_event_tables_v1(op: Operations) -> None:
    """Outbox, processed events, consumer cursors and dead letters, as of version 1 (the Events issue)."""
    from .events.inbox import consumer_cursors, dead_letters, processed_events
    from .events.outbox import outbox

    bind = op.get_bind()
    for table in (outbox, processed_events, consumer_cursors, dead_letters):
        table.create(bind)
    if bind.dialect.name == "postgresql":
        # the writing transaction's id orders the feed (see events/outbox.py)
        op.execute(text("ALTER TABLE outbox ALTER COLUMN txid SET DEFAULT pg_current_xact_id()::text::bigint"))
