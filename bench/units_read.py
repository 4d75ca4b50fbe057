"""bench/units_read: ``GET /units/{code}`` of the contributions service per second, against bare FastAPI doing the
same point read with asyncpg, both served by uvicorn and loaded by wrk in the same run (#27 item 3).

    .venv/bin/python bench/units_read.py [--units 1000] [--seconds 5] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import free_port, ready, report, serve_bare, serve_service, stop, wrk
from contributions_ingest import seed

from insurance_shared.auth import issue_token
from insurance_shared.migrations import upgrade
from insurance_shared.settings import DEV_JWT_SECRET
from insurance_shared.testing.fixtures import _plain_dsn, create_test_database


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = create_test_database("bench_units")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        await asyncio.to_thread(upgrade, "contributions", url)
        codes = list(await seed(url, args.units, args.units))  # one enrolled person each
        port_ours, port_bare = free_port(), free_port()
        procs.append(serve_service("contributions", port_ours, url))
        procs.append(serve_bare(port_bare, _plain_dsn(url), "SELECT * FROM units WHERE credit_code = $1"))
        await ready(f"http://127.0.0.1:{port_ours}/healthz")
        await ready(f"http://127.0.0.1:{port_bare}/docs")
        token = issue_token(DEV_JWT_SECRET, sub="bench", region="220000", roles=["province"])
        print(f"bench/units_read: {len(codes):,} units; wrk, {args.seconds:.0f} s each", flush=True)
        ours, base = [], []
        for _ in range(args.runs):
            base.append(
                await wrk(f"http://127.0.0.1:{port_bare}/", {}, args.seconds, paths=[f"/read/{c}" for c in codes])
            )
            ours.append(
                await wrk(
                    f"http://127.0.0.1:{port_ours}/",
                    {"Authorization": f"Bearer {token}"},
                    args.seconds,
                    paths=[f"/units/{c}" for c in codes],
                )
            )
        report("GET /units/{code}", ours, base, "req/s")
    finally:
        stop(procs, url)


if __name__ == "__main__":
    asyncio.run(main())
