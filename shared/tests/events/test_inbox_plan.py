"""The inbox's duplicate check on PostgreSQL: a lookup per key, whatever plan the server keeps for it.

The check is a prepared statement. Once PostgreSQL switches it to a generic plan made while the inbox looked
empty (a new service, a replay into a cleared inbox), the plan stays while the table grows. Written as
``= ANY(array)``, that plan tested every row against the whole batch of keys: 235 ms per batch of 1,000 at 20,000
rows, more with every batch (bench/README)."""

from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from insurance_shared.events.inbox import _seen_and_blocked_query


async def test_the_duplicate_check_never_tests_each_row_against_the_whole_batch(databases) -> None:
    _, consumer = databases
    keys = [f"00000000-0000-4000-8000-{n:012d}" for n in range(1000)]
    async with consumer.sessionmaker() as session:
        compiled = _seen_and_blocked_query(session, "testsrc", keys, {"a", "b"}).compile(
            dialect=postgresql.asyncpg.dialect()
        )
        params = compiled.construct_params()
        args = [params[name] for name in compiled.positiontup]
        await session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))  # the plan it settles on
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        plan = [row[0] for row in await raw.fetch(f"EXPLAIN {compiled.string}", *args)]
        await session.rollback()
    scans_against_the_array = [line for line in plan if "Filter" in line and "ANY" in line]
    assert scans_against_the_array == [], "\n".join(plan)
    assert any("Semi Join" in line for line in plan), "\n".join(plan)
