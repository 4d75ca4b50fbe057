"""Whole-system stories: the four services as real processes on PostgreSQL, talking over HTTP and events, run
once on each event transport (the HTTP feed and NATS JetStream). Each story follows what its users do, through
the public APIs only, and waits for events to cross as a caller would (polling, with a deadline)."""

import contextlib
import datetime as dt
import hashlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric, uscc

from insurance_shared.auth import issue_token
from insurance_shared.regions import all_regions
from insurance_shared.settings import DEV_JWT_SECRET
from insurance_shared.testing.fixtures import create_test_database, drop_test_database

from .devstack_process import start_devstack

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SERVICES = [
    ("contributions", "CONTRIBUTIONS"),
    ("claims", "CLAIMS"),
    ("layoff-reporting", "LAYOFF_REPORTING"),
    ("fund-monitor", "FUND_MONITOR"),
]
TODAY = dt.date.today()
CC, JL, SP = "220100", "220200", "220300"  # 长春市, 吉林市, 四平市


def month(k: int) -> dt.date:
    """The first day of the month ``k`` months from this one (negative: before)."""
    y, m = divmod(TODAY.year * 12 + TODAY.month - 1 + k, 12)
    return dt.date(y, m + 1, 1)


def pid(n: int) -> str:
    """Person ``n``: born 1990-01-01 (n < 1000) or a later day of 1990, so that every n has its own number."""
    born = dt.date(1990, 1, 1) + dt.timedelta(days=n // 1000)
    base = f"220102{born:%Y%m%d}{n % 1000:03d}"
    return base + ric.calc_check_digit(base + "0")


def credit_code(n: int) -> str:
    base = f"9122010{n % 10}MA0Y3{n:04d}"[:17]
    return base + uscc.calc_check_digit(base)


class Stack:
    """The four services of one transport, and a caller with any token."""

    def __init__(self, base_port: int, transport: str, urls: dict[str, str] | None = None) -> None:
        self.transport = transport
        self.urls = urls or {}  # each service's database, for tests that look behind the API
        self.ports = {name: base_port + i for i, (name, _) in enumerate(SERVICES)}
        self.http = httpx.Client(timeout=60)
        self.made: dict[str, Any] = {}  # objects a later story (another region's caller) tries to reach

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        roles=("social_insurance",),
        region: str = CC,
        sub: str = "story",
        json: Any = None,
        expect: int | None = 200,
        **kw: Any,
    ) -> httpx.Response:
        token = issue_token(DEV_JWT_SECRET, sub=sub, region=region, roles=list(roles))
        r = self.http.request(
            method,
            self.address(service) + path,
            json=json,
            headers={"Authorization": f"Bearer {token}", **kw.pop("headers", {})},
            **kw,
        )
        if expect is not None:
            assert r.status_code == expect, f"{method} {service}{path}: {r.status_code} {r.text[:800]}"
        return r

    def address(self, service: str) -> str:
        """Where a call to ``service`` goes (the scale-out test's balancer picks a replica here)."""
        return f"http://127.0.0.1:{self.ports[service]}"

    def eventually(self, check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
        """Poll until ``check`` returns something truthy: events cross asynchronously."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            last = check()
            if last:
                return last
            time.sleep(0.2)
        raise AssertionError(f"not within {timeout:.0f} s: {what} (last: {last!r})")

    # ---- steps every story needs ------------------------------------------------------------------------------

    def unit(self, n: int, region: str = CC, staff: int = 10, **extra: Any) -> str:
        code = credit_code(n)
        body = {
            "credit_code": code,
            "name": f"吉林测试单位{n}",
            "kind": "enterprise",
            "region": region,
            "declared_staff": staff,
            **extra,
        }
        self.call("contributions", "POST", "/units", json=body, region=region, expect=201)
        return code

    def enrol(self, person: int, unit: str, start: dt.date, region: str = CC, wage: str = "4000.00") -> int:
        body = {
            "id_number": pid(person),
            "name": f"职工{person}",
            "unit_credit_code": unit,
            "start_date": str(start),
            "wage": wage,
        }
        return self.call("contributions", "POST", "/persons/enrolments", json=body, region=region, expect=201).json()[
            "id"
        ]

    def declare_and_pay(self, unit: str, persons: list[int], months: list[dt.date], region: str = CC) -> None:
        for m in months:
            body = {"period": f"{m:%Y-%m}", "lines": [{"id_number": pid(p), "base": "4000.00"} for p in persons]}
            self.call("contributions", "POST", f"/units/{unit}/declarations", json=body, region=region, expect=201)
        due = self.call("contributions", "GET", f"/units/{unit}/arrears", region=region).json()["total"]
        self.call("contributions", "POST", f"/units/{unit}/payments", json={"amount": due}, region=region, expect=201)

    def end(self, person: int, employment: int, end: dt.date, reason: str, region: str = CC) -> None:
        self.call(
            "contributions",
            "POST",
            f"/persons/{pid(person)}/employments/{employment}/end",
            json={"end_date": str(end), "separation_reason": reason},
            region=region,
        )

    def check(self, person: int, region: str = CC) -> dict | None:
        """The eligibility check; None while claims knows nothing of the person yet (404 person_not_found)."""
        body = {"id_number": pid(person), "region": region, "on": str(TODAY), "job_seeking": True}
        r = self.call(
            "claims",
            "POST",
            "/eligibility/check",
            json=body,
            roles=("employment_service",),
            region=region,
            expect=None,
        )
        if r.status_code == 404 and r.json()["code"] == "person_not_found":
            return None
        assert r.status_code == 200, r.text
        return r.json()

    def months_seen(self, person: int, n: int, region: str = CC, until: Callable[[dict], bool] | None = None) -> dict:
        """The eligibility check once claims has seen ``n`` paid months (and ``until`` holds): events cross
        asynchronously, contribution months and the end of the job on separate subjects."""
        last: list[dict] = []

        def seen() -> dict | bool:
            decision = self.check(person, region)
            if decision is None:
                return False
            last[:] = [decision]
            paid = next(c for c in last[0]["criteria"] if c["name"] == "contribution_months")
            enough = paid["values"]["months_paid_since_restart"] >= n
            return enough and (until is None or until(last[0])) and last[0]

        try:
            return self.eventually(seen, f"claims sees {n} paid months of person {person}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last decision: {last}") from None

    def register_and_verify(self, person: int, region: str = CC) -> dict:
        body = {
            "id_number": pid(person),
            "name": f"职工{person}",
            "region": region,
            "registered_on": str(TODAY),
            "job_seeking": True,
        }
        claim = self.call(
            "claims", "POST", "/claims", json=body, roles=("employment_service",), region=region, expect=201
        ).json()
        community = f"community-{region}-1"
        self.call(
            "claims",
            "POST",
            f"/claims/{claim['id']}/verification-request",
            json={"community": community},
            roles=("employment_service",),
            region=region,
        )
        self.payee(claim["id"], person, region)
        return self.call(
            "claims",
            "POST",
            f"/claims/{claim['id']}/verify",
            json={"certificate_no": f"证{person}"},
            roles=("community",),
            region=region,
            sub=community,
        ).json()

    def payee(self, claim_id: int, person: int, region: str = CC) -> None:
        """The claimant's own account (a card number that passes the Luhn check)."""
        base = f"6222020{person:011d}"
        self.call(
            "claims",
            "PUT",
            f"/claims/{claim_id}/payee-account",
            json={
                "bank_code": "ICBC",
                "card_number": base + luhn.calc_check_digit(base),
                "holder_name": f"职工{person}",
            },
            roles=("employment_service",),
            region=region,
        )

    def pay(self, run: dict, region: str = CC, failed: dict[int, str] | None = None) -> list[dict]:
        """Each draft batch of a run approved by a second officer, its file taken to the bank, and the bank's
        return file: every line paid, or the given line numbers failed with a reason code."""
        out = []
        for batch in run.get("batches", []):
            self.call("claims", "POST", f"/payment-batches/{batch['id']}/approve", region=region, sub="story-checker")
            file = self.call("claims", "GET", f"/payment-batches/{batch['id']}/file", region=region).content
            rows = [line.split(",") for line in file.decode("gb18030").splitlines()[3:-1]]
            failed = failed or {}
            body = "line_no,account,amount,status,reason_code,value_date\n" + "".join(
                f"{r[1]},{r[2]},{r[4]},"
                + (f"failed,{failed[int(r[1])]}" if int(r[1]) in failed else "paid,")
                + f",{TODAY}\n"
                for r in rows
            )
            out.append(
                self.call(
                    "claims",
                    "POST",
                    f"/payment-batches/{batch['id']}/returns",
                    content=body.encode(),
                    headers={"Content-Type": "text/csv"},
                    region=region,
                ).json()
            )
        return out

    def provincial_direct_paid(self, n: int, person: int, home_region: str) -> dict:
        """Unit ``n``, provincial-direct for ``home_region``'s fund (N§3(4)), declares ``person`` for the month
        before last and pays it on the 10th of last month, to the province: the payment, with its allocations."""
        province = {"roles": ("social_insurance", "province"), "region": "220000"}
        unit = self.unit(n, region="220000", provincial_direct=True, home_region=home_region)
        self.enrol(person, unit, month(-3), region="220000")
        body = {"period": f"{month(-2):%Y-%m}", "lines": [{"id_number": pid(person), "base": "5000.00"}]}
        self.call("contributions", "POST", f"/units/{unit}/declarations", json=body, expect=201, **province)
        paid_on = month(-1) + dt.timedelta(days=9)
        due = self.call("contributions", "GET", f"/units/{unit}/arrears?on={paid_on}", **province).json()["total"]
        return self.call(
            "contributions",
            "POST",
            f"/units/{unit}/payments",
            json={"amount": due, "paid_on": str(paid_on)},
            expect=201,
            **province,
        ).json()

    def fund_month(self, region: str, when: dt.date) -> dict | None:
        items = self.call(
            "fund-monitor", "GET", f"/regions/{region}/months", roles=("province",), region="220000"
        ).json()["items"]
        return next((m for m in items if m["month"] == f"{when:%Y-%m}"), None)


@contextlib.contextmanager
def running_stack(
    transport: str, base_port: int, var: Path, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """The four services on fresh PostgreSQL databases and the given transport; dropped afterwards."""
    urls = {name: create_test_database(f"story_{prefix.lower()}") for name, prefix in SERVICES}
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    nats_prefix = f"story{uuid.uuid4().hex[:8]}."
    for name, prefix in SERVICES:
        env[f"{prefix}_DATABASE_URL"] = urls[name]
        env[f"{prefix}_EVENT_TRANSPORT"] = transport
        env[f"{prefix}_NATS_PREFIX"] = nats_prefix
        env[f"{prefix}_LOG_LEVEL"] = "WARNING"
        env[f"{prefix}_FEED_WAIT_SECONDS"] = "1"
    env.update(extra_env or {})
    proc = None
    try:
        proc, _ = start_devstack(var, base_port, env)
        yield Stack(base_port, transport, urls)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for url in urls.values():
            drop_test_database(url)


@pytest.fixture(scope="module", params=["feed", "nats"])
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    transport = request.param
    base_port = 18201 if transport == "feed" else 18221
    with running_stack(transport, base_port, tmp_path_factory.mktemp(f"stack-{transport}")) as s:
        yield s


def test_paid_14_months_laid_off_eligible_verified_paid_then_reemployed(stack: Stack) -> None:
    """A unit declares and pays 14 months; the person is laid off, registers, is eligible for 12 months with the
    explanation; the community verifies; the monthly run pays; fund-monitor shows the expenditure and a finite,
    lower capacity. Then a new unit enrols the person: benefits stop automatically, the months left are kept."""
    unit = stack.unit(1)
    emp = stack.enrol(1, unit, month(-15))
    stack.made["unit"], stack.made["employment"] = unit, emp
    stack.declare_and_pay(unit, [1], [month(-k) for k in range(14, 0, -1)])
    stack.end(1, emp, month(0) - dt.timedelta(days=1), "dismissed")
    decision = stack.months_seen(1, 14, until=lambda d: d["eligible"])
    assert decision["eligible"] is True and decision["total_months"] == 12
    criteria = {c["name"]: c for c in decision["criteria"]}
    assert all(c["clause"] for c in criteria.values())

    claim = stack.register_and_verify(1)
    stack.made["claim"], stack.made["person"] = claim["id"], pid(1)
    assert (claim["state"], claim["total_months"]) == ("active", 12)
    assert {c["clause"] for c in claim["decision"]["criteria"]} >= {"SIL45(1); SIL52", "SIL46"}  # the law of today

    # the 14 months were paid today, in one payment: the fund received the money this month (cash basis)
    before = stack.eventually(lambda: stack.fund_month(CC, month(0)), "fund-monitor sees the contributions")
    assert float(before["income"]["contributions"]) > 0
    # money conserved to the fen (#20): the 14 late months carried late fees; what fund-monitor books as the
    # region's contributions and late fees is exactly what contributions' unemployment fund account received
    (fund,) = [
        b
        for b in stack.call("contributions", "GET", f"/ledger/balances?region={CC}").json()
        if (b["fund"], b["kind"]) == ("unemployment", "fund")
    ]
    booked = before["income"]
    assert float(booked["late_fees"]) > 0
    assert round(float(booked["contributions"]) * 100) + round(float(booked["late_fees"]) * 100) == fund["debit"]
    status = stack.call("fund-monitor", "GET", f"/regions/{CC}/capacity", roles=("province",), region="220000").json()
    assert status["level"] == "no_expenditure" and status["capacity_months"] is None

    run = stack.call("claims", "POST", "/payment-runs", json={"region": CC, "month": f"{month(0):%Y-%m}"}).json()
    assert run["claims_paid"] == 1 and [b["state"] for b in run["batches"]] == ["draft"]
    (returned,) = stack.pay(run)  # approved by a second officer, the bank's file, the bank confirms
    assert (returned["paid"], returned["batch"]["state"]) == (1, "closed")
    paid = stack.eventually(
        lambda: (m := stack.fund_month(CC, month(0))) and m["expenditure"].get("benefits") and m,
        "fund-monitor sees the benefits paid",
    )
    assert paid["expenditure"]["benefits"] == run["amount"]
    this_month = f"{month(0):%Y-%m}"
    recon = stack.eventually(
        lambda: (
            (
                r := stack.call(
                    "fund-monitor",
                    "GET",
                    f"/reconciliation?from={this_month}&to={this_month}&region={CC}",
                    roles=("province",),
                    region="220000",
                ).json()
            )["balanced"]
            and r
        ),
        "fund-monitor's books reconcile with contributions' and claims' own totals",
    )
    assert {"contributions", "late_fees", "benefits"} <= {s["kind"] for s in recon["sums"]}
    after = stack.call("fund-monitor", "GET", f"/regions/{CC}/capacity", roles=("province",), region="220000").json()
    assert after["capacity_months"] is not None and float(after["balance"]) < float(status["balance"])

    # re-employed: a new unit enrols the person and the claim stops from that month, months left kept
    unit2 = stack.unit(2)
    stack.enrol(1, unit2, TODAY)
    stopped = stack.eventually(
        lambda: (
            (c := stack.call("claims", "GET", f"/claims/{claim['id']}", roles=("employment_service",)).json())["state"]
            == "stopped"
            and c
        ),
        "claims stops the benefit on the new enrolment",
    )
    assert stopped["stopped_on"] == str(TODAY)
    assert 0 < stopped["months_left"] <= 12


def test_an_officers_lookups_of_a_person_are_on_the_access_log(stack: Stack) -> None:
    """#25 item 4: an officer looks a person up three ways (the contribution history, the claim, the bank account);
    the province finds each look on the access log of the service that showed it, with its purpose and request id,
    the person named by a keyed hash that is the same in both services."""
    person, claim = stack.made["person"], stack.made["claim"]
    officer = {"roles": ("employment_service", "social_insurance"), "region": CC, "sub": "officer-lookups"}
    for service, path, request_id in (
        ("contributions", f"/persons/{person}/history", "lookup-1"),
        ("claims", f"/claims/{claim}", "lookup-2"),
        ("claims", f"/claims/{claim}/payee-account", "lookup-3"),
    ):
        stack.call(service, "GET", path, headers={"X-Request-Id": request_id}, **officer)
    province = {"roles": ("province",), "region": "220000"}
    seen = []
    for service in ("contributions", "claims"):
        page = stack.call(service, "GET", f"/access-log?person={person}&actor=officer-lookups", **province).json()
        seen += [(service, i["purpose"], i["request_id"], i["actor_roles"], i["person_key"]) for i in page["items"]]
    assert [row[:4] for row in seen] == [
        ("contributions", "contributions.history.read", "lookup-1", "employment_service,social_insurance"),
        ("claims", "claims.claim.read", "lookup-2", "employment_service,social_insurance"),
        ("claims", "claims.bank_account.read", "lookup-3", "employment_service,social_insurance"),
    ]
    assert len({row[4] for row in seen}) == 1 and person not in str(seen)
    assert stack.call("claims", "GET", "/access-log", expect=403, **officer)


def test_months_add_up_across_jobs_and_regions(stack: Stack) -> None:
    """SIL45(1): contribution months count in total, across employers (a long earlier job and a short last one)
    and, for decisions from 2011-07-01, across pooling regions (SIL52: a worker who moved registers today where the
    last job was). Each of these three was refused before #19 but the first."""
    jobs = [(-30, 5), (-22, 4), (-10, 4)]  # (first month, months): 13 months in 30 months, each under a year
    people = {11: [CC, CC, CC], 12: [JL, CC, CC]}  # 12: the cross-region worker
    for person, regions in people.items():
        for i, ((first, length), region) in enumerate(zip(jobs, regions, strict=True)):
            unit = stack.unit(100 + person * 10 + i, region=region)
            emp = stack.enrol(person, unit, month(first), region=region)
            stack.declare_and_pay(unit, [person], [month(first + k) for k in range(length)], region=region)
            reason = "contract_expired_not_renewed"
            stack.end(person, emp, month(first + length) - dt.timedelta(days=1), reason, region=region)
    # 13: 24 months at one unit, then 3 at another, dismissed
    for i, (first, length) in enumerate([(-28, 24), (-4, 3)]):
        unit = stack.unit(230 + i)
        emp = stack.enrol(13, unit, month(first))
        stack.declare_and_pay(unit, [13], [month(first + k) for k in range(length)])
        stack.end(13, emp, month(first + length) - dt.timedelta(days=1), "dismissed")

    # the window of N§3(3): the 36 months ending with the month the last job ended in
    window = f"since {month(jobs[-1][0] + jobs[-1][1] - 1 - 35):%Y-%m}"
    last_job_seen = lambda d: window in d["criteria"][0]["explanation"]  # noqa: E731
    one_region = stack.months_seen(11, 13, until=lambda d: d["eligible"])
    assert (one_region["eligible"], one_region["months_counted"]) == (True, 13)
    moved = stack.months_seen(12, 13, until=last_job_seen)
    assert (moved["eligible"], moved["months_counted"], moved["total_months"]) == (True, 13, 12)
    counted = moved["criteria"][0]
    assert (
        counted["clause"] == "SIL45(1); SIL52"
        and "months of every pooling region count (SIL52)" in counted["explanation"]
    )
    assert "add up to 8" in counted["explanation"]  # N§3(3) alone, within 220100, would not reach 12
    # the end of the short job crosses on its own subject: wait until claims has seen it too
    last_end_seen = lambda d: d["criteria"][0]["values"]["ended_job_months"] == 3  # noqa: E731
    long_then_short = stack.months_seen(13, 27, until=last_end_seen)
    assert (long_then_short["eligible"], long_then_short["months_counted"], long_then_short["total_months"]) == (
        True,
        27,
        12,
    )

    # the cross-region worker registers today in 长春市, where the last insured job was; 吉林市, where the first
    # was, learns nothing of them: the same answer as for a person nobody knows
    claim = stack.call(
        "claims",
        "POST",
        "/claims",
        json={"id_number": pid(12), "name": "职工12", "region": CC, "registered_on": str(TODAY), "job_seeking": True},
        roles=("employment_service",),
        expect=201,
    ).json()
    assert (claim["eligible"], claim["total_months"]) == (True, 12)
    elsewhere, nobody = (
        stack.call(
            "claims",
            "POST",
            "/eligibility/check",
            json={"id_number": pid(n), "region": JL},
            roles=("employment_service",),
            region=JL,
            expect=404,
        ).json()
        for n in (12, 999)
    )
    assert {k: v for k, v in elsewhere.items() if k != "request_id"} == {
        k: v for k, v in nobody.items() if k != "request_id"
    }


def test_layoff_filed_late_projection_rises_and_outsider_hire_flagged(stack: Stack) -> None:
    """A unit files a layoff of 60 people 20 days ahead: reportable, flagged late; fund-monitor's projection rises;
    the unit later hires an outsider while laid-off people are unemployed: flagged (N§7; LL27; N§8)."""
    unit = stack.unit(40, staff=200)
    people = list(range(200, 260))
    employments = {p: stack.enrol(p, unit, month(-24)) for p in people}
    stack.eventually(
        lambda: (
            (r := stack.call("layoff-reporting", "GET", f"/units/{unit}/workforce", expect=None)).status_code == 200
            and r.json()["active_insured"] == 60
        ),
        "layoff-reporting sees the 60 employees",
    )
    before = stack.call("fund-monitor", "GET", f"/regions/{CC}/projection", roles=("province",), region="220000").json()
    planned = TODAY + dt.timedelta(days=20)
    body = {
        "unit_credit_code": unit,
        "planned_date": str(planned),
        "persons": [{"id_number": pid(p), "name": f"职工{p}"} for p in people],
        "reasons": "生产经营发生严重困难",
        "measures_tried": ["shorter_hours"],
        "consultation": {"by": "union", "on": str(TODAY), "opinion_summary": "同意", "document_ref": "工会〔2026〕9号"},
    }
    filing = stack.call("layoff-reporting", "POST", "/filings", json=body, expect=201).json()
    assert (filing["reportable"], filing["late"], filing["compliant"]) == (True, True, False)
    late = next(c for c in filing["criteria"] if c["name"] == "notice")
    assert not late["met"] and "N§7" in late["clause"]
    stack.made["filing"] = filing["id"]

    projected = stack.eventually(
        lambda: (
            (
                p := stack.call(
                    "fund-monitor", "GET", f"/regions/{CC}/projection", roles=("province",), region="220000"
                ).json()
            )["layoffs"]
            and p
        ),
        "fund-monitor projects the filed layoff",
    )
    (term,) = [t for t in projected["layoffs"] if t["filing_id"] == filing["id"]]
    assert (term["people"], term["expected_claimants"]) == (60, 42)
    assert float(term["cost_in_horizon"]) > 0
    spent_before = sum(float(m["baseline_expenditure"]) + float(m["layoff_cost"]) for m in before["months"])
    spent_after = sum(float(m["baseline_expenditure"]) + float(m["layoff_cost"]) for m in projected["months"])
    assert spent_after - spent_before == pytest.approx(float(term["cost_in_horizon"]))

    stack.call("layoff-reporting", "POST", f"/filings/{filing['id']}/acknowledge", roles=("labor_department",))
    stack.call(
        "layoff-reporting",
        "POST",
        f"/filings/{filing['id']}/execute",
        json={"executed_on": str(TODAY), "separated": [pid(p) for p in people]},
    )
    for p in people:
        stack.end(p, employments[p], TODAY, "mass_layoff")
    stack.eventually(
        lambda: len(stack.call("layoff-reporting", "GET", f"/units/{unit}/rehire-list").json()) == 60,
        "the 60 are on the rehire list",
    )
    stack.enrol(999, unit, TODAY)  # an outsider
    breaches = stack.eventually(
        lambda: stack.call("layoff-reporting", "GET", f"/units/{unit}/rehire-breaches").json(),
        "the outsider hire is flagged",
    )
    assert breaches[0]["filing_id"] == filing["id"] and len(breaches[0]["priority_list"]) == 60


def test_capacity_under_two_months_alerts_three_recipients_and_a_shortfall_plan(stack: Stack) -> None:
    """A region's capacity falls under two months: one alert, three recipients, each acknowledging; a shortfall
    plan draws on the sources in the statutory order and the adjustment-fund part moves money (N§8, N§4)."""
    unit = stack.unit(50, region=SP)
    emp = stack.enrol(300, unit, month(-15), region=SP)
    stack.declare_and_pay(unit, [300], [month(-k) for k in range(14, 0, -1)], region=SP)
    stack.end(300, emp, month(0) - dt.timedelta(days=1), "dismissed", region=SP)
    stack.months_seen(300, 14, region=SP, until=lambda d: d["eligible"])
    claim = stack.register_and_verify(300, region=SP)
    # the claimant dies: the survivors' pension, and the funeral subsidy the survivors choose from this fund
    # (SIL49 ¶2), are more than the fund holds
    stack.call(
        "claims",
        "POST",
        f"/claims/{claim['id']}/stops",
        json={"reason": "death", "effective_date": str(TODAY)},
        region=SP,
        expect=200,
    )
    stack.call(
        "claims",
        "POST",
        f"/claims/{claim['id']}/funeral-subsidy",
        json={"chosen": "unemployment_insurance"},
        region=SP,
        expect=201,
    )
    province = {"roles": ("province",), "region": "220000"}
    alerts = stack.eventually(
        lambda: stack.call("fund-monitor", "GET", f"/alerts?region={SP}&level=critical", **province).json()["items"],
        "fund-monitor raises the two-month alert",
    )
    assert len(alerts) == 1
    alert = alerts[0]
    assert float(alert["capacity_months"]) < 2
    assert [r["recipient"] for r in alert["recipients"]] == [
        "local_government",
        "provincial_labor_department",
        "provincial_social_insurance",
    ]
    for roles, region in (
        (("local_government",), SP),
        (("labor_department", "province"), "220000"),
        (("social_insurance", "province"), "220000"),
    ):
        stack.call(
            "fund-monitor",
            "POST",
            f"/alerts/{alert['id']}/acknowledgements",
            json={"note": "收悉"},
            roles=roles,
            region=region,
            expect=201,
        )
    detail = stack.call("fund-monitor", "GET", f"/alerts/{alert['id']}", **province).json()
    assert all(r["acknowledged_at"] for r in detail["recipients"])
    assert len([d for d in detail["deliveries"] if d["event"] == "raised"]) == 3
    stack.made["alert"] = alert["id"]
    # the funeral subsidy follows the survivors' choice, a transaction after the stop: the plan counts it
    stack.eventually(
        lambda: float(((stack.fund_month(SP, TODAY) or {}).get("expenditure") or {}).get("funeral_subsidy", 0)) > 0,
        "fund-monitor books the funeral subsidy",
    )

    plan = stack.call(
        "fund-monitor",
        "POST",
        f"/regions/{SP}/shortfall-plans",
        json={
            "year": TODAY.year,
            "available": {
                "provincial_adjustment_fund": "3000.00",
                "state_asset_income": "2000.00",
                "local_fiscal_subsidy": "1000.00",
                "bank_loan": "50000.00",
            },
        },
        expect=201,
        **province,
    ).json()
    stack.made["plan"] = plan["id"]
    gap = float(plan["gap"])
    assert gap == pytest.approx(float(plan["expenditure"]) - float(plan["income"])) and gap > 0
    drawn = [float(ln["drawn"]) for ln in plan["lines"]]
    assert [ln["source"] for ln in plan["lines"]] == [
        "rolling_balance",
        "provincial_adjustment_fund",
        "state_asset_income",
        "local_fiscal_subsidy",
        "bank_loan",
    ]
    assert drawn[1:4] == [3000.0, 2000.0, 1000.0]  # each earlier source used up before the next
    assert sum(drawn) == pytest.approx(gap) and plan["uncovered"] == "0.00"

    stack.call(
        "fund-monitor",
        "POST",
        "/regions/220000/opening-balance",
        json={"as_of": str(month(-1)), "amount": "1000000.00"},
        expect=201,
        **province,
    )
    balance = float(stack.call("fund-monitor", "GET", f"/regions/{SP}/capacity", **province).json()["balance"])
    stack.call("fund-monitor", "POST", f"/shortfall-plans/{plan['id']}/adjustment-transfer", expect=201, **province)
    after = float(stack.call("fund-monitor", "GET", f"/regions/{SP}/capacity", **province).json()["balance"])
    assert after - balance == pytest.approx(3000.0)
    assert stack.call("fund-monitor", "GET", "/journal/trial-balance", **province).json()["balanced"] is True


def test_provincial_direct_unit_pays_and_the_remittance_reaches_its_home_region(stack: Stack) -> None:
    """N§3(4): a provincial-direct unit pays the province; the monthly remittance reaches its home region's fund,
    and fund-monitor books it as that region's income."""
    payment = stack.provincial_direct_paid(60, 400, home_region=JL)
    unemployment = sum(float(a["unemployment"]) for a in payment["allocations"])
    run = stack.call(
        "contributions",
        "POST",
        "/remittances/run",
        json={"month": f"{month(-1):%Y-%m}"},
        roles=("province",),
        region="220000",
    ).json()
    (remittance,) = [r for r in run["remittances"] if r["home_region"] == JL]
    assert float(remittance["amount"]) == pytest.approx(unemployment)
    row = stack.eventually(
        lambda: (m := stack.fund_month(JL, month(0))) and m["income"].get("remittance") and m,
        "fund-monitor books the remittance as the home region's income",
    )
    assert row["income"]["remittance"] == remittance["amount"]


def test_a_city_token_cannot_reach_another_regions_objects(stack: Stack) -> None:
    """OWASP API1: a 吉林市 token neither reads nor changes 长春市's person, claim or filing, nor 四平市's alert,
    in any service; the objects exist (made by the stories above) and answer 404 as if they did not."""
    made = stack.made
    assert {"person", "claim", "filing", "alert"} <= set(made), made
    other = {"region": JL}
    stack.call("contributions", "GET", f"/persons/{made['person']}", expect=404, **other)
    stack.call(
        "contributions",
        "POST",
        f"/persons/{made['person']}/employments/1/end",
        expect=404,
        json={"end_date": str(TODAY), "separation_reason": "dismissed"},
        **other,
    )
    stack.call("claims", "GET", f"/claims/{made['claim']}", roles=("employment_service",), expect=404, **other)
    stack.call(
        "claims",
        "POST",
        f"/claims/{made['claim']}/stops",
        roles=("social_insurance",),
        expect=404,
        json={"effective_date": str(TODAY), "reason": "reemployed_business_licence"},
        **other,
    )
    stack.call("layoff-reporting", "GET", f"/filings/{made['filing']}", expect=404, **other)
    stack.call("layoff-reporting", "POST", f"/filings/{made['filing']}/withdraw", expect=404, **other)
    stack.call("fund-monitor", "GET", f"/alerts/{made['alert']}", expect=404, **other)
    stack.call(
        "fund-monitor",
        "POST",
        f"/alerts/{made['alert']}/acknowledgements",
        json={},
        roles=("local_government",),
        expect=404,
        **other,
    )
    # and their own region's callers do see them
    stack.call("claims", "GET", f"/claims/{made['claim']}", roles=("employment_service",))
    stack.call("fund-monitor", "GET", f"/alerts/{made['alert']}", region=SP)


def _all_filings(stack: Stack) -> list[dict]:
    return [
        f
        for r in all_regions()
        if not r.is_province
        for f in stack.call(
            "layoff-reporting", "GET", f"/filings?region={r.code}", roles=("province",), region="220000"
        ).json()["items"]
    ]


@pytest.mark.parametrize("transport", ["feed", "nats"])
def test_a_registration_is_decided_on_a_history_as_new_as_contributions(transport: str, tmp_path) -> None:
    """#19: claims' consumer is made slow on purpose (each batch held 2 s) and a registration waits at most 1 s for
    the history to reach contributions' head. Registered right after the months are paid, the person gets 503
    history_catching_up with Retry-After and nothing is stored (before, the decision was made on whatever had
    arrived and kept); once the history has arrived, the same registration is decided on all 14 months."""
    slow = {"CLAIMS_CONSUMER_DELAY_SECONDS": "2", "CLAIMS_HISTORY_WAIT_SECONDS": "1"}
    base_port = 18241 if transport == "feed" else 18261
    with running_stack(transport, base_port, tmp_path, slow) as stack:
        unit = stack.unit(1)
        emp = stack.enrol(1, unit, month(-15))
        stack.declare_and_pay(unit, [1], [month(-k) for k in range(14, 0, -1)])
        stack.end(1, emp, month(0) - dt.timedelta(days=1), "dismissed")
        body = {"id_number": pid(1), "name": "职工1", "region": CC, "registered_on": str(TODAY), "job_seeking": True}

        def register() -> httpx.Response:
            return stack.call("claims", "POST", "/claims", json=body, roles=("employment_service",), expect=None)

        first = register()
        assert first.status_code == 503, first.text
        assert first.json()["code"] == "history_catching_up" and int(first.headers["Retry-After"]) >= 1
        assert "up to" in first.json()["detail"]  # it reached contributions and compared positions
        listed = stack.call("claims", "GET", f"/claims?region={CC}", roles=("employment_service",)).json()
        assert listed == []  # nothing stored

        deadline = time.monotonic() + 90
        while (r := register()).status_code == 503 and time.monotonic() < deadline:
            time.sleep(float(r.headers["Retry-After"]))
        assert r.status_code == 201, r.text
        claim = r.json()
        assert (claim["eligible"], claim["total_months"]) == (True, 12)
        assert claim["decision"]["criteria"][0]["values"]["months_counted"] == 14


def test_benefits_reach_the_bank_approved_by_a_second_officer_and_a_failed_line_is_paid_again(stack: Stack) -> None:
    """#21: two claimants of 白山市 registered two months ago; the month's run drafts a batch; its maker may not
    approve it, a second officer does; the bank's file is the same bytes at each download; the bank pays one line
    and fails the other (name does not match the account); the account is corrected; next month's batch pays it
    with that month's; fund-monitor's benefit expenditure is exactly what the bank confirmed; the public list shows
    only what was paid; the month's medical-insurance transfer (SIL48) is booked when a second officer approves
    it, for exactly its amount."""
    region, officer = "220600", {"region": "220600"}
    claims = []
    for person in (700, 701):
        unit = stack.unit(700 + person % 10, region=region)
        emp = stack.enrol(person, unit, month(-17), region=region)
        stack.declare_and_pay(unit, [person], [month(-k) for k in range(16, 2, -1)], region=region)
        stack.end(person, emp, month(-2) - dt.timedelta(days=1), "dismissed", region=region)
        stack.months_seen(person, 14, region=region, until=lambda d: d["eligible"])
        body = {
            "id_number": pid(person),
            "name": f"职工{person}",
            "region": region,
            "registered_on": str(month(-2)),
            "job_seeking": True,
            "community": f"community-{region}-1",
        }
        claim = stack.call(
            "claims", "POST", "/claims", json=body, roles=("employment_service",), region=region, expect=201
        ).json()
        stack.payee(claim["id"], person, region)
        stack.call(
            "claims",
            "POST",
            f"/claims/{claim['id']}/verify",
            json={"certificate_no": f"证{person}"},
            roles=("community",),
            region=region,
            sub=f"community-{region}-1",
        )
        claims.append(claim)

    def run(k: int) -> dict:
        return stack.call(
            "claims",
            "POST",
            "/payment-runs",
            json={"region": region, "month": f"{month(k):%Y-%m}"},
            sub="maker",
            **officer,
        ).json()

    first = run(-2)
    (batch,) = first["batches"]
    stack.made["batch"], stack.made["transfer"] = batch["id"], first["medical_transfer"]["id"]
    stack.made["active_claim"] = claims[0]["id"]
    refused = stack.call(
        "claims", "POST", f"/payment-batches/{batch['id']}/approve", sub="maker", expect=403, **officer
    )
    assert refused.json()["code"] == "maker_cannot_approve"
    stack.call("claims", "POST", f"/payment-batches/{batch['id']}/approve", sub="checker", **officer)
    file = stack.call("claims", "GET", f"/payment-batches/{batch['id']}/file", **officer).content
    assert file == stack.call("claims", "GET", f"/payment-batches/{batch['id']}/file", **officer).content
    head, digest, body = file.split(b"\r\n", 2)
    assert head == f"# batch {batch['id']} bank ICBC region {region}".encode()
    assert digest == b"# sha256 " + hashlib.sha256(body).hexdigest().encode()
    rows = {r[3]: r for r in (line.split(",") for line in body.decode("gb18030").splitlines()[1:-1])}
    ok, bad = rows["职工700"], rows["职工701"]
    returned = "line_no,account,amount,status,reason_code,value_date\n" + (
        f"{ok[1]},{ok[2]},{ok[4]},paid,,{TODAY}\n{bad[1]},{bad[2]},{bad[4]},failed,R03,{TODAY}\n"
    )
    answer = stack.call(
        "claims",
        "POST",
        f"/payment-batches/{batch['id']}/returns",
        content=returned.encode(),
        headers={"Content-Type": "text/csv"},
        **officer,
    ).json()
    assert (answer["paid"], answer["failed"]) == (1, 1)
    listed = stack.call("claims", "GET", f"/public/beneficiaries?region={region}&month={month(-2):%Y-%m}").json()
    assert [b["id_number"][-4:] for b in listed["items"]] == [pid(700)[-4:]]  # only the paid one, masked

    # the account of the failed line is corrected; next month's batch pays it beside that month's payments
    stack.call(
        "claims",
        "PUT",
        f"/claims/{claims[1]['id']}/payee-account",
        json={"bank_code": "CCB", "card_number": "6222020200112345687", "holder_name": "职工701"},
        roles=("employment_service",),
        region=region,
    )
    second = run(-1)
    assert second["reissued"] == 1 and sum(b["lines"] for b in second["batches"]) == 3
    stack.pay(second, region)
    listed = stack.call("claims", "GET", f"/public/beneficiaries?region={region}&month={month(-2):%Y-%m}").json()
    assert len(listed["items"]) == 2

    confirmed = {
        f"{m:%Y-%m}": sum(
            float(x["amount"])
            for b in stack.call("claims", "GET", f"/payment-batches?region={region}", **officer).json()
            for x in stack.call("claims", "GET", f"/payment-batches/{b['id']}", **officer).json()["items"]
            if x["status"] == "paid" and x["month"] == f"{m:%Y-%m}"
        )
        for m in (month(-2), month(-1))
    }
    assert all(v > 0 for v in confirmed.values())
    for m in (month(-2), month(-1)):
        stack.eventually(
            lambda m=m: (
                (r := stack.fund_month(region, m))
                and float(r["expenditure"].get("benefits", 0)) == confirmed[f"{m:%Y-%m}"]
            ),
            f"fund-monitor's benefit expenditure of {m:%Y-%m} equals what the bank confirmed",
        )

    # SIL48: each run drafted the month's medical-insurance contributions of the two beneficiaries; booked only
    # once a second officer approves, as their own expenditure, exactly the transfer's amount
    transfer = first["medical_transfer"]
    assert (transfer["beneficiaries"], transfer["clause"], transfer["state"]) == (2, "SIL48", "draft")
    assert float(transfer["amount"]) == 2 * float(transfer["per_person"]) > 0
    assert "medical_insurance" not in stack.fund_month(region, month(-2))["expenditure"]
    own = stack.call(
        "claims", "POST", f"/medical-transfers/{transfer['id']}/approve", sub="maker", expect=403, **officer
    )
    assert own.json()["code"] == "maker_cannot_approve"
    stack.call("claims", "POST", f"/medical-transfers/{transfer['id']}/approve", sub="checker", **officer)
    stack.eventually(
        lambda: (
            (r := stack.fund_month(region, month(-2)))
            and float(r["expenditure"].get("medical_insurance", 0)) == float(transfer["amount"])
        ),
        "fund-monitor books the approved medical-insurance transfer, once",
    )


def test_a_claim_stopped_for_a_second_refusal_is_reinstated_on_appeal_and_the_missed_months_paid(stack: Stack) -> None:
    """#23: a claimant of 通化市, paid since month -3, refuses two jobs without good reason: the second refusal
    (answered on the 10th of month -2) stops the claim by rule, and the stop is a decision record with its clause,
    parameter and referrals. The run of month -2 pays nine days, month -1 nothing. The agency lodges the person's
    appeal with a document; the officer who lodged it may not review it; a second officer overturns it: the claim
    is active again, the stop is replaced, and the next run (month 0) pays month 0 and what the stop withheld, so
    each month is paid exactly its monthly amount, and fund-monitor books exactly what the bank confirmed. The audit
    trail shows every step, each with its request id."""
    region = "220500"
    es = {"roles": ("employment_service",), "region": region}
    unit = stack.unit(750, region=region)
    emp = stack.enrol(750, unit, month(-17), region=region)
    stack.declare_and_pay(unit, [750], [month(-k) for k in range(16, 2, -1)], region=region)
    stack.end(750, emp, month(-3) - dt.timedelta(days=1), "dismissed", region=region)
    stack.months_seen(750, 14, region=region, until=lambda d: d["eligible"])
    body = {
        "id_number": pid(750),
        "name": "职工750",
        "region": region,
        "registered_on": str(month(-3)),
        "job_seeking": True,
        "community": f"community-{region}-1",
    }
    claim = stack.call("claims", "POST", "/claims", json=body, expect=201, **es).json()
    registration = stack.call("claims", "GET", f"/decisions/{claim['decision_id']}", region=region).json()
    assert (registration["kind"], registration["outcome"], registration["decided_by"]) == (
        "claim.registration",
        "eligible",
        "system",
    )
    assert {c["name"] for c in registration["criteria"]} >= {"contribution_months"}
    stack.payee(claim["id"], 750, region)
    stack.call(
        "claims",
        "POST",
        f"/claims/{claim['id']}/verify",
        json={"certificate_no": "通证750"},
        roles=("community",),
        region=region,
        sub=f"community-{region}-1",
    )

    def run(k: int) -> dict:
        made = stack.call(
            "claims", "POST", "/payment-runs", json={"region": region, "month": f"{month(k):%Y-%m}"}, region=region
        ).json()
        stack.pay(made, region)
        return made

    run(-3)
    stopped = None
    for n, (referred, answered) in enumerate(((1, 3), (6, 10))):
        referral = stack.call(
            "claims",
            "POST",
            f"/claims/{claim['id']}/referrals",
            json={
                "employer": f"通化某公司{n}",
                "job": "仓库管理员",
                "referred_on": str(month(-2).replace(day=referred)),
            },
            expect=201,
            **es,
        ).json()
        stopped = stack.call(
            "claims",
            "POST",
            f"/referrals/{referral['id']}/outcome",
            json={
                "outcome": "refused_unjustified",
                "reason": "无正当理由拒绝",
                "answered_on": str(month(-2).replace(day=answered)),
            },
            **es,
        ).json()
        assert stopped["claim_stopped"] is (n == 1)
    assert stopped is not None
    stop = stack.call("claims", "GET", f"/decisions/{stopped['decision_id']}", region=region).json()
    assert (stop["kind"], stop["outcome"], stop["decided_by"], stop["effective_date"]) == (
        "claim.stop",
        "stopped",
        "system",
        str(month(-2).replace(day=10)),
    )
    assert "N§5 ¶2" in stop["clause"] and "unjustified_refusals_to_stop" in stop["rule"]
    refusals = next(c for c in stop["criteria"] if c["name"] == "unjustified_refusals")
    assert refusals["values"]["refusals"] == 2 and refusals["parameters"][0]["name"] == "unjustified_refusals_to_stop"
    assert stop["facts"]["references"]["referral_id"] == stopped["id"]
    listed = stack.call("claims", "GET", f"/decisions?subject=claim:{claim['id']}", region=region).json()["items"]
    assert [d["kind"] for d in listed] == ["claim.registration", "claim.stop"]
    run(-2)
    run(-1)

    grounds = "%PDF-1.7\n% 复议申请 职工750: 第二份工作在外地, 有正当理由\n%%EOF\n".encode()
    document = stack.call(
        "claims",
        "POST",
        "/documents?kind=appeal_grounds",
        content=grounds,
        headers={"Content-Type": "application/pdf"},
        expect=201,
        **es,
    ).json()
    appeal_body = {"grounds": "第二份工作在外地, 拒绝有正当理由", "documents": [document["id"]]}
    appeal = stack.call(
        "claims", "POST", f"/decisions/{stop['id']}/appeals", json=appeal_body, sub="officer-a", expect=201, **es
    ).json()
    assert (appeal["state"], appeal["overdue"]) == ("open", False)
    assert (
        appeal["deadline"] == str(TODAY + dt.timedelta(days=60)) and "行政复议法" in appeal["deadline_rule"]["clause"]
    )
    again = stack.call("claims", "POST", f"/decisions/{stop['id']}/appeals", json=appeal_body, expect=409, **es)
    assert again.json()["code"] == "appeal_open"
    review = {"outcome": "overturned", "reasons": "第二份工作在外地, 拒绝有正当理由", "clause": "N§5 ¶2"}
    own = stack.call(
        "claims", "POST", f"/appeals/{appeal['id']}/review", json=review, sub="officer-a", expect=403, **es
    )
    assert own.json()["code"] == "same_officer"
    decided = stack.call(
        "claims",
        "POST",
        f"/appeals/{appeal['id']}/review",
        json=review,
        roles=("social_insurance",),
        region=region,
        sub="officer-b",
    ).json()
    assert decided["state"] == "overturned" and "reinstated" in decided["consequence"]
    stack.made["decision"], stack.made["appeal"] = stop["id"], appeal["id"]
    after = stack.call("claims", "GET", f"/claims/{claim['id']}", region=region).json()
    assert (after["state"], after["stopped_on"], after["stop_reason"]) == ("active", None, None)
    reinstated = stack.call("claims", "GET", f"/decisions/{after['decision_id']}", region=region).json()
    assert reinstated["kind"] == "claim.reinstatement" and reinstated["decided_by"] == "officer-b"
    replaced = stack.call("claims", "GET", f"/decisions/{stop['id']}", region=region).json()
    assert replaced["replaced_by"] == decided["review_decision_id"]

    run(0)  # the next run: month 0 and what the stop withheld of months -2 and -1
    paid: dict[str, float] = {}
    for b in stack.call("claims", "GET", f"/payment-batches?region={region}", region=region).json():
        for line in stack.call("claims", "GET", f"/payment-batches/{b['id']}", region=region).json()["items"]:
            if line["claim_id"] == claim["id"] and line["status"] == "paid":
                paid[line["month"]] = round(paid.get(line["month"], 0) + float(line["amount"]), 2)
    monthly = float(claim["monthly_amount"])
    assert paid == {f"{month(k):%Y-%m}": monthly for k in range(-3, 1)}, paid
    for k in (-2, -1, 0):
        stack.eventually(
            lambda k=k: (
                (r := stack.fund_month(region, month(k)))
                and float(r["expenditure"].get("benefits", 0)) == paid[f"{month(k):%Y-%m}"]
            ),
            f"fund-monitor books month {k}'s benefit once, the back pay included",
        )

    def actions(subject: str) -> list[str]:
        items = stack.call("claims", "GET", f"/audit?subject={subject}", region=region).json()["items"]
        assert all(i["request_id"] for i in items)
        return [i["action"] for i in items]

    assert actions(f"claim:{claim['id']}") == [
        "claim.registered",
        "claim.verification_requested",
        "payee_account.set",
        "claim.verified",
        "claim.stopped.refused_jobs",
        "decision.overturned",
    ]
    assert actions(f"appeal:{appeal['id']}") == ["appeal.filed", "appeal.overturned"]
    assert actions(f"decision:{stop['id']}") == ["decision.appealed"]


CONSERVATION_EXAMPLES = int(os.environ.get("CONSERVATION_EXAMPLES", "3"))
_numbers = iter(range(5000, 10_000))  # persons and units of the generated histories, never reused (credit codes
# hold four digits of the number)


def _own_months(stack: Stack, person: int, months: list[dt.date], pay: bool, region: str = CC) -> None:
    """A merged-track flexible worker declares their own months at a base of 3000.00 and, if ``pay``, pays what
    they owe (late fees included)."""
    for m in months:
        stack.call(
            "contributions",
            "POST",
            f"/flexible-workers/{pid(person)}/declarations",
            json={"period": f"{m:%Y-%m}", "base": "3000.00"},
            region=region,
            expect=201,
        )
    if pay:
        owed = stack.call("contributions", "GET", f"/flexible-workers/{pid(person)}/arrears", region=region).json()
        stack.call(
            "contributions",
            "POST",
            f"/flexible-workers/{pid(person)}/payments",
            json={"amount": owed["total"]},
            region=region,
            expect=201,
        )


def _flexible(stack: Stack, person: int, start: dt.date, agreement_end: dt.date, region: str = CC) -> dict:
    """Registered in flexible employment under an agreement, and enrolled on the merged track from the same day."""
    spell = stack.call(
        "contributions",
        "POST",
        "/flexible-employments",
        json={
            "id_number": pid(person),
            "name": f"职工{person}",
            "region": region,
            "kind": "agreement",
            "start_date": str(start),
            "agreement_no": f"长劳协-{person}",
            "agreement_end": str(agreement_end),
        },
        region=region,
        expect=201,
    ).json()
    stack.call(
        "contributions",
        "POST",
        "/persons/enrolments",
        json={
            "id_number": pid(person),
            "name": f"职工{person}",
            "track": "flexible",
            "region": region,
            "start_date": str(start),
            "wage": "3000.00",
        },
        region=region,
        expect=201,
    )
    return spell


def test_a_flexible_worker_carries_unit_months_and_own_months_into_a_claim(stack: Stack) -> None:
    """N§3(2), #22: 10 months at a unit, then 8 months paid alone on the merged track under a flexible-employment
    agreement; while the agreement runs the person cannot register (R15; N§5: it is re-employment); once the
    register says they are unemployed, they register and are eligible on 18 months."""
    unit = stack.unit(41)
    emp = stack.enrol(41, unit, month(-19))
    stack.declare_and_pay(unit, [41], [month(-k) for k in range(19, 9, -1)])
    stack.end(41, emp, month(-9) - dt.timedelta(days=1), "contract_expired_not_renewed")
    spell = _flexible(stack, 41, month(-9), month(3) - dt.timedelta(days=1))
    stack.made["flexible"] = spell["id"]
    # the agreement itself, kept with the register's records (#23 item 3)
    agreement = "%PDF-1.7\n% 长劳协-41\n%%EOF\n".encode()
    document = stack.call(
        "contributions",
        "POST",
        "/documents?kind=flexible_agreement",
        content=agreement,
        headers={"Content-Type": "application/pdf"},
        expect=201,
    ).json()
    stack.made["document"] = document["id"]
    assert stack.call("contributions", "GET", f"/documents/{document['id']}/content").content == agreement
    _own_months(stack, 41, [month(-k) for k in range(9, 1, -1)], pay=True)
    seen = stack.months_seen(41, 18)
    counted = next(c for c in seen["criteria"] if c["name"] == "contribution_months")
    assert counted["values"]["months_paid_since_restart"] == 18

    registration = {
        "id_number": pid(41),
        "name": "职工41",
        "region": CC,
        "registered_on": str(TODAY),
        "job_seeking": True,
    }
    refused = stack.call(
        "claims", "POST", "/claims", json=registration, roles=("employment_service",), expect=422
    ).json()
    assert (refused["code"], refused["errors"][0]["field"]) == ("reemployed_flexible", "body.id_number")
    assert "长劳协-41" in refused["detail"]

    # the street office records that the agreement ended and the person is unemployed from this month
    ended = stack.call(
        "contributions",
        "POST",
        f"/flexible-employments/{spell['id']}/status",
        json={"status": "unemployed", "on": str(month(-1))},
    ).json()
    assert (ended["status"], ended["end_date"]) == ("unemployed", str(month(-1) - dt.timedelta(days=1)))

    def registered() -> dict | None:
        r = stack.call("claims", "POST", "/claims", json=registration, roles=("employment_service",), expect=None)
        if r.status_code == 422 and r.json()["code"] in ("reemployed_flexible", "flexible_worker_in_employment"):
            return None  # claims has not heard of the end yet
        assert r.status_code == 201, r.text
        return r.json()

    claim = stack.eventually(registered, "claims hears the flexible employment ended")
    assert (claim["eligible"], claim["decision"]["months_counted"], claim["total_months"]) == (True, 18, 12)
    contribution = next(c for c in claim["decision"]["criteria"] if c["name"] == "contribution_months")
    assert contribution["met"] and contribution["values"]["months_paid_since_restart"] == 18


def test_a_flexible_worker_is_subsidised_for_the_months_they_paid(stack: Stack) -> None:
    """N§6, #22: a hard-to-employ flexible worker under an agreement applies for the social-insurance subsidy and is
    approved with the four criteria; of the four months of the agreement three were paid and are subsidised, the
    unpaid one is not; the month paid after the agreement expired is not; the subsidy ends with the agreement; the
    run is approved by a second officer and fund-monitor books it against the region's re-employment funds."""
    emp = ("employment_service",)
    stack.call(
        "fund-monitor",
        "POST",
        f"/reemployment-funds/{CC}/allocations",
        json={"year": TODAY.year, "amount": "500000.00", "reference": "吉财社〔2026〕12号"},
        roles=("province",),
        region="220000",
        expect=201,
    )
    agreement_end = month(-1) - dt.timedelta(days=1)  # the agreement covers months -5 to -2
    _flexible(stack, 42, month(-5), agreement_end)
    _own_months(stack, 42, [month(-5), month(-4)], pay=True)
    _own_months(stack, 42, [month(-2)], pay=True)
    _own_months(stack, 42, [month(-1)], pay=True)  # after the agreement expired
    _own_months(stack, 42, [month(-3)], pay=False)  # never paid
    stack.months_seen(42, 4)
    certification = stack.call(
        "claims",
        "POST",
        "/hard-to-employ",
        json={
            "id_number": pid(42),
            "name": "职工42",
            "region": CC,
            "categories": ["long_term_unemployed", "over_50_men"],
            "certified_on": str(month(-5)),
            "review_on": str(month(7)),
        },
        roles=emp,
        expect=201,
    ).json()
    stack.made["certification"] = certification["id"]
    subsidy = stack.call(
        "claims",
        "POST",
        "/social-insurance-subsidies",
        json={"id_number": pid(42), "name": "职工42", "region": CC, "applied_on": str(month(-5))},
        roles=emp,
        expect=201,
    ).json()
    stack.made["subsidy"] = subsidy["id"]
    assert subsidy["state"] == "approved", subsidy["criteria"]
    assert [(c["name"], c["met"]) for c in subsidy["criteria"]] == [
        ("in_flexible_employment", True),
        ("hard_to_employ", True),
        ("paying_own_contributions", True),
        ("within_maximum_period", True),
    ]
    base = f"6222020{42:011d}"
    stack.call(
        "claims",
        "PUT",
        f"/social-insurance-subsidies/{subsidy['id']}/payee-account",
        json={"bank_code": "ICBC", "card_number": base + luhn.calc_check_digit(base), "holder_name": "职工42"},
        roles=emp,
    )
    run = stack.call(
        "claims",
        "POST",
        "/social-insurance-subsidies/runs",
        json={"region": CC, "month": f"{month(0):%Y-%m}"},
        roles=emp,
        expect=201,
    ).json()
    stack.made["subsidy_run"] = run["id"]
    # 2500.00 floor × 22% = 550.00 a month; two thirds, half up: 366.67
    assert [(p["period"], p["amount"]) for p in run["payments"]] == [
        (str(month(-5)), "366.67"),
        (str(month(-4)), "366.67"),
        (str(month(-2)), "366.67"),
    ]
    stack.call(
        "claims", "POST", f"/social-insurance-subsidies/runs/{run['id']}/approve", roles=emp, expect=403
    )  # the maker cannot approve
    approved = stack.call(
        "claims", "POST", f"/social-insurance-subsidies/runs/{run['id']}/approve", roles=emp, sub="story-checker"
    ).json()
    assert approved["state"] == "approved" and {p["state"] for p in approved["payments"]} == {"approved"}
    # the bank's file, as for benefits, and its return file: paid only when the bank says so
    file = stack.call(
        "claims", "GET", f"/social-insurance-subsidies/runs/{run['id']}/file?bank_code=ICBC", roles=emp
    ).content
    rows = [line.split(",") for line in file.decode("gb18030").splitlines()[3:-1]]
    body = "line_no,account,amount,status,reason_code,value_date\n" + "".join(
        f"{r[1]},{r[2]},{r[4]},paid,,{TODAY}\n" for r in rows
    )
    returned = stack.call(
        "claims",
        "POST",
        f"/social-insurance-subsidies/runs/{run['id']}/returns",
        content=body.encode(),
        headers={"Content-Type": "text/csv"},
        roles=emp,
    ).json()
    assert (returned["paid"], returned["failed"]) == (3, 0)
    after = stack.call("claims", "GET", f"/social-insurance-subsidies/{subsidy['id']}", roles=emp).json()
    assert (after["state"], after["end_reason"], after["ended_on"]) == (
        "ended",
        "flexible_employment_ended",
        str(agreement_end),
    )

    def booked() -> dict | None:
        funds = stack.call("fund-monitor", "GET", "/reemployment-funds", roles=("province",), region="220000").json()
        cc = next(r for r in funds["regions"] if r["region"] == CC)
        return cc if cc["spent"] != "0.00" else None

    cc = stack.eventually(booked, "fund-monitor books the subsidy run against the re-employment funds")
    assert (cc["spent"], cc["people_last_run"], cc["budget"]) == ("1100.01", 1, "500000.00")
    assert cc["budget_used"] == "0.0022"


def _overturn_late_fee(stack: Stack, payment: dict, region: str) -> None:
    """#23: the payer appeals the late fee the payment was charged; a second officer overturns it, which cancels
    what is still owed of it and credits what was paid, out of the fund it reached."""
    if payment["late_fee_decision_id"] is None:
        return
    officer = {"roles": ("social_insurance",), "region": region}
    appeal = stack.call(
        "contributions",
        "POST",
        f"/decisions/{payment['late_fee_decision_id']}/appeals",
        json={"grounds": "银行延迟到账"},
        expect=201,
        sub="officer-a",
        **officer,
    ).json()
    body = {"outcome": "overturned", "reasons": "按期缴纳", "clause": "C13"}
    stack.call("contributions", "POST", f"/appeals/{appeal['id']}/review", json=body, sub="officer-b", **officer)


def _collect(
    stack: Stack, region: str, k: int, people: int, fraction: str, paid_days_ago: int, rest: bool, appeal: bool
) -> str:
    """A unit declares ``k`` months for ``people`` and pays a fraction of what it owes on a past day (late fees),
    the rest today or never; the first payment's late fee may be overturned on appeal."""
    unit = stack.unit(next(_numbers), region=region)
    persons = [next(_numbers) for _ in range(people)]
    for p in persons:
        stack.enrol(p, unit, month(-k - 1), region=region)
    for m in range(k, 0, -1):
        body = {"period": f"{month(-m):%Y-%m}", "lines": [{"id_number": pid(p), "base": "4321.00"} for p in persons]}
        stack.call("contributions", "POST", f"/units/{unit}/declarations", json=body, region=region, expect=201)
    paid_on = TODAY - dt.timedelta(days=paid_days_ago)
    due = stack.call("contributions", "GET", f"/units/{unit}/arrears?on={paid_on}", region=region).json()["total"]
    amount = f"{float(due) * float(fraction):.2f}"
    if float(amount) > 0:
        body = {"amount": amount, "paid_on": str(paid_on)}
        paid = stack.call("contributions", "POST", f"/units/{unit}/payments", json=body, region=region, expect=201)
        if appeal:
            _overturn_late_fee(stack, paid.json(), region)
    if rest:
        left = stack.call("contributions", "GET", f"/units/{unit}/arrears", region=region).json()["total"]
        if float(left) > 0:
            stack.call(
                "contributions", "POST", f"/units/{unit}/payments", json={"amount": left}, region=region, expect=201
            )
    return unit


def _direct(stack: Stack, home: str, appeal: bool) -> str:
    """A provincial-direct unit pays the province last month, late (its late fee may be overturned on appeal, which
    the next remittance nets); the province remits last month to the home regions."""
    province = {"roles": ("social_insurance", "province"), "region": "220000"}
    unit = stack.unit(next(_numbers), region="220000", provincial_direct=True, home_region=home)
    person = next(_numbers)
    stack.enrol(person, unit, month(-3), region="220000")
    body = {"period": f"{month(-2):%Y-%m}", "lines": [{"id_number": pid(person), "base": "5000.00"}]}
    stack.call("contributions", "POST", f"/units/{unit}/declarations", json=body, expect=201, **province)
    paid_on = month(-1) + dt.timedelta(days=20)
    due = stack.call("contributions", "GET", f"/units/{unit}/arrears?on={paid_on}", **province).json()["total"]
    body = {"amount": due, "paid_on": str(paid_on)}
    paid = stack.call("contributions", "POST", f"/units/{unit}/payments", json=body, expect=201, **province)
    if appeal:
        _overturn_late_fee(stack, paid.json(), "220000")
    stack.call(
        "contributions",
        "POST",
        "/remittances/run",
        json={"month": f"{month(-1):%Y-%m}"},
        roles=("province",),
        region="220000",
    )
    return unit


def _claim(stack: Stack, region: str, medical: bool, death: bool) -> None:
    """Fourteen paid months, laid off, registered last month and verified; last month's run for the region (once
    per region and month: a later claim waits for the next), its transfer of medical-insurance contributions
    (SIL48) approved, a death's one-off payments."""
    unit = stack.unit(next(_numbers), region=region)
    person = next(_numbers)
    emp = stack.enrol(person, unit, month(-17), region=region)
    stack.declare_and_pay(unit, [person], [month(-k) for k in range(16, 2, -1)], region=region)
    stack.end(person, emp, month(-2) - dt.timedelta(days=1), "dismissed", region=region)
    stack.months_seen(person, 14, region=region, until=lambda d: d["eligible"])
    employment = {"roles": ("employment_service",), "region": region}
    body = {
        "id_number": pid(person),
        "name": f"职工{person}",
        "region": region,
        "registered_on": str(month(-1)),
        "job_seeking": True,
        "community": f"community-{region}-9",
    }
    claim = stack.call("claims", "POST", "/claims", json=body, expect=201, **employment).json()
    stack.call(
        "claims",
        "POST",
        f"/claims/{claim['id']}/verify",
        json={"certificate_no": f"证{person}"},
        roles=("community",),
        region=region,
        sub=f"community-{region}-9",
    )
    stack.payee(claim["id"], person, region)
    run = stack.call(
        "claims",
        "POST",
        "/payment-runs",
        json={"region": region, "month": f"{month(-1):%Y-%m}"},
        region=region,
        expect=None,  # 409 month_already_paid when an earlier history ran it
    )
    if run.status_code == 200:
        stack.pay(run.json(), region, failed={1: "R03"} if len(run.json()["batches"]) and medical else None)
        transfer = run.json()["medical_transfer"]
        if medical and transfer is not None:
            stack.call(
                "claims",
                "POST",
                f"/medical-transfers/{transfer['id']}/approve",
                region=region,
                sub="story-checker",
                expect=200,
            )
    if death:
        body = {"reason": "death", "effective_date": str(TODAY)}
        stack.call("claims", "POST", f"/claims/{claim['id']}/stops", json=body, region=region)


POOLS = [r.code for r in all_regions() if not r.is_province]
steps = st.one_of(
    st.tuples(
        st.just("collect"),
        st.sampled_from(POOLS),
        st.integers(1, 4),
        st.integers(1, 3),
        st.sampled_from(["0.37", "0.5", "1", "1.25"]),
        st.integers(0, 40),
        st.booleans(),
        st.booleans(),
    ),
    st.tuples(st.just("direct"), st.sampled_from(POOLS), st.booleans()),
    st.tuples(st.just("claim"), st.sampled_from(POOLS), st.booleans(), st.booleans()),
)


def test_money_is_conserved_across_the_four_services(stack: Stack) -> None:
    """#20: random histories of declarations, partial, late and over-payments, late fees overturned on appeal (#23),
    provincial-direct payments and remittances, claims paid by monthly runs, medical-insurance transfers and deaths' one-off payments, driven through the
    real services: afterwards fund-monitor's books hold, movement by movement, what contributions collected and
    remitted and what claims paid (``/reconciliation`` finds nothing), the province's clearing account agrees in
    both services, and every journal entry balances. ``CONSERVATION_EXAMPLES`` histories per transport
    (``make conservation`` runs more, with a fresh random seed)."""
    province = {"roles": ("province",), "region": "220000"}
    span = f"from={month(-30):%Y-%m}&to={month(0):%Y-%m}"

    @settings(
        max_examples=CONSERVATION_EXAMPLES,
        deadline=None,
        phases=[Phase.generate],  # a failure is reported as found: shrinking would replay whole histories
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(steps, min_size=1, max_size=5))
    def history(actions) -> None:
        for action in actions:
            {"collect": _collect, "direct": _direct, "claim": _claim}[action[0]](stack, *action[1:])

        def reconciled() -> dict | bool:
            r = stack.call("fund-monitor", "GET", f"/reconciliation?{span}", **province).json()
            return r["balanced"] and r

        try:
            stack.eventually(reconciled, "the books reconcile", timeout=90)
        except AssertionError:
            late = stack.call("fund-monitor", "GET", f"/reconciliation?{span}", **province).json()["differences"]
            raise AssertionError(f"after {actions}: differences {late[:10]}") from None
        trial = stack.call("fund-monitor", "GET", "/journal/trial-balance", **province).json()
        assert trial["balanced"] is True
        held = {
            (b["fund"], b["kind"]): b["balance"]
            for b in stack.call("contributions", "GET", "/ledger/balances?region=220000", **province).json()
        }.get(("unemployment", "provincial_clearing"), 0)
        accounts = {a["account"]: a["balance"] for a in trial["accounts"]}
        assert round(float(accounts.get("clearing:province", "0")) * 100) == held

    # whatever the random histories hold, one late fee overturned after part of it was paid and one of a
    # provincial-direct unit, refunded out of the fund and the province's clearing account
    province_si = {"roles": ("social_insurance",), "region": "220000"}
    for unit, who in ((_collect(stack, CC, 3, 1, "0.37", 0, False, True), {}), (_direct(stack, JL, True), province_si)):
        refunds = stack.call("contributions", "GET", f"/late-fee-refunds?payer={unit}", **who).json()
        assert sum(float(r["credited_unemployment"]) for r in refunds) > 0
    history()


CITY_ROLES = ("social_insurance", "employment_service", "labor_department", "community", "local_government")
# the services' own event plumbing (roles service and province only): no region's object
PLUMBING = ("/events", "/admin/")
# what a required query parameter is given (the region, where an operation takes one, is the objects' region)
QUERY_VALUES = {
    "month": f"{month(-1):%Y-%m}",
    "period": f"{month(-1):%Y-%m}",
    "from": f"{month(-2):%Y-%m}",
    "to": f"{month(-1):%Y-%m}",
    "region": CC,
    "bank_code": "ICBC",
    "kind": "other",
}
BODY_VALUES = {"region": CC, "unit_credit_code": None, "credit_code": None, "id_number": None}
# writes a 220000 token makes for a city's object by design, and why
PROVINCE_WRITES = {
    "/alerts/{alert_id}/acknowledgements": "the provincial labor department and social-insurance company are "
    "recipients of every region's alert (N§8)",
}


def _with_values(example: Any, values: dict[str, Any]) -> Any:
    """The operation's own example with the objects of the test named, and its dates today's (an example's date
    may lie in the future by now, and a date refused would hide the guard behind validation)."""
    if isinstance(example, dict):
        return {k: values[k] if k in values else _with_values(v, values) for k, v in example.items()}
    if isinstance(example, list):
        return [_with_values(v, values) for v in example]
    if isinstance(example, str) and len(example) == 10 and example[4] == "-" and example[7] == "-":
        return str(TODAY)
    if isinstance(example, str) and len(example) == 7 and example[4] == "-" and example[:4].isdigit():
        return f"{month(-1):%Y-%m}"
    return example


def _writes_recorded(urls: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """Per service: audit records, events and idempotency keys. A refused request leaves all three as they were."""
    import asyncio

    import asyncpg

    from insurance_shared.testing.fixtures import _plain_dsn

    async def counts(url: str) -> tuple[int, int, int]:
        conn = await asyncpg.connect(_plain_dsn(url))
        try:
            row = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM outbox),"
                " (SELECT count(*) FROM idempotency_keys)"
            )
            return tuple(row)  # type: ignore[return-value]
        finally:
            await conn.close()

    async def all_counts() -> dict[str, tuple[int, int, int]]:
        return {name: await counts(url) for name, url in urls.items()}

    return asyncio.run(all_counts())


def test_every_operation_keeps_other_regions_objects_from_a_city_token(stack: Stack) -> None:
    """#24 item 9, generated from the contract: for every operation of every service that names an object (a path
    parameter, a region in the query, a region, unit or person in the body), a 吉林市 token of each city role, and
    of all of them at once, is refused (403 or 404) on 长春市's, 四平市's and 白山市's objects; a province token that
    also holds every city role (#24 defect 1) is refused every write its roles do not include. Nothing is written:
    no audit record, event or idempotency key. A new operation is covered the day it is added; one whose path
    parameter has no value here fails the test until it gets one."""
    made = stack.made
    assert {
        "person",
        "employment",
        "unit",
        "claim",
        "active_claim",
        "filing",
        "alert",
        "plan",
        "batch",
        "transfer",
        "flexible",
        "certification",
        "subsidy",
        "subsidy_run",
        "document",
        "decision",
        "appeal",
    } <= set(made), made
    own = {"region": CC}
    # objects no story made, made here by their own region's officers
    declaration_id = stack.call(
        "contributions",
        "POST",
        f"/units/{made['unit']}/declarations",
        json={"period": f"{month(-15):%Y-%m}", "lines": [{"id_number": made["person"], "base": "4000.00"}]},
        expect=201,
        **own,
    ).json()["id"]
    bs = {"region": "220600"}
    referral = stack.call(
        "claims",
        "POST",
        f"/claims/{made['active_claim']}/referrals",
        roles=("employment_service",),
        json={"employer": "吉林某物流公司", "job": "仓库管理员", "referred_on": str(TODAY)},
        expect=201,
        **bs,
    ).json()
    entry = stack.call("fund-monitor", "GET", f"/journal?region={SP}", roles=("province",), region="220000").json()
    values = {
        "credit_code": made["unit"],
        "id_number": made["person"],
        "employment_id": made["employment"],
        "declaration_id": declaration_id,
        "claim_id": made["claim"],
        "referral_id": referral["id"],
        "batch_id": made["batch"],
        "transfer_id": made["transfer"],
        "filing_id": made["filing"],
        "alert_id": made["alert"],
        "plan_id": made["plan"],
        "entry_id": entry["items"][0]["id"],
        "region": SP,
        "flexible_id": made["flexible"],
        "certification_id": made["certification"],
        "subsidy_id": made["subsidy"],
        "run_id": made["subsidy_run"],
        "period": f"{month(-1):%Y-%m}",
        "document_id": made["document"],
        "decision_id": made["decision"],
        "appeal_id": made["appeal"],
    }
    body_values = {
        **BODY_VALUES,
        "unit_credit_code": made["unit"],
        "credit_code": made["unit"],
        "id_number": made["person"],
    }
    attackers = [(JL, (role,)) for role in CITY_ROLES] + [(JL, CITY_ROLES)]
    province = ("220000", ("province", *CITY_ROLES))

    def settled() -> dict:
        a = _writes_recorded(stack.urls)
        time.sleep(1)
        return a if a == _writes_recorded(stack.urls) else {}

    before = stack.eventually(settled, "the stories' events to settle", timeout=60)
    problems, tried = [], 0
    for service, _ in SERVICES:
        spec = stack.call(service, "GET", "/openapi.json").json()
        for path, ops in spec["paths"].items():
            for method, op in ops.items():
                if "security" not in op or path.startswith(PLUMBING):
                    continue
                params = op.get("parameters", [])
                names = [p["name"] for p in params if p["in"] == "path"]
                query = {
                    p["name"]: {**QUERY_VALUES, "payer": made["unit"]}[p["name"]]
                    for p in params
                    if p["in"] == "query" and p["required"]
                }
                if any(p["in"] == "query" and p["name"] == "region" for p in params):
                    query["region"] = CC
                content = op.get("requestBody", {}).get("content", {})
                body = content.get("application/json", {}).get("schema")
                example = None
                if body is not None:
                    ref = body.get("$ref", "").rsplit("/", 1)[-1]
                    schema = spec["components"]["schemas"].get(ref, body)
                    example = _with_values((schema.get("examples") or [{}])[0], body_values)
                in_body = bool(example and body_values.keys() & example.keys())
                if not (names or "region" in query or "payer" in query or in_body) or (
                    path == "/parameters" and method == "get"
                ):
                    continue  # names no object of a region (the caller's own overview; the law, public to all)
                missing = [n for n in names if n not in values]
                if missing:
                    problems.append(f"{method.upper()} {service}{path}: no value here for {missing}")
                    continue
                url = path.format(**{n: values[n] for n in names})
                documented = op.get("description", "")
                writes = method != "get"
                callers = list(attackers)
                if (
                    writes
                    and "province" not in documented.split("需要角色 (roles):")[-1]
                    and path not in PROVINCE_WRITES
                ):
                    callers.append(province)
                for region, roles in callers:
                    kw: dict[str, Any] = {"params": query}
                    if example is not None:
                        kw["json"] = example
                    elif content:
                        kw["content"] = b"x\n"
                        kw["headers"] = {"Content-Type": next(iter(content))}
                    r = stack.call(service, method.upper(), url, roles=roles, region=region, expect=None, **kw)
                    tried += 1
                    # a unit the body names (not the URL) that is not the caller's is a 422 naming the field
                    named_in_body = not names and r.status_code == 422 and r.json().get("code") == "unknown_unit"
                    if r.status_code not in (403, 404) and not named_in_body:
                        problems.append(
                            f"{method.upper()} {service}{url} as {region} {'+'.join(roles)}: {r.status_code} {r.text[:200]}"
                        )
    assert not problems, "\n".join(problems)
    assert tried > 300
    assert _writes_recorded(stack.urls) == before  # nothing was written


def test_demo_data_loads_through_the_apis(stack: Stack) -> None:
    """`make run`'s demo loader, at a small size, against the running services: it must keep working. After the
    stories: it makes payment runs in every region, which the stories make themselves; before the reconciliation,
    which then covers its money too."""
    filed_before = {f["id"] for f in _all_filings(stack)}  # the other stories share these services
    loaded = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "demo.py"),
            "--base-port",
            str(stack.ports["contributions"]),
            "--units",
            "12",
            "--people",
            "90",
            "--months",
            "15",
            "--seed",
            "7",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert loaded.returncode == 0, loaded.stdout[-3000:] + loaded.stderr[-3000:]
    # piped, as into make run's log: a line per stage, no progress bars redrawn with carriage returns (#26 item 1)
    assert "\r" not in loaded.stdout + loaded.stderr and "claims: " in loaded.stdout
    overview = stack.call("fund-monitor", "GET", "/dashboard/overview", roles=("province",), region="220000").json()
    assert all(r["level"] != "no_data" for r in overview["regions"] if r["region"] != "220600")
    claims = stack.call("claims", "GET", "/claims?region=220100", roles=("employment_service",)).json()
    assert {"active", "stopped"} & {c["state"] for c in claims}
    # three mass layoffs of people still at work (once, every filing was refused and the loader carried on)
    filings = [f for f in _all_filings(stack) if f["id"] not in filed_before]
    assert len(filings) == 3 and sum(f["consulted"] for f in filings) == 2
    assert sorted(f["state"] for f in filings) == ["acknowledged", "acknowledged", "executed"]
    # flexible workers subsidised in every region but 辽源市, whose uptake is flagged (N§6 ¶2)

    def uptake() -> dict | None:
        funds = stack.call("fund-monitor", "GET", "/reemployment-funds", roles=("province",), region="220000").json()
        by = {r["region"]: r for r in funds["regions"]}
        return by if by["220200"]["spent"] != "0.00" else None

    by = stack.eventually(uptake, "fund-monitor books the demo's subsidy runs")
    assert by["220400"]["uptake_zero"] and not by["220200"]["uptake_zero"]
    flexible = stack.call("contributions", "GET", "/flexible-employments?region=220300", region="220300").json()
    assert {f["kind"] for f in flexible} == {"agreement", "licence", "other"}


def test_after_every_story_the_books_reconcile_to_the_fen(stack: Stack) -> None:
    """Last in this file, so it runs after the others (pytest keeps file order): across every region and the 31 months the stories touched, fund-monitor's books hold
    exactly what contributions collected and remitted and what claims paid, movement by movement (#20); the
    province's check records no alert, and every journal entry balances."""
    span = f"from={month(-30):%Y-%m}&to={month(0):%Y-%m}"
    province = {"roles": ("province",), "region": "220000"}

    def balanced() -> dict | bool:
        r = stack.call("fund-monitor", "GET", f"/reconciliation?{span}", **province).json()
        return r["balanced"] and r

    try:
        report = stack.eventually(balanced, "the books reconcile", timeout=90)
    except AssertionError:
        late = stack.call("fund-monitor", "GET", f"/reconciliation?{span}", **province).json()["differences"]
        raise AssertionError(f"differences: {late[:10]}") from None
    assert sum(1 for s in report["sums"] if s["kind"] == "benefits") >= 1
    checked = stack.call(
        "fund-monitor",
        "POST",
        "/reconciliation/checks",
        json={"from": f"{month(-30):%Y-%m}", "to": f"{month(0):%Y-%m}"},
        **province,
    ).json()
    assert (checked["raised"], checked["report"]["balanced"]) == (0, True)
    trial = stack.call("fund-monitor", "GET", "/journal/trial-balance", **province).json()
    assert trial["balanced"] is True
