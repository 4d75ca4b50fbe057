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
    op: Operations,
    table: str,
    key: str | tuple[str, ...],
    columns: list[str],
    *,
    binary: bool = False,
    unseal: bool = False,
) -> None:
    """Encrypt the clear values of ``columns`` already stored (pii.py), a thousand rows per statement batch, with
    the keyring of the process (the service's, installed by ``python -m <service> migrate``). Values already
    sealed are left alone, so a migration stopped half-way and run again carries on where it stopped. With
    ``unseal`` (a downgrade), the reverse."""
    from sqlalchemy import and_, bindparam, column, func, select, update
    from sqlalchemy import table as table_clause

    from .pii import installed

    keyring = installed()
    keys = (key,) if isinstance(key, str) else key
    t = table_clause(table, *(column(k) for k in keys), *(column(c) for c in columns))
    bind = op.get_bind()
    where = and_(*(t.c[k] == bindparam(f"k_{k}") for k in keys))
    marker = b"v1." if binary else "v1."
    for name in columns:
        c = t.c[name]
        sealed = func.substr(c, 1, 3) == marker
        todo = c.isnot(None) & (sealed if unseal else ~sealed)
        if binary:
            change = (
                (lambda v: keyring.decrypt_bytes(bytes(v))) if unseal else (lambda v: keyring.encrypt_bytes(bytes(v)))
            )
        else:
            change = (lambda v: keyring.decrypt(v).decode()) if unseal else (lambda v: keyring.encrypt(v.encode()))
        while True:
            rows = bind.execute(
                select(*(t.c[k] for k in keys), c).where(todo).order_by(*(t.c[k] for k in keys)).limit(1000)
            ).all()
            if not rows:
                break
            bind.execute(
                update(t).where(where).values({name: bindparam("v")}),
                [{**{f"k_{k}": v for k, v in zip(keys, row[:-1], strict=True)}, "v": change(row[-1])} for row in rows],
            )


def fill_person_keys(op: Operations, table: str, *, source: str = "id_number", target: str = "person_key") -> None:
    """``target`` (the keyed hash, pii.py) from the identity number in ``source`` where it is still to do, a
    thousand numbers a statement batch: run again after an interruption, it does the rest. Rows are found by the
    number itself, so any table will do. With ``source == target`` the numbers are replaced in place (a column
    widened to hold the hash), a value already 64 characters long being a hash."""
    from sqlalchemy import bindparam, column, func, select, update
    from sqlalchemy import table as table_clause

    from .pii import installed

    keyring, bind = installed(), op.get_bind()
    t = table_clause(table, *(column(c) for c in dict.fromkeys((source, target))))
    number, key = t.c[source], t.c[target]
    todo = func.length(number) < 64 if source == target else key.is_(None)
    while True:
        numbers = (
            bind.execute(select(number).where(todo, number.is_not(None)).distinct().order_by(number).limit(1000))
            .scalars()
            .all()
        )
        if not numbers:
            return
        bind.execute(
            update(t).where(number == bindparam("n"), todo).values({target: bindparam("v")}),
            [{"n": n, "v": keyring.lookup(n)} for n in numbers],
        )


def decisions_by_person_key_v1(op: Operations) -> None:
    """Decision records and appeals name a person by keyed hash, not by number (#25): the column widens to hold
    the hash and the numbers already stored become hashes, a thousand at a time (resumable: a hash is left alone).
    Decision records are append-only, so the guard is lifted for this one change and put back."""
    from sqlalchemy import String

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute(text("ALTER TABLE decision_records DISABLE TRIGGER decision_records_append_only"))
    else:
        for verb in ("update", "delete"):
            op.execute(text(f"DROP TRIGGER IF EXISTS decision_records_no_{verb}"))
    for name in ("decision_records", "appeals"):
        with op.batch_alter_table(name) as t:
            t.alter_column("person", type_=String(64), existing_type=String(18), existing_nullable=True)
        fill_person_keys(op, name, source="person", target="person")
    if postgres:
        op.execute(text("ALTER TABLE decision_records ENABLE TRIGGER decision_records_append_only"))
    else:
        append_only_triggers(op, "decision_records")


def upgrade_stored_events_v1(op: Operations) -> None:
    """Events already stored in the outbox (and parked in dead letters) in a superseded form that names people by
    number in clear are rewritten in their current form, as a consumer would upgrade them on arrival (#25): the
    same event id (a consumer that applied it does not apply it again), the keyed hash for the number, as data
    and as subject. Rows are found by type, a few hundred at a time; a rewritten row has the current type, so an
    interrupted run finishes with the next. (What a NATS stream already holds is not rewritten: purge it once
    every consumer has caught up, deploy/README.md.)"""
    import json

    from sqlalchemy import bindparam, column, select, update
    from sqlalchemy import table as table_clause

    from .contracts import catalogue
    from .pii import person_key

    bind = op.get_bind()
    superseded = {
        name: model
        for name, model in catalogue.items()
        if hasattr(model, "upgrade") and {"id_number", "people"} & set(model.model_fields)
    }
    for name in ("outbox", "dead_letters"):
        t = table_clause(name, column("id"), column("type"), column("subject"), column("envelope"))
        while True:
            rows = bind.execute(
                select(t.c.id, t.c.envelope).where(t.c.type.in_(superseded)).order_by(t.c.id).limit(500)
            ).all()
            if not rows:
                break
            changed = []
            for row_id, text_ in rows:
                envelope = json.loads(text_)
                current = superseded[envelope["type"]].model_validate(envelope["data"]).upgrade()
                data = envelope["data"]
                numbers = {data.get("id_number")} | {p.get("id_number") for p in data.get("people", [])}
                subject = person_key(envelope["subject"]) if envelope["subject"] in numbers else envelope["subject"]
                envelope.update(type=current.event_type, subject=subject, data=current.model_dump(mode="json"))
                changed.append(
                    {"k": row_id, "t": current.event_type, "s": subject, "e": json.dumps(envelope, ensure_ascii=False)}
                )
            bind.execute(
                update(t)
                .where(t.c.id == bindparam("k"))
                .values(type=bindparam("t"), subject=bindparam("s"), envelope=bindparam("e")),
                changed,
            )


def seal_idempotency_v1(op: Operations) -> None:
    """A stored answer replayed for a repeated request holds what the answer showed (a person's number, name or
    account): it is sealed at rest like every such value (#25), as are the path and location that may name a
    person."""
    from sqlalchemy import String, Text

    with op.batch_alter_table("idempotency_keys") as t:
        t.alter_column("path", type_=Text(), existing_type=String(500), existing_nullable=False)
        t.alter_column("location", type_=Text(), existing_type=String(500), existing_nullable=True)
    seal_existing(op, "idempotency_keys", ("actor", "key"), ["path", "location"])
    seal_existing(op, "idempotency_keys", ("actor", "key"), ["response_body"], binary=True)


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
