"""#27 item 5, the scale-out proof: every API runs as two replicas (separate processes, no background work) beside
one worker per service (the event consumers, the relay, housekeeping), all on one PostgreSQL and NATS, as
deploy/k8s runs them. Calls go through a random balancer; conflicting writes sent to both replicas at the same
moment are resolved by the database: one claim per person, one payment per claim and month, one remittance per
month and region, an idempotency key honoured across replicas. What each replica keeps in memory (the dashboard
overview, verified tokens) is never older than its stated bound."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from insurance_shared.auth import issue_token
from insurance_shared.migrations import upgrade
from insurance_shared.settings import DEV_JWT_SECRET
from insurance_shared.testing.fixtures import create_test_database, drop_test_database

from .pg import sql
from .service_process import serve, wait_ready
from .test_stories import CC, JL, SERVICES, TODAY, Stack, credit_code, month, pid

pytestmark = pytest.mark.slow

BASE_PORT = 18501  # the worker of service i on BASE_PORT + i, its replica r on BASE_PORT + 10 * (r + 1) + i
REPLICAS = 2
CACHE_SECONDS = 2.0  # fund-monitor's dashboard_cache_seconds, the bound a replica's overview keeps to
PACKAGE = {name: name.replace("-", "_") for name, _ in SERVICES}


class Balanced(Stack):
    """The stories' caller, each call sent to a replica chosen at random; a thread may pin its calls to one."""

    def __init__(self, replicas: dict[str, list[int]], urls: dict[str, str]) -> None:
        super().__init__(BASE_PORT, "nats", urls)
        self.replicas = replicas
        self.pinned = threading.local()
        self.hits: Counter[int] = Counter()
        self.lock = threading.Lock()

    def address(self, service: str) -> str:
        choice = getattr(self.pinned, "replica", None)
        port = self.replicas[service][random.randrange(REPLICAS) if choice is None else choice]
        with self.lock:
            self.hits[port] += 1
        return f"http://127.0.0.1:{port}"

    def race(self, n: int, call: Callable[[], httpx.Response]) -> list[httpx.Response]:
        """``call`` made ``n`` times at once, alternately on each replica (threads released together)."""
        start = threading.Barrier(n)

        def one(i: int) -> httpx.Response:
            self.pinned.replica = i % REPLICAS
            try:
                start.wait()
                return call()
            finally:
                self.pinned.replica = None

        with ThreadPoolExecutor(n) as pool:
            return list(pool.map(one, range(n)))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Balanced]:
    logs = tmp_path_factory.mktemp("scale-out")
    urls = {name: create_test_database(f"scale_{PACKAGE[name]}") for name, _ in SERVICES}
    procs: list[subprocess.Popen] = []
    try:
        for name, url in urls.items():  # one after another: Alembic's operations are the process's
            upgrade(PACKAGE[name], url)
        env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
        nats_prefix = f"scale{uuid.uuid4().hex[:8]}."
        workers = {name: BASE_PORT + i for i, (name, _) in enumerate(SERVICES)}
        for name, prefix in SERVICES:
            env[f"{prefix}_DATABASE_URL"] = urls[name]
            env[f"{prefix}_EVENT_TRANSPORT"] = "nats"
            env[f"{prefix}_NATS_PREFIX"] = nats_prefix
            env[f"{prefix}_LOG_LEVEL"] = "WARNING"
            env[f"{prefix}_HOST"] = "127.0.0.1"
            env[f"{prefix}_PEERS"] = json.dumps(
                {p: f"http://127.0.0.1:{port}" for p, port in workers.items() if p != name}
            )
        env["FUND_MONITOR_DASHBOARD_CACHE_SECONDS"] = str(CACHE_SECONDS)
        replicas: dict[str, list[int]] = {}
        started: list[tuple[int, subprocess.Popen, Path]] = []
        for i, (name, prefix) in enumerate(SERVICES):
            ports = [(workers[name], "true")] + [(BASE_PORT + 10 * (r + 1) + i, "false") for r in range(REPLICAS)]
            replicas[name] = [port for port, background in ports if background == "false"]
            for port, background in ports:
                log = logs / f"{name}-{port}.log"
                with log.open("wb") as output:
                    proc = serve(PACKAGE[name], port, {**env, f"{prefix}_BACKGROUND_TASKS": background}, output=output)
                procs.append(proc)
                started.append((port, proc, log))
        for port, proc, log in started:
            wait_ready(proc, port, timeout=90, log=log)
        yield Balanced(replicas, urls)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for url in urls.values():
            drop_test_database(url)


def test_conflicting_writes_on_two_replicas_are_resolved_by_the_database(cluster: Balanced) -> None:
    c = cluster
    # an idempotency key sent to both replicas at once: one unit, and every answer is the first one's
    unit = credit_code(501)
    body = {"credit_code": unit, "name": "扩容测试单位", "kind": "enterprise", "region": CC, "declared_staff": 5}
    answers = c.race(
        6,
        lambda: c.call(
            "contributions", "POST", "/units", json=body, headers={"Idempotency-Key": "scale-unit-501"}, expect=None
        ),
    )
    assert {r.status_code for r in answers} == {201}, [r.text for r in answers]
    assert len({r.text for r in answers}) == 1
    assert sql(c.urls["contributions"], f"SELECT count(*) FROM units WHERE credit_code = '{unit}'") == [(1,)]

    # three people paid 14 months and laid off; claims (its worker) learns of it by events
    people = [501, 502, 503]
    employments = {p: c.enrol(p, unit, month(-15)) for p in people}
    c.declare_and_pay(unit, people, [month(-k) for k in range(14, 0, -1)])
    for p in people:
        c.end(p, employments[p], month(0) - dt.timedelta(days=1), "dismissed")
    for p in people:
        assert c.months_seen(p, 14, until=lambda d: d["eligible"])["eligible"]

    # one claim per person: six registrations of person 501 at once on both replicas
    registration = {
        "id_number": pid(501),
        "name": "职工501",
        "region": CC,
        "registered_on": str(TODAY),
        "job_seeking": True,
    }
    answers = c.race(
        6, lambda: c.call("claims", "POST", "/claims", json=registration, roles=("employment_service",), expect=None)
    )
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {201: 1, 409: 5}, [r.text for r in answers]
    (made,) = [r.json() for r in answers if r.status_code == 201]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"claim_active"}
    assert {r.json()["claim_id"] for r in answers if r.status_code == 409} == {made["id"]}
    assert sql(c.urls["claims"], "SELECT count(*) FROM claims") == [(1,)]

    # the three claims verified, with their accounts; then the month's payment run asked for four times at once
    c.call(
        "claims",
        "POST",
        f"/claims/{made['id']}/verification-request",
        json={"community": f"community-{CC}-1"},
        roles=("employment_service",),
    )
    c.payee(made["id"], 501)
    c.call(
        "claims",
        "POST",
        f"/claims/{made['id']}/verify",
        json={"certificate_no": "证501"},
        roles=("community",),
        sub=f"community-{CC}-1",
    )
    for p in people[1:]:
        c.register_and_verify(p)
    runs = c.race(
        4,
        lambda: c.call(
            "claims", "POST", "/payment-runs", json={"region": CC, "month": f"{month(0):%Y-%m}"}, expect=None
        ),
    )
    assert all(r.status_code in (200, 409) for r in runs), [r.text for r in runs]
    assert any(r.status_code == 200 for r in runs)
    payments = sql(c.urls["claims"], "SELECT claim_id, month, kind, count(*) FROM benefit_payments GROUP BY 1, 2, 3")
    assert len(payments) == 3 and all(n == 1 for *_, n in payments), payments
    # the three payments in one draft batch (one bank), whichever run made it
    batches = sql(c.urls["claims"], "SELECT bank_code, lines, total FROM payment_batches")
    assert len(batches) == 1 and batches[0][1] == 3, batches
    assert sql(c.urls["claims"], "SELECT count(*), count(DISTINCT batch_id) FROM benefit_payments") == [(3, 1)]

    # one remittance per month and home region: a provincial-direct unit paid, the remittance run asked for at once
    c.provincial_direct_paid(502, 510, home_region=JL)
    runs = c.race(
        4,
        lambda: c.call(
            "contributions",
            "POST",
            "/remittances/run",
            json={"month": f"{month(-1):%Y-%m}"},
            roles=("province",),
            region="220000",
            expect=None,
        ),
    )
    # one run makes them; the others wait for it and answer what it made, as a run asked for again later does
    assert [r.status_code for r in runs] == [200] * 4, [r.text for r in runs]
    assert sorted(r.json()["created"] for r in runs) == [False, False, False, True]
    assert len({json.dumps(r.json()["remittances"], sort_keys=True) for r in runs}) == 1
    assert sql(c.urls["contributions"], "SELECT month, home_region, count(*) FROM remittances GROUP BY 1, 2") == [
        (month(-1), JL, 1)
    ]
    assert set(c.hits) == {*c.replicas["contributions"], *c.replicas["claims"]}  # every replica answered, no worker


def test_what_a_replica_keeps_in_memory_is_never_older_than_its_bound(cluster: Balanced) -> None:
    c = cluster
    province = {"roles": ("province",), "region": "220000"}

    def overview(replica: int) -> dict:
        c.pinned.replica = replica
        try:
            received = dt.datetime.now(dt.UTC)
            out = c.call("fund-monitor", "GET", "/dashboard/overview", **province).json()
        finally:
            c.pinned.replica = None
        age = (received - dt.datetime.fromisoformat(out["generated_at"])).total_seconds()
        assert age <= CACHE_SECONDS + 0.5, f"replica {replica} served an overview {age:.1f} s old"
        return out

    before = [overview(r)["province"]["balance"] for r in range(REPLICAS)]  # each replica now holds one
    # money moves through the worker, not the replicas: a contribution paid in 吉林市
    unit = c.unit(520, region=JL)
    employment = c.enrol(520, unit, month(-2), region=JL)
    assert employment
    c.declare_and_pay(unit, [520], [month(-1)], region=JL)
    seen = c.eventually(
        lambda: (m := c.fund_month(JL, month(0))) and m["income"].get("contributions") and m,
        "fund-monitor's worker books the contribution",
    )
    assert seen
    changed_by = time.monotonic() + CACHE_SECONDS + 0.5
    while time.monotonic() < changed_by:  # meanwhile every answer keeps to the bound (checked in overview())
        for r in range(REPLICAS):
            overview(r)
        time.sleep(0.2)
    after = [overview(r)["province"]["balance"] for r in range(REPLICAS)]
    assert all(a != b for a, b in zip(after, before, strict=True)), (before, after)

    # a verified token is remembered by each replica, never past its expiry and the 30 s of clock-skew leeway every
    # verification allows (insurance_shared.auth.TokenVerifier): this one expired 26 s ago, so it has 4 s left
    token = issue_token(
        DEV_JWT_SECRET, sub="short", region=JL, roles=["social_insurance"], ttl=dt.timedelta(seconds=-26)
    )
    headers = {"Authorization": f"Bearer {token}"}
    for port in c.replicas["contributions"]:
        assert httpx.get(f"http://127.0.0.1:{port}/units/{unit}", headers=headers).status_code == 200
    time.sleep(5)
    for port in c.replicas["contributions"]:
        r = httpx.get(f"http://127.0.0.1:{port}/units/{unit}", headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "token_expired", r.text
