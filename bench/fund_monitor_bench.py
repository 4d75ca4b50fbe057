"""bench/fund_monitor: dashboard-overview requests per second with 10 years of monthly data for every region,
against bare FastAPI returning a constant, both served by uvicorn and loaded by the same client in the same run.

The data goes in through fund-monitor's own posting path (journal entries, monthly flows, region status and
alerts), not by writing tables behind its back.

    .venv/bin/python bench/fund_monitor_bench.py [--years 10] [--seconds 5] [--runs 3]

(not bench/fund_monitor.py: a file of that name would shadow the fund_monitor package)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import CONCURRENCY, free_port, load, ready, report, serve_bare, serve_service, stop, wrk

from fund_monitor.funds.service import refresh_dirty
from fund_monitor.ledger import postings
from fund_monitor.ledger.service import post
from fund_monitor.main import load_all
from fund_monitor.rules.months import add_months, month_of
from insurance_shared import Database, all_regions
from insurance_shared.auth import issue_token
from insurance_shared.migrations import upgrade
from insurance_shared.settings import DEV_JWT_SECRET
from insurance_shared.testing.fixtures import create_test_database


async def seed(url: str, years: int) -> int:
    """Opening balances, then every month: contributions twice, benefits once, interest quarterly; one region
    drifting under two months so alerts are open."""
    load_all()
    db = Database(url)
    rng = random.Random(7)
    this_month = month_of(dt.date.today())
    first = add_months(this_month, -12 * years + 1)
    entries = 0
    ids = iter(range(1, 10**9))
    for region in (r.code for r in all_regions() if not r.is_province):
        drifting = region == "220800"
        async with db.sessionmaker() as s:
            await post(s, postings.opening_balance(region, 500_000_000, first))
            for i in range(12 * years):
                m = add_months(first, i)
                base = rng.randint(8_000_000, 12_000_000)
                for half in (0, 14):
                    await post(
                        s, postings.collected(region, base // 2, 0, m + dt.timedelta(days=half), next(ids), False)
                    )
                spend = base * (3 if drifting and i > 12 * years - 24 else 1) - rng.randint(0, 2_000_000)
                await post(s, postings.benefits_paid(region, m, spend, next(ids)))
                if m.month % 3 == 0:
                    await post(s, postings.other_income(region, "interest", 300_000, m, f"q{i}"))
                entries += 4
            await refresh_dirty(s)
            await s.commit()
    await db.dispose()
    return entries


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = create_test_database("bench_fund_monitor")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        await asyncio.to_thread(upgrade, "fund_monitor", url)
        t0 = time.perf_counter()
        entries = await seed(url, args.years)
        print(
            f"seeded {entries:,} journal entries ({args.years} years × 9 regions) in {time.perf_counter() - t0:.0f} s"
        )
        token = issue_token(DEV_JWT_SECRET, sub="bench", region="220000", roles=["province"])
        port_ours, port_bare = free_port(), free_port()
        procs.append(serve_service("fund-monitor", port_ours, url))
        procs.append(serve_bare(port_bare))
        await ready(f"http://127.0.0.1:{port_ours}/healthz")
        await ready(f"http://127.0.0.1:{port_bare}/constant")
        print(f"bench/fund_monitor: {CONCURRENCY} concurrent clients, {args.seconds:.0f} s each", flush=True)
        headers = {"Authorization": f"Bearer {token}"}
        ours, base = [], []
        client = "wrk" if shutil.which("wrk") else "httpx"
        for _ in range(args.runs):
            if client == "wrk":
                base.append(await wrk(f"http://127.0.0.1:{port_bare}/constant", {}, args.seconds))
                ours.append(await wrk(f"http://127.0.0.1:{port_ours}/dashboard/overview", headers, args.seconds))
            else:  # a Python client is slower than both servers: the ratio then understates the difference
                base.append(await load(f"http://127.0.0.1:{port_bare}", "/constant", None, {}, args.seconds))
                ours.append(
                    await load(f"http://127.0.0.1:{port_ours}", "/dashboard/overview", None, headers, args.seconds)
                )
        report(f"dashboard overview (load from {client})", ours, base, "requests/s")
    finally:
        stop(procs, url)


if __name__ == "__main__":
    asyncio.run(main())
