"""Each service's migrations build exactly the schema its models declare (on PostgreSQL, compared by Alembic's
autogenerate): a column, constraint or index added to a model without its migration, or the other way round, fails
here rather than in production."""

import asyncio
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from insurance_shared.db import COMMON_METADATA
from insurance_shared.migrations import upgrade
from insurance_shared.testing.fixtures import create_test_database, drop_test_database

# GET /audit's indexes are added by a later migration of each service (migrations.audit_read_indexes_v1), not
# declared on the table, whose definition the first migration creates as it was then
LATER_INDEXES = {"ix_audit_log_actor_id", "ix_audit_log_at", "ix_audit_log_region_id"}


def _differences(package: str, url: str) -> list:
    models = importlib.import_module(f"{package}.models")
    if hasattr(models, "load_all"):
        models.load_all()
    declared = MetaData()
    for table in (*models.Base.metadata.tables.values(), *COMMON_METADATA.tables.values()):
        table.to_metadata(declared)

    async def compare() -> list:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), declared)
                )
        finally:
            await engine.dispose()

    diff = asyncio.run(compare())
    return [d for d in diff if not (d[0] == "remove_index" and d[1].name in LATER_INDEXES)]


@pytest.mark.parametrize("package", ["contributions", "claims", "layoff_reporting", "fund_monitor"])
def test_migrations_build_what_the_models_declare(package: str) -> None:
    url = create_test_database(f"schema_{package}")
    try:
        upgrade(package, url)
        assert _differences(package, url) == []
    finally:
        drop_test_database(url)
