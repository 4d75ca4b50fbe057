"""bench/claims: (1) eligibility checks per second through the claims service, against bare FastAPI doing one
asyncpg point read for the same person, both served by uvicorn and loaded by wrk (a Python client if wrk is not
installed; it measures itself more than the servers) in the same run;
(2) a payment run over N active claims, as claims per second and against asyncpg COPY of N rows.

    .venv/bin/python bench/claims_bench.py   (not claims.py: that name would shadow the claims package) [--persons 2000] [--claims 100000] [--seconds 5] [--runs 3] [--only eligibility payments]
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

import asyncpg
import httpx
from stdnum.cn import ric

sys.path.insert(0, str(Path(__file__).parent))
from _common import CONCURRENCY, DEV_KEYS, free_port, load, ready, report, serve_bare, serve_service, stop, wrk

from insurance_shared.auth import issue_token
from insurance_shared.migrations import upgrade
from insurance_shared.settings import DEV_JWT_SECRET
from insurance_shared.testing.fixtures import _plain_dsn, create_test_database

TODAY = dt.date.today()


def pid(i: int) -> str:
    birth = dt.date(1990, 1, 1) + dt.timedelta(days=i % 9000)
    base = f"220102{birth:%Y%m%d}{i // 9000 % 1000:03d}"
    return base + ric.calc_check_digit(base + "0")


def month(k: int) -> dt.date:
    y, m = divmod(TODAY.year * 12 + TODAY.month - 1 - k, 12)
    return dt.date(y, m + 1, 1)


async def seed_history(conn: asyncpg.Connection, persons: int) -> list[str]:
    rng = random.Random(3)
    months, employments, ids = [], [], []
    for i in range(persons):
        p = pid(i)
        ids.append(p)
        n = rng.randint(6, 130)
        unit = f"9122010{i % 10}MA0000000{i % 10}"
        key = DEV_KEYS.lookup(p)  # history is kept by keyed hash, as the service's events deliver it (#25)
        for k in range(2, 2 + n):
            months.append((key, month(k), unit, "220100", 15000))
        employments.append(
            (
                i + 1,
                key,
                unit,
                "220100",
                "unit",
                month(1 + n),
                month(1) - dt.timedelta(days=1),
                "contract_expired_not_renewed",
            )
        )
    await conn.copy_records_to_table(
        "contribution_months",
        records=months,
        columns=["person_key", "period", "unit_credit_code", "region", "unemployment_fen"],
    )
    await conn.copy_records_to_table(
        "employments_seen",
        records=employments,
        columns=[
            "employment_id",
            "person_key",
            "unit_credit_code",
            "region",
            "track",
            "start_date",
            "end_date",
            "separation_reason",
        ],
    )
    await conn.execute("ANALYZE")
    return ids


async def seed_claims(conn: asyncpg.Connection, n: int) -> None:
    now = dt.datetime.now(dt.UTC)
    registered = month(0)
    rows = [
        (
            DEV_KEYS.lookup(pid(i)),
            DEV_KEYS.encrypt(pid(i).encode()),  # sealed at rest, as the service stores them (#25)
            DEV_KEYS.encrypt(f"职工{i}".encode()),
            "220100",
            registered,
            True,
            "contract_expired_not_renewed",
            "U",
            "active",
            True,
            "{}",
            14,
            12,
            0,
            135000,
            dt.date(registered.year + 1, registered.month, 1),
            "c1",
            f"证{i}",
            0,
            now,
            now,
        )
        for i in range(n)
    ]
    await conn.copy_records_to_table(
        "claims",
        records=rows,
        columns=[
            "person_key",
            "id_number",
            "name",
            "region",
            "registered_on",
            "job_seeking",
            "separation_reason",
            "ended_unit",
            "state",
            "eligible",
            "decision",
            "months_counted",
            "total_months",
            "carried_over",
            "monthly_amount",
            "entitlement_end",
            "community",
            "certificate_no",
            "months_left",
            "created_at",
            "updated_at",
        ],
    )


async def baselines(conn: asyncpg.Connection, n: int, card: str, holder: str) -> tuple[float, float]:
    """COPY of n payments into a bare table of four columns (the issue's baseline), and of the rows the run writes
    (each on its batch line, the account sealed) into a table with benefit_payments' own primary key, unique key,
    indexes and foreign keys: what any writer of these rows pays, the floor under the run."""
    await conn.execute(
        "DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (claim_id bigint, month date, amount bigint, days int)"
    )
    bare_rows = [(i, month(0), 135000, 30) for i in range(n)]
    t0 = time.perf_counter()
    await conn.copy_records_to_table("bench_copy", records=bare_rows, columns=["claim_id", "month", "amount", "days"])
    bare = n / (time.perf_counter() - t0)
    # the run's rows are there now: the keyed copy takes them out of the way, into a table of the same shape
    await conn.execute(
        "DROP TABLE IF EXISTS bench_keyed; CREATE TABLE bench_keyed (LIKE benefit_payments INCLUDING ALL);"
        " ALTER TABLE bench_keyed ADD FOREIGN KEY (claim_id) REFERENCES claims(id),"
        " ADD FOREIGN KEY (run_id) REFERENCES payment_runs(id)"
    )
    run_id, batch_id = await conn.fetchrow("SELECT run_id, id FROM payment_batches LIMIT 1")
    columns = ["claim_id", "run_id", "region", "month", "kind", "amount", "days", "paid_on", "status", "attempts",
               "batch_id", "line_no", "bank_code", "card_number", "holder_name"]  # fmt: skip
    rows = [
        (i, run_id, "220100", month(0), "benefit", 135000, 30, TODAY, "pending", 1, batch_id, i, "ICBC", card, holder)
        for i in range(1, n + 1)
    ]
    t0 = time.perf_counter()
    async with conn.transaction():
        await conn.copy_records_to_table("bench_keyed", records=rows, columns=columns)
    floor = n / (time.perf_counter() - t0)
    await conn.execute("DROP TABLE bench_keyed; DROP TABLE bench_copy")
    return bare, floor


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=["eligibility", "payments"], default=["eligibility", "payments"])
    args = parser.parse_args()
    client = "wrk" if shutil.which("wrk") else "httpx"  # a Python client saturates long before the service (#27)
    url = create_test_database("bench_claims")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        await asyncio.to_thread(upgrade, "claims", url)
        conn = await asyncpg.connect(_plain_dsn(url))
        ids = await seed_history(conn, args.persons)
        bodies = [{"id_number": p, "region": "220100", "on": str(TODAY)} for p in ids]
        token = issue_token(DEV_JWT_SECRET, sub="bench", region="220100", roles=["employment_service"])
        port_ours, port_bare = free_port(), free_port()
        procs.append(serve_service("claims", port_ours, url))
        procs.append(
            serve_bare(
                port_bare, _plain_dsn(url), "SELECT period FROM contribution_months WHERE person_key = $1 LIMIT 1"
            )
        )
        await ready(f"http://127.0.0.1:{port_ours}/healthz")
        await ready(f"http://127.0.0.1:{port_bare}/docs")
        print(
            f"bench/claims: {args.persons:,} persons with 6-130 paid months; {CONCURRENCY} concurrent clients "
            f"({client}), {args.seconds:.0f} s each",
            flush=True,
        )
        ours, base = [], []
        auth = {"Authorization": f"Bearer {token}"}
        for _ in range(args.runs if "eligibility" in args.only else 0):
            if client == "wrk":
                base.append(await wrk(f"http://127.0.0.1:{port_bare}/read", {}, args.seconds, bodies=bodies))
                ours.append(
                    await wrk(f"http://127.0.0.1:{port_ours}/eligibility/check", auth, args.seconds, bodies=bodies)
                )
            else:
                base.append(await load(f"http://127.0.0.1:{port_bare}", "/read", bodies, {}, args.seconds))
                ours.append(
                    await load(f"http://127.0.0.1:{port_ours}", "/eligibility/check", bodies, auth, args.seconds)
                )
        if ours:
            report(f"eligibility checks ({client})", ours, base, "checks/s")

        ours, base, keyed = [], [], []
        pay_token = issue_token(DEV_JWT_SECRET, sub="bench", region="220100", roles=["social_insurance"])
        for _ in range(args.runs if "payments" in args.only else 0):
            await conn.execute(
                "TRUNCATE payment_returns, payment_batches, payee_accounts, benefit_payments, payment_runs, claims "
                "RESTART IDENTITY CASCADE"
            )
            await seed_claims(conn, args.claims)
            # every claimant has an account, so the run also makes the banks' draft batches (#21), as in production
            now = dt.datetime.now(dt.UTC)
            card, holder = DEV_KEYS.encrypt(b"6222020200112345679"), DEV_KEYS.encrypt("张三".encode())
            await conn.copy_records_to_table(
                "payee_accounts",
                records=[(i, "ICBC", card, holder, now, "bench") for i in range(1, args.claims + 1)],
                columns=["claim_id", "bank_code", "card_number", "holder_name", "updated_at", "updated_by"],
            )
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_ours}", timeout=600) as c:
                t0 = time.perf_counter()
                r = await c.post(
                    "/payment-runs",
                    json={"region": "220100", "month": f"{month(0):%Y-%m}"},
                    headers={"Authorization": f"Bearer {pay_token}"},
                )
                elapsed = time.perf_counter() - t0
            assert r.status_code == 200 and r.json()["claims_paid"] == args.claims, r.text[:300]
            ours.append(args.claims / elapsed)
            bare, floor = await baselines(conn, args.claims, card, holder)
            base.append(bare)
            keyed.append(floor)
        if ours:
            report(f"payment run over {args.claims:,} claims", ours, base, "claims/s")
            report("  against COPY into a table keyed as benefit_payments", ours, keyed, "claims/s")
        await conn.close()
    finally:
        stop(procs, url)


if __name__ == "__main__":
    asyncio.run(main())
