"""Re-employment support in claims (N§6; R15, N§5): flexible employment from the real-name register stops a claim
and refuses a registration, with its document; the hard-to-employ register; the social-insurance subsidy decided
with its criteria and paid only against months the person paid, in a run a second officer approves; the 低保
roster's priority referrals."""

import datetime as dt

from insurance_shared import person_key
from insurance_shared.contracts import (
    ContributionPeriodPaid,
    FlexibleEmploymentChanged,
    PaidPerson,
    PersonEnrolled,
)

from .test_claims import CARD, EMP, INS, TODAY, active_claim, deliver, history, month, outbox_types, pid, registration


def spell(
    n: int, fid: int, kind: str, start: dt.date, *, agreement_end=None, end=None, status="working_flexibly", doc=None
):
    return FlexibleEmploymentChanged(
        flexible_employment_id=fid,
        person=person_key(pid(n)),
        region="220100",
        kind=kind,
        start_date=start,
        end_date=end,
        agreement_end=agreement_end,
        document_ref=f"长劳协-{fid}" if kind == "agreement" else (f"执照-{fid}" if kind == "licence" else None),
        status=status,
        status_on=start if end is None else end + dt.timedelta(days=1),
        document_id=doc,
    )


async def test_an_agreement_stops_a_claim_from_its_start_with_the_document(client, auth_headers, db) -> None:
    await history(db, 21, 30, ended_k=3)
    c = await active_claim(client, auth_headers, 21, registered_on=month(2))
    # other flexible work is not re-employment by itself; an agreement is, from its start (R15; N§5)
    await deliver(db, spell(21, 1, "other", month(1)))
    assert (await client.get(f"/claims/{c['id']}", headers=auth_headers(*EMP))).json()["state"] == "active"
    await deliver(db, spell(21, 2, "agreement", month(1), agreement_end=month(-6), doc="ab" * 32))
    stopped = (await client.get(f"/claims/{c['id']}", headers=auth_headers(*EMP))).json()
    assert (stopped["state"], stopped["stop_reason"], stopped["stopped_on"]) == (
        "stopped",
        "reemployed_flexible_agreement",
        str(month(1)),
    )
    assert "长劳协-2" in stopped["stop_evidence"] and "R15" in stopped["stop_evidence"]
    assert "ab" * 32 in stopped["stop_evidence"]  # the stored agreement itself
    assert "claims.claim_stopped.v2" in await outbox_types(db)


async def test_no_registration_while_an_agreement_runs_and_after_it_expired_yes(client, auth_headers, db) -> None:
    await history(db, 22, 30, ended_k=6)
    await deliver(db, spell(22, 3, "agreement", month(5), agreement_end=month(3) - dt.timedelta(days=1)))
    r = await client.post("/claims", json=registration(22, month(4)), headers=auth_headers(*EMP))
    assert r.status_code == 422, r.text
    assert (r.json()["code"], r.json()["errors"][0]["field"]) == ("reemployed_flexible", "body.id_number")
    assert "长劳协-3" in r.json()["detail"]
    r = await client.post("/claims", json=registration(22, month(2)), headers=auth_headers(*EMP))
    assert r.status_code == 201, r.text  # the agreement expired before month(3)


async def test_hard_to_employ_register(client, auth_headers) -> None:
    h = auth_headers(*EMP)
    cats = (await client.get("/hard-to-employ/categories", headers=h)).json()
    assert {"long_term_unemployed", "disabled", "zero_employment_family"} <= {c["code"] for c in cats}
    body = {
        "id_number": pid(23),
        "name": "王五",
        "region": "220100",
        "categories": ["disabled", "no_such_thing"],
        "certified_on": str(TODAY - dt.timedelta(days=30)),
        "review_on": str(TODAY + dt.timedelta(days=335)),
    }
    r = await client.post("/hard-to-employ", json=body, headers=h)
    assert (r.status_code, r.json()["code"], r.json()["errors"][0]["field"]) == (
        422,
        "unknown_category",
        "body.categories[1]",
    )
    r = await client.post(
        "/hard-to-employ", json={**body, "categories": ["disabled"], "review_on": body["certified_on"]}, headers=h
    )
    assert (r.status_code, r.json()["code"]) == (422, "review_before_certification")
    r = await client.post("/hard-to-employ", json={**body, "categories": ["disabled"]}, headers=h)
    assert r.status_code == 201, r.text
    got = r.json()
    assert ([c["code"] for c in got["categories"]], got["certified_by"]) == (
        ["disabled"],
        "test-employment_service-220100",
    )
    assert (
        await client.get(f"/hard-to-employ/{got['id']}", headers=auth_headers(*EMP, region="220200"))
    ).status_code == 404


async def _flexible_worker(db, n: int, start: dt.date, agreement_end: dt.date, fid: int) -> None:
    await deliver(
        db,
        PersonEnrolled(
            person=person_key(pid(n)),
            unit_credit_code=None,
            region="220100",
            track="flexible",
            start_date=start,
            employment_id=n * 1000,
        ),
        spell(n, fid, "agreement", start, agreement_end=agreement_end),
    )


def own_month(n: int, k: int, decl: int) -> ContributionPeriodPaid:
    return ContributionPeriodPaid(
        unit_credit_code=None,
        period=f"{month(k):%Y-%m}",
        region="220100",
        declaration_id=decl,
        people=[PaidPerson(person=person_key(pid(n)), unemployment_fen=6000, floor_fen=55000)],
    )


async def test_subsidy_decided_and_paid_only_against_paid_months(client, auth_headers, db) -> None:
    h = auth_headers(*EMP)
    start, agreement_end = month(5), month(1) - dt.timedelta(days=1)  # the agreement covers months 5..2
    await _flexible_worker(db, 24, start, agreement_end, fid=10)
    application = {"id_number": pid(24), "name": "赵六", "region": "220100", "applied_on": str(start)}
    refused = await client.post("/social-insurance-subsidies", json=application, headers=h)
    assert refused.status_code == 422, refused.text
    r = refused.json()
    assert (r["code"], [(e["field"], e["code"]) for e in r["errors"]]) == (
        "not_hard_to_employ",
        [("body.id_number", "not_hard_to_employ")],
    )
    assert "N§6 ¶2" in r["errors"][0]["message"]
    assert {c["name"]: c["met"] for c in r["criteria"]} == {
        "in_flexible_employment": True,
        "hard_to_employ": False,
        "paying_own_contributions": True,
        "within_maximum_period": True,
    }
    assert (await client.get("/social-insurance-subsidies", headers=h)).json() == []  # nothing written
    await client.post(
        "/hard-to-employ",
        json={
            "id_number": pid(24),
            "name": "赵六",
            "region": "220100",
            "categories": ["long_term_unemployed"],
            "certified_on": str(start),
            "review_on": str(TODAY + dt.timedelta(days=200)),
        },
        headers=h,
    )
    approved = await client.post("/social-insurance-subsidies", json=application, headers=h)
    a = approved.json()
    assert (a["state"], a["approved"], a["months_left"]) == ("approved", True, 36), a
    within = next(c for c in a["criteria"] if c["name"] == "within_maximum_period")
    assert {p["name"]: p["value"] for p in within["parameters"]} == {
        "si_subsidy_max_months": "36",
        "si_subsidy_share": "2/3",
    }
    assert within["clause"] == "N§6"
    twice = await client.post("/social-insurance-subsidies", json=application, headers=h)
    assert (twice.status_code, twice.json()["code"]) == (409, "subsidy_active")

    # months 5, 4 and 2 paid; month 3 not; month 1 paid after the agreement expired
    await deliver(db, *(own_month(24, k, 500 + k) for k in (5, 4, 2, 1)))
    # no account yet: the run leaves the subsidy waiting, nothing lost
    waiting = (await make_run(client, h, 2)).json()
    assert (waiting["lines"], waiting["awaiting_account"]) == (0, 1)
    wrong = await client.put(
        f"/social-insurance-subsidies/{a['id']}/payee-account",
        json={"bank_code": "ICBC", "card_number": CARD, "holder_name": "别人"},
        headers=h,
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "holder_not_claimant")
    await payee(client, h, a["id"], CARD)

    draft = (await make_run(client, h, 1)).json()
    # two thirds of 550.00 is 366.666… → 366.67 per month, half up
    assert [(p["line_no"], p["period"], p["amount"], p["state"]) for p in draft["payments"]] == [
        (1, str(month(5)), "366.67", "draft"),
        (2, str(month(4)), "366.67", "draft"),
        (3, str(month(2)), "366.67", "draft"),
    ]
    assert (draft["state"], draft["people"], draft["amount"]) == ("draft", 1, "1100.01")
    not_yet = await client.get(
        f"/social-insurance-subsidies/runs/{draft['id']}/file", params={"bank_code": "ICBC"}, headers=h
    )
    assert (not_yet.status_code, not_yet.json()["code"]) == (409, "run_not_approved")
    same = await client.post(f"/social-insurance-subsidies/runs/{draft['id']}/approve", headers=h)
    assert (same.status_code, same.json()["code"]) == (403, "maker_cannot_approve")
    ok = await client.post(
        f"/social-insurance-subsidies/runs/{draft['id']}/approve", headers=auth_headers(*EMP, sub="checker-2")
    )
    assert ok.status_code == 200, ok.text
    assert {p["state"] for p in ok.json()["payments"]} == {"approved"}
    assert "claims.si_subsidy_paid.v1" not in await outbox_types(db)  # nothing is paid before the bank says so

    # the bank file, as the benefits' (GB18030), and the bank's answer: line 2 failed
    returned = await bank_return(client, h, draft["id"], failed={2: "R03"})
    assert (returned["paid"], returned["failed"], returned["replayed"]) == (2, 1, False)
    assert (await bank_return(client, h, draft["id"], failed={2: "R03"}))["replayed"] is True
    assert (await outbox_types(db)).count("claims.si_subsidy_paid.v1") == 1

    # a month asked about: paid and subsidised; not paid; outside the subsidy
    five = await client.get(f"/social-insurance-subsidies/{a['id']}/months/{month(5):%Y-%m}", headers=h)
    assert (five.status_code, five.json()["amount"], five.json()["payment"]["state"]) == (200, "366.67", "paid")
    three = await client.get(f"/social-insurance-subsidies/{a['id']}/months/{month(3):%Y-%m}", headers=h)
    assert (three.status_code, three.json()["code"], three.json()["errors"][0]["field"]) == (
        422,
        "month_not_paid",
        "path.period",
    )
    one = await client.get(f"/social-insurance-subsidies/{a['id']}/months/{month(1):%Y-%m}", headers=h)
    assert (one.status_code, one.json()["code"]) == (422, "month_outside_subsidy")
    # the agreement is over and the run after its end settled it: the subsidy has ended
    after = (await client.get(f"/social-insurance-subsidies/{a['id']}", headers=h)).json()
    assert (after["state"], after["end_reason"], after["ended_on"]) == (
        "ended",
        "flexible_employment_ended",
        str(agreement_end),
    )
    assert [(p["period"], p["state"]) for p in after["payments"]] == [
        (str(month(5)), "paid"),
        (str(month(4)), "failed"),
        (str(month(2)), "paid"),
    ]
    # month 3 paid late is not subsidised any more; the failed month is paid again once the account is corrected
    await deliver(db, own_month(24, 3, 503))
    await payee(client, h, a["id"], CARD2)
    again = (await make_run(client, h, 0)).json()
    assert (again["reissued"], [(p["period"], p["attempts"]) for p in again["payments"]]) == (1, [(str(month(4)), 2)])
    assert again["payments"][0]["account"].endswith(CARD2[-4:])
    await client.post(
        f"/social-insurance-subsidies/runs/{again['id']}/approve", headers=auth_headers(*EMP, sub="checker-2")
    )
    assert (await bank_return(client, h, again["id"]))["paid"] == 1
    final = (await client.get(f"/social-insurance-subsidies/{a['id']}", headers=h)).json()
    assert {p["state"] for p in final["payments"]} == {"paid"} and len(final["payments"]) == 3
    assert (await outbox_types(db)).count("claims.si_subsidy_paid.v1") == 2
    twice = await client.post(
        "/social-insurance-subsidies/runs", json={"region": "220100", "month": f"{month(0):%Y-%m}"}, headers=h
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "run_exists")


CARD2 = "6222020200112345687"


async def make_run(client, h, k: int):
    r = await client.post(
        "/social-insurance-subsidies/runs", json={"region": "220100", "month": f"{month(k):%Y-%m}"}, headers=h
    )
    assert r.status_code == 201, r.text
    return r


async def payee(client, h, subsidy_id: int, card: str) -> None:
    r = await client.put(
        f"/social-insurance-subsidies/{subsidy_id}/payee-account",
        json={"bank_code": "ICBC", "card_number": card, "holder_name": "赵六"},
        headers=h,
    )
    assert r.status_code == 200, r.text


async def bank_return(client, h, run_id: int, failed: dict[int, str] | None = None) -> dict:
    file = (
        await client.get(f"/social-insurance-subsidies/runs/{run_id}/file", params={"bank_code": "ICBC"}, headers=h)
    ).content
    rows = [line.split(",") for line in file.decode("gb18030").splitlines()[3:-1]]
    assert all(r[5] == "社会保险补贴" for r in rows)
    failed = failed or {}
    body = "line_no,account,amount,status,reason_code,value_date\n" + "".join(
        f"{r[1]},{r[2]},{r[4]}," + (f"failed,{failed[int(r[1])]}" if int(r[1]) in failed else "paid,") + f",{TODAY}\n"
        for r in rows
    )
    r = await client.post(
        f"/social-insurance-subsidies/runs/{run_id}/returns",
        content=body.encode(),
        headers={**h, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_subsidy_ends_when_the_register_says_the_flexible_employment_ended(client, auth_headers, db) -> None:
    h = auth_headers(*EMP)
    await _flexible_worker(db, 25, month(4), month(-12), fid=11)
    await client.post(
        "/hard-to-employ",
        json={
            "id_number": pid(25),
            "name": "赵六",
            "region": "220100",
            "categories": ["disabled"],
            "certified_on": str(month(4)),
            "review_on": str(TODAY + dt.timedelta(days=200)),
        },
        headers=h,
    )
    s = (
        await client.post(
            "/social-insurance-subsidies",
            json={"id_number": pid(25), "name": "赵六", "region": "220100", "applied_on": str(month(4))},
            headers=h,
        )
    ).json()
    assert s["state"] == "approved", s
    await payee(client, h, s["id"], CARD)
    ended = month(2) - dt.timedelta(days=1)
    await deliver(db, spell(25, 11, "agreement", month(4), agreement_end=month(-12), end=ended, status="unemployed"))
    await deliver(db, *(own_month(25, k, 600 + k) for k in (4, 3, 2)))
    run = (
        await client.post(
            "/social-insurance-subsidies/runs", json={"region": "220100", "month": f"{month(1):%Y-%m}"}, headers=h
        )
    ).json()
    assert [p["period"] for p in run["payments"]] == [str(month(4)), str(month(3))]  # not month 2: it had ended


async def test_living_roster_feeds_priority_referrals_only(client, auth_headers, db) -> None:
    await history(db, 26, 30, ended_k=3)
    claim = await active_claim(client, auth_headers, 26, registered_on=month(2))
    h = auth_headers(*EMP)
    await client.post(
        "/hard-to-employ",
        json={
            "id_number": pid(27),
            "name": "孙七",
            "region": "220100",
            "categories": ["minimum_living_family"],
            "certified_on": str(TODAY - dt.timedelta(days=10)),
            "review_on": str(TODAY + dt.timedelta(days=200)),
        },
        headers=h,
    )
    bad = f"id_number\n{pid(26)}\nnot-a-number\n{pid(26)}\n"
    r = await client.post("/living-roster/220100", content=bad.encode(), headers={**h, "content-type": "text/csv"})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["line[3].id_number", "line[4].id_number"]
    assert (await client.get("/living-roster/220100/priority-referrals", headers=h)).json() == []
    good = f"id_number\n{pid(26)}\n{pid(27)}\n{pid(28)}\n"
    r = await client.post(
        "/living-roster/220100",
        content=good.encode("gb18030"),
        headers={**h, "content-type": "text/csv; charset=gb18030"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["lines"] == 3
    listed = (await client.get("/living-roster/220100/priority-referrals", headers=h)).json()
    assert [(x["id_number"], x["claim_id"], x["hard_to_employ_id"] is not None) for x in listed] == [
        (pid(26), claim["id"], False),
        (pid(27), None, True),
    ]  # pid(28) is on the roster but neither a claimant nor hard to employ: not listed
    other = await client.get("/living-roster/220100/priority-referrals", headers=auth_headers(*EMP, region="220200"))
    assert other.status_code == 403
    assert (await client.get("/living-roster/220100/priority-referrals", headers=auth_headers(*INS))).status_code == 403
