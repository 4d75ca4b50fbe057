"""Flexible workers (N§3(2), N§6 ¶1): the real-name register with its status history, and a merged-track flexible
worker's own declarations and payments: the band of the base, the flexible rates, months and quarters, the late
fee, the two ledgers, the period_paid event without a unit, and the street institutions' bulk form."""

import datetime as dt

from insurance_shared import person_key

from ..helpers import CITY, TODAY, enrol, first_of, months_ago, resident_id, unit
from .test_payments import emitted, trial_balance


async def flexible_enrol(client, h, n: int, start: str = "2020-01-01", region: str = "220100") -> dict:
    body = {
        "id_number": resident_id(n),
        "name": "李四",
        "track": "flexible",
        "region": region,
        "start_date": start,
        "wage": "3000.00",
    }
    r = await client.post("/persons/enrolments", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def on_time(period: str) -> str:
    """A day the month's own contributions are paid without a late fee: its due day (the 15th of the next month),
    or today if that has not come yet."""
    first = first_of(period)
    due = dt.date(first.year + first.month // 12, first.month % 12 + 1, 15)
    return str(min(due, TODAY))


def agreement(n: int, start: str, end: str, **extra) -> dict:
    return {
        "id_number": resident_id(n),
        "name": "李四",
        "region": "220100",
        "kind": "agreement",
        "start_date": start,
        "agreement_no": f"长劳协-{n}",
        "agreement_end": end,
        **extra,
    }


async def test_register_an_agreement_and_its_status_history(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    start = str(TODAY - dt.timedelta(days=90))
    body = agreement(1, start, str(TODAY + dt.timedelta(days=275)))
    unknown = await client.post("/flexible-employments", json={**body, "document_id": "0" * 64}, headers=h)
    assert (unknown.status_code, unknown.json()["code"], unknown.json()["errors"][0]["field"]) == (
        422,
        "unknown_document",
        "body.document_id",
    )
    scan = await client.post(
        "/documents",
        params={"kind": "flexible_agreement"},
        content=b"%PDF-1.7\n%%EOF\n",
        headers={**h, "Content-Type": "application/pdf"},
    )
    assert scan.status_code == 201, scan.text
    r = await client.post("/flexible-employments", json={**body, "document_id": scan.json()["id"]}, headers=h)
    assert r.status_code == 201, r.text
    f = r.json()
    assert (f["kind"], f["status"], f["end_date"], f["agreement_no"]) == (
        "agreement",
        "working_flexibly",
        None,
        "长劳协-1",
    )
    assert [c["status"] for c in f["history"]] == ["working_flexibly"]
    changed = await emitted(db, "contributions.flexible_employment_changed.v2")
    assert [(e["status"], e["document_ref"], e["agreement_end"], e["document_id"]) for e in changed] == [
        ("working_flexibly", "长劳协-1", str(TODAY + dt.timedelta(days=275)), scan.json()["id"])
    ]
    assert f["document_id"] == scan.json()["id"]

    # the person's own enrolment on the merged track ends with the flexible employment
    enrolment = await flexible_enrol(client, h, 1, start=start)
    on = TODAY - dt.timedelta(days=10)
    r = await client.post(
        f"/flexible-employments/{f['id']}/status", json={"status": "unemployed", "on": str(on)}, headers=h
    )
    assert r.status_code == 200, r.text
    ended = r.json()
    assert (ended["status"], ended["end_date"]) == ("unemployed", str(on - dt.timedelta(days=1)))
    assert [c["status"] for c in ended["history"]] == ["working_flexibly", "unemployed"]
    person = (await client.get(f"/persons/{resident_id(1)}", headers=h)).json()
    assert [(e["id"], e["end_date"], e["separation_reason"]) for e in person["employments"]] == [
        (enrolment["id"], str(on - dt.timedelta(days=1)), "flexible_employment_ended")
    ]
    assert [e["track"] for e in await emitted(db, "contributions.employment_ended.v2")] == ["flexible"]
    assert [e["status"] for e in await emitted(db, "contributions.flexible_employment_changed.v2")] == [
        "working_flexibly",
        "unemployed",
    ]
    again = await client.post(
        f"/flexible-employments/{f['id']}/status", json={"status": "reemployed", "on": str(TODAY)}, headers=h
    )
    assert (again.status_code, again.json()["code"]) == (409, "flexible_employment_ended")
    listed = (await client.get("/flexible-employments", params={"status": "unemployed"}, headers=h)).json()
    assert [x["id"] for x in listed] == [f["id"]]


async def test_register_refuses_what_cannot_be(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    cases = [
        (agreement(2, "2026-03-01", "2026-02-28"), "agreement_ends_before_start", "body.agreement_end"),
        ({**agreement(2, "2026-03-01", "2027-02-28"), "agreement_no": None}, "agreement_required", "body.agreement_no"),
        ({**agreement(2, "2026-03-01", "2027-02-28"), "end_date": "2026-02-01"}, "end_before_start", "body.end_date"),
        (
            {
                "id_number": resident_id(2),
                "name": "李四",
                "region": "220100",
                "kind": "licence",
                "start_date": "2026-03-01",
            },
            "licence_required",
            "body.licence_no",
        ),
        ({**agreement(2, str(TODAY + dt.timedelta(days=1)), "2099-01-01")}, "date_in_future", "body.start_date"),
    ]
    for body, code, field in cases:
        r = await client.post("/flexible-employments", json=body, headers=h)
        assert r.status_code == 422, (code, r.text)
        assert (r.json()["errors"][0]["code"], r.json()["errors"][0]["field"]) == (code, field), r.text
    first = await client.post(
        "/flexible-employments",
        json={**agreement(2, "2025-01-01", "2025-12-31"), "end_date": "2025-12-31"},
        headers=h,
    )
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "unemployed"
    overlapping = await client.post("/flexible-employments", json=agreement(2, "2025-12-01", "2026-11-30"), headers=h)
    assert overlapping.status_code == 422
    assert (overlapping.json()["code"], overlapping.json()["errors"][0]["field"]) == (
        "overlapping_flexible_employment",
        "body.start_date",
    )
    after = await client.post("/flexible-employments", json=agreement(2, "2026-01-01", "2026-12-31"), headers=h)
    assert after.status_code == 201, after.text
    assert len(await emitted(db, "contributions.flexible_employment_changed.v2")) == 2


async def test_own_months_at_the_flexible_rates_paid_and_announced_without_a_unit(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    await flexible_enrol(client, h, 3)
    period = months_ago(1)
    # 220100: floor 2500.00, ceiling 12500.00 (rules/parameters.json)
    for base in ("2499.99", "12500.01"):
        r = await client.post(
            f"/flexible-workers/{resident_id(3)}/declarations", json={"period": period, "base": base}, headers=h
        )
        assert r.status_code == 422, r.text
        assert (r.json()["code"], r.json()["errors"][0]["field"]) == ("base_outside_band", "body.base")
    r = await client.post(
        f"/flexible-workers/{resident_id(3)}/declarations", json={"period": period, "base": "3000.00"}, headers=h
    )
    assert r.status_code == 201, r.text
    (d,) = r.json()["declarations"]
    assert (d["unit_credit_code"], d["unit_share_payer"], d["pension_person"], d["unemployment_person"]) == (
        None,
        "person",
        "600.00",
        "60.00",
    )
    assert (d["pension_unit"], d["unemployment_unit"], r.json()["total"]) == ("0.00", "0.00", "660.00")
    assert {p["name"] for p in d["parameters"]} >= {"flexible_pension_rate", "flexible_unemployment_rate", "base_floor"}
    twice = await client.post(
        f"/flexible-workers/{resident_id(3)}/declarations", json={"period": period, "base": "3000.00"}, headers=h
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "period_declared")

    paid = await client.post(
        f"/flexible-workers/{resident_id(3)}/payments", json={"amount": "660.00", "paid_on": on_time(period)}, headers=h
    )
    assert paid.status_code == 201, paid.text
    p = paid.json()
    assert (p["unit_credit_code"], p["payer"], [a["period_paid"] for a in p["allocations"]]) == (None, "person", [True])
    (event,) = await emitted(db, "contributions.period_paid.v2")
    assert (event["unit_credit_code"], event["period"], event["region"]) == (None, period, "220100")
    # the subsidy's measure: both contributions at the floor, 2500.00 × 22% = 550.00
    assert event["people"] == [{"person": person_key(resident_id(3)), "unemployment_fen": 6000, "floor_fen": 55000}]
    collected = await emitted(db, "contributions.money_collected.v2")
    assert {(c["fund"], c["principal_fen"], c["payment_id"]) for c in collected} == {
        ("pension", 60000, p["id"]),
        ("unemployment", 6000, p["id"]),
    }
    history = (await client.get(f"/persons/{resident_id(3)}/history", headers=h)).json()
    assert history["paid_months_total"] == 1 and history["groups"][0]["unit_credit_code"] is None
    assert (await trial_balance(client, auth_headers))["balanced"]
    totals = (
        await client.get(
            "/totals",
            params={"from": f"{TODAY:%Y-%m}", "to": f"{TODAY:%Y-%m}"},
            headers=auth_headers("province", region="220000"),
        )
    ).json()
    assert f"contributions:payment:{p['id']}:unemployment" in {i["key"] for i in totals.get("items", [])}, totals


async def test_a_quarter_late_pays_its_fee_first(client, auth_headers) -> None:
    h = auth_headers(*CITY)
    await flexible_enrol(client, h, 4)
    year = TODAY.year - 1
    wrong = await client.post(
        f"/flexible-workers/{resident_id(4)}/declarations",
        json={"period": f"{year}-02", "frequency": "quarterly", "base": "3000.00"},
        headers=h,
    )
    assert (wrong.status_code, wrong.json()["code"], wrong.json()["errors"][0]["field"]) == (
        422,
        "invalid_quarter",
        "body.period",
    )
    r = await client.post(
        f"/flexible-workers/{resident_id(4)}/declarations",
        json={"period": f"{year}-04", "frequency": "quarterly", "base": "3000.00"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    ds = r.json()["declarations"]
    assert [d["period"] for d in ds] == [f"{year}-04", f"{year}-05", f"{year}-06"]
    assert {d["due_date"] for d in ds} == {f"{year}-07-15"}  # all due with the quarter's last month
    arrears = (
        await client.get(f"/flexible-workers/{resident_id(4)}/arrears", params={"on": f"{year}-07-25"}, headers=h)
    ).json()
    # 10 days late at 2‰ a day on 1980.00 owed: 39.60
    assert (arrears["total"], [p["days_late"] for p in arrears["periods"]]) == ("2019.60", [10, 10, 10])
    paid = await client.post(
        f"/flexible-workers/{resident_id(4)}/payments",
        json={"amount": "2019.60", "paid_on": f"{year}-07-25"},
        headers=h,
    )
    assert paid.status_code == 201, paid.text
    assert (paid.json()["late_fee_charged"], all(a["period_paid"] for a in paid.json()["allocations"])) == (
        "39.60",
        True,
    )
    # #23: the person appeals the fee; overturned, the 39.60 paid is their credit
    appeal = await client.post(
        f"/decisions/{paid.json()['late_fee_decision_id']}/appeals",
        json={"grounds": "街道代收后延迟划转"},
        headers=auth_headers(*CITY, sub="officer-1"),
    )
    assert appeal.status_code == 201, appeal.text
    review = await client.post(
        f"/appeals/{appeal.json()['id']}/review",
        json={"outcome": "overturned", "reasons": "本人按期缴纳", "clause": "C13"},
        headers=auth_headers(*CITY, sub="officer-2"),
    )
    assert review.status_code == 200, review.text
    refunds = (await client.get(f"/late-fee-refunds?payer={resident_id(4)}", headers=h)).json()
    assert [r["payer_id_number"] for r in refunds] == [resident_id(4)] * 3  # one per month charged
    assert (
        sum(round(float(r["credited_pension"]) * 100 + float(r["credited_unemployment"]) * 100) for r in refunds)
        == 3960
    )
    credit = (await client.get(f"/flexible-workers/{resident_id(4)}/arrears", headers=h)).json()["credit"]
    assert credit == "39.60"


async def test_months_outside_the_enrolment_and_people_not_enrolled_are_refused(client, auth_headers) -> None:
    h = auth_headers(*CITY)
    nobody = await client.post(
        f"/flexible-workers/{resident_id(5)}/declarations", json={"period": months_ago(1), "base": "3000.00"}, headers=h
    )
    assert (nobody.status_code, nobody.json()["code"]) == (404, "person_not_found")  # as for another region's
    code = await unit(client, h)
    await enrol(client, h, code, 9)  # known here, but only through a unit
    unit_only = await client.post(
        f"/flexible-workers/{resident_id(9)}/declarations", json={"period": months_ago(1), "base": "3000.00"}, headers=h
    )
    assert (unit_only.status_code, unit_only.json()["code"], unit_only.json()["errors"][0]["field"]) == (
        422,
        "not_enrolled_flexible",
        "path.id_number",
    )
    await flexible_enrol(client, h, 5, start=str(first_of(months_ago(2))))
    before = await client.post(
        f"/flexible-workers/{resident_id(5)}/declarations", json={"period": months_ago(3), "base": "3000.00"}, headers=h
    )
    assert (before.status_code, before.json()["code"]) == (422, "not_enrolled_in_period")
    future = await client.post(
        f"/flexible-workers/{resident_id(5)}/declarations",
        json={"period": months_ago(-1), "base": "3000.00"},
        headers=h,
    )
    assert (future.status_code, future.json()["code"]) == (422, "period_in_future")
    nothing = await client.post(f"/flexible-workers/{resident_id(5)}/payments", json={"amount": "10.00"}, headers=h)
    assert (nothing.status_code, nothing.json()["code"]) == (422, "nothing_owed")
    other = await client.post(
        f"/flexible-workers/{resident_id(5)}/declarations",
        json={"period": months_ago(1), "base": "3000.00"},
        headers=auth_headers("social_insurance", region="220200"),
    )
    assert (other.status_code, other.json()["code"]) == (404, "person_not_found"), other.text
    for path in (f"/flexible-workers/{resident_id(5)}/arrears",):
        assert (await client.get(path, headers=auth_headers("social_insurance", region="220200"))).status_code == 404


async def test_bulk_from_a_street_institution_is_all_or_nothing(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    for n in (6, 7):
        await flexible_enrol(client, h, n)
    period = months_ago(1)
    bad = (
        "id_number,period,base,frequency,paid_on\n"
        f"{resident_id(6)},{period},3000.00,monthly,{on_time(period)}\n"
        f"{resident_id(7)},{period},100.00,,\n"
        f"{resident_id(8)},{period},3000.00,,\n"
    )
    r = await client.post(
        "/flexible-workers/contributions/bulk", content=bad.encode(), headers={**h, "content-type": "text/csv"}
    )
    assert r.status_code == 422, r.text
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [
        ("line[3].base", "base_outside_band"),
        ("line[4].id_number", "not_enrolled_flexible"),
    ]
    assert await emitted(db, "contributions.period_paid.v2") == []
    assert (await client.get(f"/flexible-workers/{resident_id(6)}/arrears", headers=h)).json()["periods"] == []

    good = bad.replace("100.00", "2600.00").replace(f"{resident_id(8)},{period},3000.00,,\n", "")
    r = await client.post(
        "/flexible-workers/contributions/bulk",
        content=good.encode("gb18030"),
        headers={**h, "content-type": "text/csv; charset=gb18030"},
    )
    assert r.status_code == 201, r.text
    assert r.json() == {
        "lines": 2,
        "people": 2,
        "declarations": 2,
        "payments": 1,
        "declared": "1232.00",
        "paid": "660.00",
    }
    assert [e["people"][0]["person"] for e in await emitted(db, "contributions.period_paid.v2")] == [
        person_key(resident_id(6))
    ]
    owed = await client.get(f"/flexible-workers/{resident_id(7)}/arrears", params={"on": on_time(period)}, headers=h)
    assert owed.json()["total"] == "572.00"
    assert (await trial_balance(client, auth_headers))["balanced"]
