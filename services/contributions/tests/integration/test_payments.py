"""Payments: oldest first, proportional within a period, late fee (C13), credit, fiscal payer (N§2 ¶2),
provincial-direct remittance (N§3(4)), and a ledger that always balances."""

import datetime as dt
import json

from sqlalchemy import select, text

from insurance_shared import person_key
from insurance_shared.events.outbox import outbox

from ..helpers import CITY, TODAY, declare, enrol, first_of, months_ago, resident_id, unit

PROVINCE = ("province",)


async def emitted(db, type_: str) -> list[dict]:
    async with db.sessionmaker() as s:
        rows = (
            await s.execute(select(outbox.c.envelope).where(outbox.c.type == type_).order_by(outbox.c.id))
        ).scalars()
        return [json.loads(r)["data"] for r in rows]


async def emitted_all(db) -> list[dict]:
    async with db.sessionmaker() as s:
        rows = (await s.execute(select(outbox.c.envelope).order_by(outbox.c.id))).scalars()
        return [json.loads(r) for r in rows]


async def trial_balance(client, auth_headers) -> dict:
    return (await client.get("/ledger/trial-balance", headers=auth_headers("province", region="220000"))).json()


async def test_oldest_first_proportional_and_months_paid(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    await enrol(client, h, code, 1)
    old, new = months_ago(3), months_ago(2)
    await declare(client, h, code, old, {1: "5000"})  # 1550.00: pension 1400, unemployment 150
    await declare(client, h, code, new, {1: "5000"})
    # paid on the old period's due date: no late fee on it yet
    due_old = dt.date(first_of(old).year + first_of(old).month // 12, first_of(old).month % 12 + 1, 15)
    r = await client.post(f"/units/{code}/payments", json={"amount": "2325.00", "paid_on": str(due_old)}, headers=h)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["late_fee_charged"] == "0.00"
    assert [(a["period"], a["pension"], a["unemployment"], a["period_paid"]) for a in p["allocations"]] == [
        (old, "1400.00", "150.00", True),
        (new, "700.00", "75.00", False),  # 775 split 1400:150
    ]
    paid = await emitted(db, "contributions.period_paid.v2")
    assert [(p["unit_credit_code"], p["period"], p["region"], p["part"], p["parts"]) for p in paid] == [
        (code, old, "220100", 1, 1)
    ]
    assert paid[0]["people"] == [{"person": person_key(resident_id(1)), "unemployment_fen": 15000}]
    collected = await emitted(db, "contributions.money_collected.v2")
    assert {(c["fund"], c["principal_fen"] + c["late_fee_fen"]) for c in collected} == {
        ("pension", 210000),
        ("unemployment", 22500),
    }
    history = (await client.get(f"/persons/{resident_id(1)}/history", headers=h)).json()
    assert history["paid_months_total"] == 1
    assert [(m["period"], m["paid"]) for m in history["groups"][0]["months"]] == [(old, True), (new, False)]
    assert (await trial_balance(client, auth_headers))["balanced"]


async def test_a_large_declaration_is_announced_in_parts(client, auth_headers, db, monkeypatch) -> None:
    # the part size is 1,000 people; five people in parts of two exercise the same code
    monkeypatch.setattr("contributions.payments.service.PERIOD_PAID_PART_SIZE", 2)
    h = auth_headers(*CITY)
    code = await unit(client, h)
    for n in range(1, 6):
        await enrol(client, h, code, n)
    period = months_ago(2)
    assert (await declare(client, h, code, period, dict.fromkeys(range(1, 6), "5000"))).status_code == 201
    r = await client.post(f"/units/{code}/payments", json={"amount": "9000.00", "paid_on": str(TODAY)}, headers=h)
    assert r.status_code == 201, r.text
    paid = await emitted(db, "contributions.period_paid.v2")
    assert [(p["part"], p["parts"], p["period"], p["declaration_id"]) for p in paid] == [
        (1, 3, period, paid[0]["declaration_id"]),
        (2, 3, period, paid[0]["declaration_id"]),
        (3, 3, period, paid[0]["declaration_id"]),
    ]
    assert [x["person"] for p in paid for x in p["people"]] == [person_key(resident_id(n)) for n in range(1, 6)]


async def test_late_fee_and_credit(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    await enrol(client, h, code, 1)
    period = months_ago(3)
    await declare(client, h, code, period, {1: "5000"})
    arrears = (await client.get(f"/units/{code}/arrears", headers=h)).json()
    (item,) = arrears["periods"]
    days = item["days_late"]
    assert days > 0
    # 2‰ a day on 1400.00 and 150.00 separately, half up per ledger (C13)
    expected_fee = round(140000 * 0.002 * days) + round(15000 * 0.002 * days)
    assert item["late_fee"] == f"{expected_fee // 100}.{expected_fee % 100:02d}"
    r = await client.post(f"/units/{code}/payments", json={"amount": "5000.00"}, headers=h)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["late_fee_charged"] == item["late_fee"]
    assert p["allocations"][0]["period_paid"]
    # #23: the arrears and the fee charged explain themselves: the rate in force, from which day, and the record
    assert (item["late_fee_rule"]["name"], item["late_fee_rule"]["value"], item["late_fee_rule"]["clause"]) == (
        "late_fee_daily_rate",
        "0.002",
        "C13",
    )
    assert item["fee_from"] == str(dt.date.fromisoformat(item["due_date"]) + dt.timedelta(days=1))
    decision = (await client.get(f"/decisions/{p['late_fee_decision_id']}", headers=h)).json()
    assert (decision["kind"], decision["outcome"], decision["unit"], decision["decided_by"]) == (
        "contributions.late_fee",
        "late_fee_charged",
        code,
        "system",
    )
    (late,) = decision["criteria"]
    assert (late["values"]["days_late"], late["parameters"][0]["value"], late["clause"]) == (days, "0.002", "C13")
    assert late["values"]["fee_pension_fen"] + late["values"]["fee_unemployment_fen"] == expected_fee
    listed = (await client.get(f"/decisions?unit={code}", headers=h)).json()["items"]
    assert [d["id"] for d in listed] == [decision["id"]]
    other = auth_headers("social_insurance", region="220200")
    assert (await client.get(f"/decisions/{decision['id']}", headers=other)).status_code == 404
    # #20: the event names principal and late fee apart, their sum is what the fund received (150.00 owed on the
    # unemployment ledger; its late fee at 2‰ a day); v1's amount held the fee and fund-monitor added it again
    (unemployment,) = [c for c in await emitted(db, "contributions.money_collected.v2") if c["fund"] == "unemployment"]
    fee_u = round(15000 * 0.002 * days)
    assert (unemployment["principal_fen"], unemployment["late_fee_fen"]) == (15000, fee_u)
    paid_total = 155000 + expected_fee
    assert p["credit_created"] == f"{(500000 - paid_total) // 100}.{(500000 - paid_total) % 100:02d}"
    after = (await client.get(f"/units/{code}/arrears", headers=h)).json()
    assert after["periods"] == [] and after["credit"] == p["credit_created"]
    nothing = await client.post(f"/units/{code}/payments", json={"amount": "1.00"}, headers=h)
    assert nothing.status_code == 422 and nothing.json()["code"] == "nothing_owed"
    # the credit pays the next period first
    await declare(client, h, code, months_ago(1), {1: "5000"})
    r = await client.post(f"/units/{code}/payments", json={"amount": "0.01"}, headers=h)
    assert r.json()["credit_used"] != "0.00"
    assert (await trial_balance(client, auth_headers))["balanced"]


async def test_fiscal_budget_payer_only_for_fully_funded(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    await enrol(client, h, code, 1)
    await declare(client, h, code, months_ago(1), {1: "5000"})
    r = await client.post(f"/units/{code}/payments", json={"amount": "100.00", "payer": "fiscal_budget"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.payer"
    inst = await unit(client, h, n=2, kind="public_institution", fully_budget_funded=True)
    await enrol(client, h, inst, 2)
    d = (await declare(client, h, inst, months_ago(1), {2: "5000"})).json()
    assert d["unit_share_payer"] == "fiscal_budget"
    r = await client.post(f"/units/{inst}/payments", json={"amount": "1100.00", "payer": "fiscal_budget"}, headers=h)
    assert r.status_code == 201 and r.json()["payer"] == "fiscal_budget"


async def test_bad_payments_write_nothing(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    await enrol(client, h, code, 1)
    await declare(client, h, code, months_ago(1), {1: "5000"})
    for body, field, err in [
        ({"amount": "10.005"}, "body.amount", "money_precision"),
        ({"amount": "0"}, "body.amount", "amount_not_positive"),
        ({"amount": "10.00", "paid_on": str(TODAY + dt.timedelta(days=3))}, "body.paid_on", "date_in_future"),
        # #20: these were booked, and fund-monitor's journal pages answered 500 from then on
        ({"amount": "40.00", "paid_on": "1398-08-12"}, "body.paid_on", "date_before_law"),
        ({"amount": "40.00", "paid_on": "0275-10-04"}, "body.paid_on", "date_before_law"),
        ({"amount": "40.00", "paid_on": "2004-12-31"}, "body.paid_on", "date_before_law"),
    ]:
        r = await client.post(f"/units/{code}/payments", json=body, headers=h)
        assert r.status_code == 422, r.text
        assert (r.json()["errors"][0]["field"], r.json()["errors"][0]["code"]) == (field, err)
    async with db.sessionmaker() as s:
        assert (await s.execute(text("SELECT count(*) FROM payments"))).scalar_one() == 0


async def test_provincial_direct_remittance(client, auth_headers, db) -> None:
    prov = auth_headers(*PROVINCE, region="220000")
    code = await unit(client, prov, n=7, region="220000", provincial_direct=True, home_region="220200")
    await enrol(client, prov, code, 1)
    period = months_ago(2)
    d = (await declare(client, prov, code, period, {1: "5000"})).json()
    assert (d["region"], d["home_region"]) == ("220000", "220200")
    paid_on = first_of(months_ago(1))
    r = await client.post(f"/units/{code}/payments", json={"amount": "1550.00", "paid_on": str(paid_on)}, headers=prov)
    assert r.status_code == 201, r.text
    balances = {
        (b["region"], b["fund"], b["kind"]): b["balance"]
        for b in (await client.get("/ledger/balances", headers=prov)).json()
    }
    assert balances[("220000", "unemployment", "provincial_clearing")] == 15000
    assert ("220200", "unemployment", "fund") not in balances
    run = await client.post("/remittances/run", json={"month": months_ago(1)}, headers=prov)
    assert run.status_code == 200, run.text
    (rem,) = run.json()["remittances"]
    assert (rem["home_region"], rem["amount"], run.json()["created"]) == ("220200", "150.00", True)
    assert len(rem["allocation_ids"]) == 1
    again = await client.post("/remittances/run", json={"month": months_ago(1)}, headers=prov)
    assert again.json()["created"] is False and again.json()["remittances"][0]["id"] == rem["id"]
    balances = {
        (b["region"], b["fund"], b["kind"]): b["balance"]
        for b in (await client.get("/ledger/balances", headers=prov)).json()
    }
    assert balances[("220000", "unemployment", "provincial_clearing")] == 0
    assert balances[("220200", "unemployment", "fund")] == 15000
    made = await emitted(db, "contributions.remittance_made.v1")
    assert [(m["home_region"], m["amount_fen"]) for m in made] == [("220200", 15000)]
    collected = await emitted(db, "contributions.money_collected.v2")
    assert {(c["fund"], c["via_province"]) for c in collected} == {("pension", False), ("unemployment", True)}
    assert (await client.post("/remittances/run", json={"month": months_ago(0)}, headers=prov)).status_code == 422
    city = await client.post("/remittances/run", json={"month": months_ago(1)}, headers=auth_headers(*CITY))
    assert city.status_code == 403
    assert (await trial_balance(client, auth_headers))["balanced"]

    # its own account for fund-monitor's reconciliation (#20): held by the province, then remitted to 220200
    totals = await client.get(f"/totals?from={months_ago(1)}&to={months_ago(0)}", headers=prov)
    assert totals.status_code == 200, totals.text
    items = [(i["key"], i["region"], i["kind"], i["amount_fen"]) for i in totals.json()["items"]]
    assert (f"contributions:payment:{r.json()['id']}:unemployment", "220000", "held_for_regions", 15000) in items
    assert (f"contributions:remittance:{rem['id']}", "220200", "remittance", 15000) in items
    mine = await client.get(f"/totals?from={months_ago(1)}&to={months_ago(0)}", headers=auth_headers(*CITY))
    assert mine.json()["region"] == "220100" and mine.json()["items"] == []  # a city sees its own region
    other = await client.get(
        f"/totals?from={months_ago(1)}&to={months_ago(0)}&region=220200", headers=auth_headers(*CITY)
    )
    assert other.status_code == 403


async def test_totals_name_principal_and_late_fee_of_each_payment(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    await enrol(client, h, code, 1)
    await declare(client, h, code, months_ago(3), {1: "5000"})
    paid = (await client.post(f"/units/{code}/payments", json={"amount": "2000.00"}, headers=h)).json()
    (unemployment,) = [c for c in await emitted(db, "contributions.money_collected.v2") if c["fund"] == "unemployment"]
    r = await client.get(f"/totals?from={months_ago(0)}&to={months_ago(0)}", headers=h)
    assert r.status_code == 200, r.text
    key = f"contributions:payment:{paid['id']}:unemployment"
    assert {(i["key"], i["kind"], i["amount_fen"]) for i in r.json()["items"]} == {
        (key, "contributions", unemployment["principal_fen"]),
        (key, "late_fees", unemployment["late_fee_fen"]),
    }
    assert [(s["kind"], s["items"]) for s in r.json()["sums"]] == [("contributions", 1), ("late_fees", 1)]
    long = await client.get("/totals?from=2020-01&to=2026-12", headers=h)
    assert long.status_code == 422 and long.json()["code"] == "range_too_long"


async def test_parameters_dated_and_province_only(client, auth_headers, db) -> None:
    prov = auth_headers(*PROVINCE, region="220000")
    start = str(TODAY + dt.timedelta(days=40))
    body = {
        "name": "unemployment_unit_rate",
        "region": "220100",
        "value": "0.015",
        "valid_from": start,
        "reference": "吉人社发〔2026〕1号",
    }
    assert (await client.post("/parameters", json=body, headers=auth_headers(*CITY))).status_code == 403
    r = await client.post("/parameters", json=body, headers=prov)
    assert r.status_code == 201, r.text
    now = {p["name"]: p["value"] for p in (await client.get("/parameters?region=220100", headers=prov)).json()}
    later = {
        p["name"]: p["value"] for p in (await client.get(f"/parameters?region=220100&on={start}", headers=prov)).json()
    }
    assert (now["unemployment_unit_rate"], later["unemployment_unit_rate"]) == ("0.02", "0.015")
    past = await client.post("/parameters", json={**body, "valid_from": "2020-01-01"}, headers=prov)
    assert past.status_code == 422 and past.json()["code"] == "valid_from_in_past"
    bad = await client.post("/parameters", json={**body, "value": "2", "valid_from": str(TODAY)}, headers=prov)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_parameter_value"
    # #18 item 3: each value carries its reference, and the set keeps floor under ceiling
    history = (
        await client.get(f"/parameters?region=220100&on={start}&name=unemployment_unit_rate", headers=prov)
    ).json()
    assert [(h["value"], h["reference"]) for h in history[0]["history"]] == [
        ("0.02", "R6"),
        ("0.015", "吉人社发〔2026〕1号"),
    ]
    crossed = {**body, "name": "base_floor", "value": "20000.00"}
    r = await client.post("/parameters", json=crossed, headers=prov)
    assert r.status_code == 422 and "must lie below the base ceiling 12500.00" in r.text
    assert "contributions.parameter_set.v1" in [e["type"] for e in await emitted_all(db)]


async def test_a_value_set_since_the_last_upload_prices_the_next(client, auth_headers, db) -> None:
    """The values read by one upload are reused by the process only while none is added (#27): a rate set since
    (written here as another replica would have committed it) prices the next declaration."""
    h = auth_headers(*CITY)
    code = await unit(client, h, 1)
    await enrol(client, h, code, 1)
    first = await declare(client, h, code, months_ago(3), {1: "5000"})
    assert first.status_code == 201 and first.json()["unemployment_unit"] == "100.00", first.text
    async with db.sessionmaker() as s:
        await s.execute(
            text(
                "INSERT INTO dated_parameters (name, region, value, valid_from, reference, created_by, created_at) "
                "VALUES ('unemployment_unit_rate', '220100', '0.015', :d, '测试', 'test', now())"
            ),
            {"d": first_of(months_ago(2))},
        )
        await s.commit()
    second = await declare(client, h, code, months_ago(2), {1: "5000"})
    assert second.status_code == 201 and second.json()["unemployment_unit"] == "75.00", second.text
    again = await declare(client, h, code, months_ago(4), {1: "5000"})  # before the new value: the old rate
    assert again.status_code == 201 and again.json()["unemployment_unit"] == "100.00", again.text


async def bulk_pay(client, h, body: str, media: str = "text/csv"):
    return await client.post("/payments/bulk", content=body.encode(), headers={**h, "content-type": media})


async def test_a_return_file_records_each_line_as_a_single_payment_would(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    a, b = await unit(client, h, 1), await unit(client, h, 2)
    await enrol(client, h, a, 1)
    await enrol(client, h, b, 2)
    old, new = months_ago(3), months_ago(2)
    for code, n in ((a, 1), (b, 2)):
        await declare(client, h, code, old, {n: "5000"})
        await declare(client, h, code, new, {n: "5000"})
    due_old = dt.date(first_of(old).year + first_of(old).month // 12, first_of(old).month % 12 + 1, 15)
    body = (
        "credit_code,amount,paid_on\n"
        f"{a},1550.00,{due_old}\n"  # on time: the old period, no fee
        f"{b.lower()},3100.00,{due_old}\n"  # both periods at once; the code in lower case is still the unit
        f"{a},1800.00,{TODAY}\n"  # late: the fee first, the rest is credit
    )
    r = await bulk_pay(client, h, body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["payments"], out["amount"]) == (3, "6450.00")
    items = out["items"]
    assert [(i["line"], i["unit_credit_code"], i["periods_paid"]) for i in items] == [
        (2, a, [old]),
        (3, b, [old, new]),
        (4, a, [new]),
    ]
    assert items[0]["late_fee_charged"] == "0.00" and items[1]["late_fee_charged"] == "0.00"
    fee = int(items[2]["late_fee_charged"].replace(".", ""))
    assert fee > 0 and out["late_fees"] == items[2]["late_fee_charged"]
    assert int(items[2]["credit_created"].replace(".", "")) == 180000 - 155000 - fee
    arrears = (await client.get(f"/units/{a}/arrears", headers=h)).json()
    assert arrears["periods"] == [] and arrears["credit"] == items[2]["credit_created"]
    paid_months = [
        (p["person"], m["period"]) for m in await emitted(db, "contributions.period_paid.v2") for p in m["people"]
    ]
    assert sorted(paid_months) == sorted(
        [(person_key(resident_id(n)), m) for n, m in ((1, old), (2, old), (2, new), (1, new))]
    )
    assert len(await emitted(db, "contributions.money_collected.v2")) == 6  # two funds per payment
    assert (await trial_balance(client, auth_headers))["balanced"]


async def test_a_return_file_with_any_bad_line_records_nothing(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    a = await unit(client, h, 1)
    other = await unit(client, auth_headers(*CITY, region="220200"), 3, region="220200")
    await enrol(client, h, a, 1)
    await declare(client, h, a, months_ago(2), {1: "5000"})
    nothing_owed = await unit(client, h, 4)
    body = (
        f'{{"credit_code": "{a}", "amount": "100.00", "paid_on": "{TODAY}"}}\n'
        "not json\n"
        f'{{"credit_code": "{a}", "amount": "-5.00", "paid_on": "{TODAY}"}}\n'
        f'{{"credit_code": "{a}", "amount": "5.00"}}\n'
        f'{{"credit_code": "{a}", "amount": "5.00", "paid_on": "{TODAY + dt.timedelta(days=1)}"}}\n'
        f'{{"credit_code": "{other}", "amount": "5.00", "paid_on": "{TODAY}"}}\n'
        f'{{"credit_code": "{nothing_owed}", "amount": "5.00", "paid_on": "{TODAY}"}}\n'
        f'{{"credit_code": "{a}", "amount": "5.00", "paid_on": "{TODAY}", "payer": "fiscal_budget"}}\n'
        f'{{"amount": "5.00", "paid_on": "{TODAY}"}}\n'
    )
    r = await bulk_pay(client, h, body, "application/x-ndjson")
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "payments_invalid"
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [
        ("line[2]", "bad_json_line"),
        ("line[3].amount", "money_negative"),
        ("line[4].paid_on", "missing"),
        ("line[5].paid_on", "date_in_future"),
        ("line[6].credit_code", "unknown_unit"),  # another region's unit is not yours to book
        ("line[7].amount", "nothing_owed"),
        ("line[8].payer", "payer_not_allowed"),
        ("line[9].credit_code", "missing"),
    ]
    async with db.sessionmaker() as s:
        assert (await s.execute(text("SELECT count(*) FROM payments"))).scalar_one() == 0
    assert await emitted(db, "contributions.money_collected.v2") == []
    assert (await bulk_pay(client, h, "credit_code,amount,paid_on\n")).json()["code"] == "no_lines"
    missing = await bulk_pay(client, h, "credit_code,amount\nx,1\n")
    assert missing.status_code == 422 and missing.json()["code"] == "csv_missing_column"


async def _overturn(client, auth_headers, decision_id: int, region: str = "220100") -> dict:
    """The payer appeals a decision through the social-insurance agency; another officer overturns it."""
    appeal = await client.post(
        f"/decisions/{decision_id}/appeals",
        json={"grounds": "已按期缴纳, 系银行延迟到账"},
        headers=auth_headers("social_insurance", region=region, sub="officer-1"),
    )
    assert appeal.status_code == 201, appeal.text
    review = await client.post(
        f"/appeals/{appeal.json()['id']}/review",
        json={"outcome": "overturned", "reasons": "银行回单证明按期缴纳", "clause": "C13"},
        headers=auth_headers("social_insurance", region=region, sub="officer-2"),
    )
    assert review.status_code == 200, review.text
    return review.json()


def _balances(rows: list[dict]) -> dict:
    return {(b["region"], b["fund"], b["kind"]): b["balance"] for b in rows}


async def test_an_overturned_late_fee_is_credited_back_to_the_unit_and_leaves_the_fund(
    client, auth_headers, db
) -> None:
    """#23: a late fee overturned on appeal is undone: what was paid of it becomes the unit's credit and leaves the
    funds it reached (fund-monitor told, the totals saying so); the record shows the refund, which happens once."""
    h = auth_headers(*CITY)
    prov = auth_headers(*PROVINCE, region="220000")
    code = await unit(client, h)
    await enrol(client, h, code, 1)
    await declare(client, h, code, months_ago(3), {1: "5000"})
    p = (await client.post(f"/units/{code}/payments", json={"amount": "2000.00"}, headers=h)).json()
    decision = (await client.get(f"/decisions/{p['late_fee_decision_id']}", headers=h)).json()
    (late,) = decision["criteria"]
    fee_p, fee_u = late["values"]["fee_pension_fen"], late["values"]["fee_unemployment_fen"]
    assert fee_p > 0 and fee_u > 0
    credit_before = (await client.get(f"/units/{code}/arrears", headers=h)).json()["credit"]
    before = _balances((await client.get("/ledger/balances", headers=prov)).json())

    review = await _overturn(client, auth_headers, decision["id"])
    assert f"{(fee_p + fee_u) / 100:.2f} yuan" in review["consequence"]
    credit_after = (await client.get(f"/units/{code}/arrears", headers=h)).json()["credit"]
    to_fen = lambda s: round(float(s) * 100)  # noqa: E731
    assert to_fen(credit_after) - to_fen(credit_before) == fee_p + fee_u
    (refund,) = (await client.get(f"/late-fee-refunds?payer={code}", headers=h)).json()
    assert (refund["payment_id"], refund["decision_id"], refund["appeal_id"]) == (
        p["id"],
        decision["id"],
        review["id"],
    )
    assert (refund["credited_pension"], refund["credited_unemployment"]) == (f"{fee_p / 100:.2f}", f"{fee_u / 100:.2f}")
    assert (refund["cancelled_pension"], refund["cancelled_unemployment"]) == ("0.00", "0.00")
    after = _balances((await client.get("/ledger/balances", headers=prov)).json())
    assert after[("220100", "pension", "fund")] == before[("220100", "pension", "fund")] - fee_p
    assert after[("220100", "unemployment", "fund")] == before[("220100", "unemployment", "fund")] - fee_u
    assert after.get(("220100", "pension", "late_fee_assessed"), 0) == 0
    assert after.get(("220100", "unemployment", "late_fee_assessed"), 0) == 0
    assert (await trial_balance(client, auth_headers))["balanced"]
    (event,) = await emitted(db, "contributions.late_fee_refunded.v1")
    assert (event["region"], event["amount_fen"], event["payment_id"], event["via_province"]) == (
        "220100",
        fee_u,
        p["id"],
        False,
    )
    totals = (await client.get(f"/totals?from={months_ago(0)}&to={months_ago(0)}", headers=h)).json()
    assert (f"contributions:late_fee_refund:{refund['id']}:unemployment", "late_fees", -fee_u) in {
        (i["key"], i["kind"], i["amount_fen"]) for i in totals["items"]
    }
    assert sum(s["amount_fen"] for s in totals["sums"] if s["kind"] == "late_fees") == 0
    # the credit pays the unit's next month before any new money
    await declare(client, h, code, months_ago(1), {1: "5000"})
    nxt = (await client.post(f"/units/{code}/payments", json={"amount": "0.01"}, headers=h)).json()
    assert to_fen(nxt["credit_used"]) == to_fen(credit_after)


async def test_an_overturned_late_fee_still_owed_is_cancelled(client, auth_headers, db) -> None:
    """A payment too small to settle the fee it was charged: the unpaid part of the fee is cancelled, not credited,
    and only what was paid leaves the funds."""
    h = auth_headers(*CITY)
    code = await unit(client, h)
    await enrol(client, h, code, 1)
    await declare(client, h, code, months_ago(3), {1: "5000"})
    p = (await client.post(f"/units/{code}/payments", json={"amount": "10.00"}, headers=h)).json()
    decision = (await client.get(f"/decisions/{p['late_fee_decision_id']}", headers=h)).json()
    (late,) = decision["criteria"]
    fee = late["values"]["fee_pension_fen"] + late["values"]["fee_unemployment_fen"]
    assert fee > 1000  # the 10.00 paid only part of the fee
    await _overturn(client, auth_headers, decision["id"])
    (refund,) = (await client.get(f"/late-fee-refunds?payer={code}", headers=h)).json()
    fen = lambda s: round(float(s) * 100)  # noqa: E731
    credited = fen(refund["credited_pension"]) + fen(refund["credited_unemployment"])
    cancelled = fen(refund["cancelled_pension"]) + fen(refund["cancelled_unemployment"])
    assert (credited, cancelled) == (1000, fee - 1000)
    (item,) = (await client.get(f"/units/{code}/arrears?on={p['paid_on']}", headers=h)).json()["periods"]
    assert fen(item["late_fee"]) == 0  # cancelled; the principal is owed as before
    assert fen(item["owed_pension"]) + fen(item["owed_unemployment"]) == 155000
    assert (await trial_balance(client, auth_headers))["balanced"]
    # the overturned decision cannot be appealed again, so the fee is never refunded twice
    again = await client.post(
        f"/decisions/{decision['id']}/appeals",
        json={"grounds": "再次申请"},
        headers=auth_headers("social_insurance", region="220100", sub="officer-1"),
    )
    assert again.status_code == 409
    assert len((await client.get(f"/late-fee-refunds?payer={code}", headers=h)).json()) == 1
    other = await client.get(
        f"/late-fee-refunds?payer={code}", headers=auth_headers("social_insurance", region="220200")
    )
    assert other.status_code == 404  # another region's unit is not there for the caller


async def test_a_provincial_direct_units_refund_is_netted_against_the_next_remittance(client, auth_headers, db) -> None:
    """The unemployment part of a provincial-direct unit's fee sits with the province until remitted (N§3(4)): its
    refund comes out of the province's clearing account, so the home region receives the remittance less it."""
    prov = auth_headers(*PROVINCE, region="220000")
    code = await unit(client, prov, n=7, region="220000", provincial_direct=True, home_region="220200")
    await enrol(client, prov, code, 1)
    await declare(client, prov, code, months_ago(3), {1: "5000"})
    paid_on = first_of(months_ago(1))
    p = (
        await client.post(f"/units/{code}/payments", json={"amount": "1700.00", "paid_on": str(paid_on)}, headers=prov)
    ).json()
    decision = (await client.get(f"/decisions/{p['late_fee_decision_id']}", headers=prov)).json()
    (late,) = decision["criteria"]
    fee_u = late["values"]["fee_unemployment_fen"]
    await _overturn(client, auth_headers, decision["id"], region="220000")
    (event,) = await emitted(db, "contributions.late_fee_refunded.v1")
    assert (event["region"], event["amount_fen"], event["via_province"]) == ("220000", fee_u, True)
    run = (await client.post("/remittances/run", json={"month": months_ago(1)}, headers=prov)).json()
    (rem,) = run["remittances"]
    assert (rem["home_region"], round(float(rem["amount"]) * 100)) == ("220200", 15000)  # the fee is not passed on
    balances = _balances((await client.get("/ledger/balances", headers=prov)).json())
    assert balances[("220000", "unemployment", "provincial_clearing")] == 0
    assert balances[("220200", "unemployment", "fund")] == 15000
    assert (await trial_balance(client, auth_headers))["balanced"]
    totals = (await client.get(f"/totals?from={months_ago(1)}&to={months_ago(0)}", headers=prov)).json()
    held = sum(i["amount_fen"] for i in totals["items"] if i["kind"] == "held_for_regions")
    remitted = sum(i["amount_fen"] for i in totals["items"] if i["kind"] == "remittance")
    assert held == remitted == 15000
