"""bench/contributions_ingest: declaration lines per second through the bulk API, against asyncpg COPY of the
same rows into a bare table, and into a table with declaration_lines' keys, indexes and foreign key, measured in
the same run.

Set-up (not timed): a migrated PostgreSQL database with N units across the regions and their persons enrolled,
written with COPY. Timed: every unit's CSV declaration for one period, posted to a real server process
(uvicorn) over HTTP by 4 concurrent clients; each request validates every line, clamps, computes the four
amounts, writes the lines and the journal entry, and commits.

    .venv/bin/python bench/contributions_ingest.py [--lines 1000000] [--units 10000] [--runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
from stdnum.cn import ric, uscc

sys.path.insert(0, str(Path(__file__).parent))
from _common import DEV_KEYS, free_port, report

from insurance_shared.auth import issue_token
from insurance_shared.migrations import upgrade
from insurance_shared.regions import all_regions
from insurance_shared.settings import DEV_JWT_SECRET
from insurance_shared.testing.fixtures import _plain_dsn, create_test_database, drop_test_database

CONCURRENCY = 4
LINE_COLUMNS = (
    "declaration_id",
    "line_no",
    "person_key",
    "declared_base",
    "base",
    "pension_unit",
    "pension_person",
    "unemployment_unit",
    "unemployment_person",
)


def credit_code(i: int, region: str) -> str:
    base = f"91{region}MA{i:07d}"
    return base + uscc.calc_check_digit(base)


def resident_id(i: int) -> str:
    birth = dt.date(1990, 1, 1) + dt.timedelta(days=i % 9000)
    base = f"220102{birth:%Y%m%d}{i // 9000 % 1000:03d}"
    return base + ric.calc_check_digit(base + "0")


async def seed(url: str, units: int, lines: int) -> dict[str, list[tuple[str, str]]]:
    """Units and enrolled persons, written directly: set-up, not what is measured."""
    regions = [r.code for r in all_regions() if not r.is_province]
    conn = await asyncpg.connect(_plain_dsn(url))
    now = dt.datetime.now(dt.UTC)
    unit_rows, person_rows, employment_rows = [], [], []
    by_unit: dict[str, list[tuple[str, str]]] = {}
    per_unit = lines // units
    rng = random.Random(7)
    for u in range(units):
        region = regions[u % len(regions)]
        code = credit_code(u, region)
        unit_rows.append((code, f"单位{u}", "enterprise", region, None, False, False, per_unit, now, now))
        people = []
        for k in range(per_unit):
            n = u * per_unit + k
            pid = resident_id(n)
            # people are stored by keyed hash, number and name sealed, as the service (on development keys) does
            key = DEV_KEYS.lookup(pid)
            person_rows.append((key, DEV_KEYS.encrypt(pid.encode()), DEV_KEYS.encrypt(f"职工{n}".encode()), now))
            employment_rows.append((key, code, region, "unit", dt.date(2020, 1, 1), None, 500000, None, now))
            people.append((pid, f"{rng.randint(1500, 20000)}.{rng.randint(0, 99):02d}"))
        by_unit[code] = people
    await conn.copy_records_to_table(
        "units",
        records=unit_rows,
        columns=[
            "credit_code",
            "name",
            "kind",
            "region",
            "home_region",
            "fully_budget_funded",
            "provincial_direct",
            "declared_staff",
            "created_at",
            "updated_at",
        ],
    )
    await conn.copy_records_to_table(
        "persons", records=person_rows, columns=["person_key", "id_number", "name", "created_at"]
    )
    await conn.copy_records_to_table(
        "employments",
        records=employment_rows,
        columns=[
            "person_key",
            "unit_credit_code",
            "region",
            "track",
            "start_date",
            "end_date",
            "wage",
            "separation_reason",
            "created_at",
        ],
    )
    await conn.execute("ANALYZE")
    await conn.close()
    return by_unit


async def reset(url: str) -> None:
    conn = await asyncpg.connect(_plain_dsn(url))
    await conn.execute(
        "TRUNCATE declaration_lines, declarations, journal_lines, journal_entries, accounts, audit_log, "
        "idempotency_keys RESTART IDENTITY CASCADE"
    )
    await conn.execute("DROP TABLE IF EXISTS bench_lines")
    await conn.close()


async def ingest(port: int, by_unit: dict[str, list[tuple[str, str]]], period: str, regions: dict[str, str]) -> float:
    tokens = {
        region: issue_token(DEV_JWT_SECRET, sub=f"bench-{region}", region=region, roles=["social_insurance"])
        for region in set(regions.values())
    }
    queue: asyncio.Queue[str] = asyncio.Queue()
    for code in by_unit:
        queue.put_nowait(code)
    total = sum(len(v) for v in by_unit.values())

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            code = queue.get_nowait()
            body = "id_number,base\n" + "".join(f"{pid},{base}\n" for pid, base in by_unit[code])
            r = await client.post(
                f"/units/{code}/declarations/bulk?period={period}",
                content=body.encode(),
                headers={"Authorization": f"Bearer {tokens[regions[code]]}", "content-type": "text/csv"},
            )
            if r.status_code != 201:
                raise RuntimeError(f"{code}: {r.status_code} {r.text[:900]}")

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
        return total / (time.perf_counter() - t0)


async def baseline(url: str, by_unit: dict[str, list[tuple[str, str]]]) -> tuple[float, float]:
    """COPY of the same rows, as the service stores them, into a bare table (the issue's baseline) and into a
    table with declaration_lines' own primary key, indexes and foreign key (what any writer of these rows pays:
    the floor under the service)."""
    conn = await asyncpg.connect(_plain_dsn(url))
    await conn.execute(
        "CREATE TABLE bench_lines (declaration_id bigint, line_no int, person_key text, declared_base bigint, base bigint, "
        "pension_unit bigint, pension_person bigint, unemployment_unit bigint, unemployment_person bigint)"
    )
    await conn.execute("CREATE TABLE bench_keyed_lines (LIKE declaration_lines INCLUDING ALL)")
    await conn.execute(
        "ALTER TABLE bench_keyed_lines ADD FOREIGN KEY (declaration_id) REFERENCES declarations(id) ON DELETE CASCADE"
    )
    ids = [r[0] for r in await conn.fetch("SELECT id FROM declarations ORDER BY id")]  # the run's, one per unit
    rows = []
    for d, people in zip(ids, by_unit.values(), strict=True):
        for k, (pid, base) in enumerate(people, 1):
            fen = int(base.replace(".", ""))
            key = DEV_KEYS.lookup(pid)  # the rows as the service stores them (#25)
            rows.append((d, k, key, fen, fen, fen // 5, fen * 8 // 100, fen // 50, fen // 100))
    rates = []
    for table in ("bench_lines", "bench_keyed_lines"):
        t0 = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table(table, records=rows, columns=list(LINE_COLUMNS))
        rates.append(len(rows) / (time.perf_counter() - t0))
    await conn.execute("DROP TABLE bench_keyed_lines")
    await conn.close()
    return rates[0], rates[1]


async def wait_ready(port: int) -> None:
    async with httpx.AsyncClient() as c:
        for _ in range(200):
            try:
                if (await c.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not become ready")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    url = create_test_database("bench_ingest")
    port = free_port()
    server = None
    try:
        await asyncio.to_thread(upgrade, "contributions", url)
        t = time.perf_counter()
        by_unit = await seed(url, args.units, args.lines)
        regions = {code: code[2:8] for code in by_unit}
        print(
            f"bench/contributions_ingest: {sum(map(len, by_unit.values())):,} lines, {len(by_unit):,} units "
            f"(set-up {time.perf_counter() - t:.0f}s)",
            flush=True,
        )
        env = {
            **os.environ,
            "CONTRIBUTIONS_DATABASE_URL": url,
            "CONTRIBUTIONS_BACKGROUND_TASKS": "false",
            "CONTRIBUTIONS_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen([sys.executable, "-m", "contributions", "serve", "--port", str(port)], env=env)
        await wait_ready(port)
        today = dt.date.today()
        period = f"{today.year}-{today.month:02d}"
        ours, base, keyed = [], [], []
        for _ in range(args.runs):
            await reset(url)
            ours.append(await ingest(port, by_unit, period, regions))
            bare, floor = await baseline(url, by_unit)
            base.append(bare)
            keyed.append(floor)
        report("bulk declaration API", ours, base, "lines/s")
        report("  against COPY into a table keyed as declaration_lines", ours, keyed, "lines/s")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        drop_test_database(url)


if __name__ == "__main__":
    asyncio.run(main())
