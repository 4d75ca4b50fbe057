"""The payment run reads each chunk of claims by primary key, whatever PostgreSQL knows of the table (#27).

A chunk is read as the range of claim ids it spans. On statistics older than the claims (a table loaded or grown
since it was last analysed), PostgreSQL answered the range from the (region, state) index, reading every open
claim of the region for each chunk: half a second a chunk at a million claims, a run's cost growing with the square
of its claims (bench/README, "payment run, second pass"). The range is read in a subquery that OFFSET 0 keeps
whole. Here the claims are written into a database whose statistics never see them."""

import datetime as dt

import asyncpg
from sqlalchemy.dialects import postgresql

from claims.payments.service import _CHUNK
from insurance_shared.migrations import upgrade
from insurance_shared.testing.fixtures import _plain_dsn, create_test_database, drop_test_database

CLAIMS = 50_000


async def test_a_chunk_of_the_run_is_read_by_primary_key_on_stale_statistics() -> None:
    url = create_test_database("claims_plan")
    try:
        upgrade("claims", url)
        conn = await asyncpg.connect(_plain_dsn(url))
        try:
            await conn.execute("ALTER TABLE claims SET (autovacuum_enabled = false)")  # no statistics, ever
            await conn.execute(
                "INSERT INTO claims (person_key, id_number, name, region, registered_on, job_seeking, state, eligible,"
                " decision, months_counted, total_months, carried_over, monthly_amount, entitlement_end,"
                " certificate_no, months_left, created_at, updated_at)"
                " SELECT 'k' || g, 'x', 'x', '220100', DATE '2026-01-01', true, 'active', true, '{}', 14, 12, 0,"
                " 135000, DATE '2027-01-01', 'c' || g, 0, now(), now() FROM generate_series(1, $1) AS g",
                CLAIMS,
            )
            values = {
                "region": "220100",
                "first": dt.date(2026, 11, 1),
                "after": dt.date(2026, 12, 1),
                "lo": CLAIMS - 2_000,
                "hi": CLAIMS - 1,
            }
            sql = _CHUNK.params(values).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
            plan = [row[0] for row in await conn.fetch(f"EXPLAIN {sql}")]
        finally:
            await conn.close()
    finally:
        drop_test_database(url)
    assert not any("ix_claims_region_state" in line for line in plan), "\n".join(plan)
    assert any("pk_claims" in line for line in plan), "\n".join(plan)
