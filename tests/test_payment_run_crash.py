"""#21 item 6: a payment run killed half way (kill -9 of the claims process, not a simulated exception) and retried
with the same Idempotency-Key resumes and answers its result; no payment is doubled, every payment is in exactly one
batch, and the key then replays the answer. On PostgreSQL, claims running as a real process."""

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from insurance_shared.auth import issue_token
from insurance_shared.migrations import upgrade
from insurance_shared.pii import Keyring
from insurance_shared.settings import DEV_JWT_SECRET
from insurance_shared.testing.fixtures import create_test_database, drop_test_database

from .pg import sql
from .service_process import serve, wait_ready

pytestmark = pytest.mark.slow

PORT = 18451
CLAIMS = 30_000  # fifteen chunks of the run: time enough to kill it between two
TOKEN = issue_token(DEV_JWT_SECRET, sub="maker-1", region="220100", roles=["social_insurance"])


def start(url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CLAIMS_DATABASE_URL": url, "CLAIMS_BACKGROUND_TASKS": "false", "CLAIMS_LOG_LEVEL": "ERROR"}
    proc = serve("claims", PORT, env)
    wait_ready(proc, PORT, path="/healthz")
    return proc


@pytest.fixture
def database() -> Iterator[str]:
    url = create_test_database("crash_claims")
    try:
        upgrade("claims", url)
        # numbers, names and accounts are sealed at rest (#25): seeded as the service (on its development keys)
        # would store them; one sealed number for all, each claim its own keyed hash
        dev = Keyring.development_keyring()
        number, name = dev.encrypt(b"220102198501010018"), dev.encrypt("张三".encode())
        card, holder = dev.encrypt(b"6222020200112345679"), dev.encrypt("张三".encode())
        sql(
            url,
            f"""
            INSERT INTO claims (person_key, id_number, name, region, registered_on, job_seeking, state, eligible,
                decision, months_counted, total_months, carried_over, monthly_amount, entitlement_end, community,
                certificate_no, months_left, created_at, updated_at)
            SELECT md5(g::text) || md5(g::text), '{number}', '{name}', '220100', date_trunc('month', now())::date,
                true, 'active', true, '{{}}', 14, 12, 0, 135000, (date_trunc('month', now()) + interval '1 year')::date,
                'c', '证', 0, now(), now()
            FROM generate_series(1, {CLAIMS}) g
            """,
        )
        sql(
            url,
            "INSERT INTO payee_accounts (claim_id, bank_code, card_number, holder_name, updated_at, updated_by) "
            f"SELECT id, 'ICBC', '{card}', '{holder}', now(), 'seed' FROM claims",
        )
        yield url
    finally:
        drop_test_database(url)


def test_a_killed_run_resumes_under_the_same_key_and_pays_nobody_twice(database: str) -> None:
    month = time.strftime("%Y-%m")
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "run-2026-12-220100"}
    body = {"region": "220100", "month": month}
    proc = start(database)
    answered: list[httpx.Response | Exception] = []

    def first_attempt() -> None:
        try:
            answered.append(
                httpx.post(f"http://127.0.0.1:{PORT}/payment-runs", json=body, headers=headers, timeout=120)
            )
        except httpx.HTTPError as exc:  # the connection dies with the process
            answered.append(exc)

    t = threading.Thread(target=first_attempt)
    t.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = sql(database, "SELECT count(*) AS n FROM benefit_payments")[0]["n"]
        if done >= 2000:  # a chunk committed: the run is half way
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    t.join(timeout=30)
    assert answered and not isinstance(answered[0], httpx.Response), "the run finished before it could be killed"
    half = sql(database, "SELECT count(*) AS n FROM benefit_payments")[0]["n"]
    assert 0 < half < CLAIMS
    (run,) = sql(database, "SELECT status FROM payment_runs")
    assert run["status"] == "running"

    proc = start(database)
    try:
        retry = httpx.post(f"http://127.0.0.1:{PORT}/payment-runs", json=body, headers=headers, timeout=300)
        assert retry.status_code == 200, retry.text  # not 409 idempotency_key_in_progress
        result = retry.json()
        assert (result["status"], result["claims_paid"]) == ("completed", CLAIMS)
        assert sum(b["lines"] for b in result["batches"]) == CLAIMS
        (counts,) = sql(
            database,
            "SELECT count(*) AS rows, count(DISTINCT claim_id) AS claims, count(batch_id) AS batched, "
            "count(DISTINCT (batch_id, line_no)) AS lines FROM benefit_payments",
        )
        assert dict(counts) == {"rows": CLAIMS, "claims": CLAIMS, "batched": CLAIMS, "lines": CLAIMS}
        # each batch's count and total are its lines', numbered 1.. with no gap, across the kill (#27: lines are
        # written with their payments, chunk by chunk)
        batches = sql(
            database,
            "SELECT b.id, b.lines, b.total, count(p.id) AS n, sum(p.amount) AS fen, max(p.line_no) AS last"
            " FROM payment_batches b JOIN benefit_payments p ON p.batch_id = b.id GROUP BY b.id",
        )
        assert batches and all((b["lines"], b["total"], b["last"]) == (b["n"], b["fen"], b["n"]) for b in batches), (
            batches
        )
        again = httpx.post(f"http://127.0.0.1:{PORT}/payment-runs", json=body, headers=headers, timeout=60)
        assert again.headers.get("Idempotent-Replayed") == "true" and again.content == retry.content
    finally:
        proc.terminate()
        proc.wait(timeout=30)
