"""Reading a service's PostgreSQL database behind its API, for the cross-service tests that check what was
written (rows are asyncpg records: by position, by name, and equal to tuples)."""

import asyncio

import asyncpg

from insurance_shared.testing.fixtures import _plain_dsn


def sql(url: str, query: str) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(_plain_dsn(url))
        try:
            return await conn.fetch(query)
        finally:
            await conn.close()

    return asyncio.run(go())
