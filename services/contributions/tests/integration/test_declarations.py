"""Monthly declarations: four amounts per line, bases clamped, all or nothing (policy.md C1-C2; N§3 ¶1; R6)."""

import pytest
from sqlalchemy import text

from contributions.declarations import service as declaration_service

from ..helpers import CITY, TODAY, declare, enrol, months_ago, resident_id, unit

P = months_ago(2)


async def setup(client, h, persons=(1, 2)) -> str:
    code = await unit(client, h)
    for n in persons:
        await enrol(client, h, code, n)
    return code


async def count(db, table: str) -> int:
    async with db.sessionmaker() as s:
        return (await s.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def test_four_amounts_clamped_and_explained(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await setup(client, h)
    r = await declare(client, h, code, P, {1: "5000.00", 2: "1000.00"})  # the second is below the 2500.00 floor
    assert r.status_code == 201, r.text
    d = r.json()
    assert (d["lines"], d["clamped_lines"]) == (2, 1)
    # 5000 and 2500 (floor): pension 20% + 8%, unemployment 2% + 1% (R6)
    assert (d["pension_unit"], d["pension_person"]) == ("1500.00", "600.00")
    assert (d["unemployment_unit"], d["unemployment_person"]) == ("150.00", "75.00")
    assert d["total"] == "2325.00" and d["owed_unemployment"] == "225.00" and d["owed_pension"] == "2100.00"
    used = {p["name"]: p for p in d["parameters"]}
    assert used["unemployment_unit_rate"] == {
        "name": "unemployment_unit_rate",
        "value": "0.02",
        "valid_from": "2005-01-01",
        "clause": "R6",
    }
    assert used["base_floor"]["value"] == "2500.00"
    lines = (await client.get(f"/declarations/{d['id']}/lines", headers=h)).json()["items"]
    assert [(x["declared_base"], x["base"]) for x in lines] == [("5000.00", "5000.00"), ("1000.00", "2500.00")]


@pytest.mark.parametrize(
    ("bases", "field", "code"),
    [
        ({1: "5000.00", 9: "5000.00"}, "body.lines[1].id_number", "person_not_enrolled"),
        ({1: "0"}, "body.lines[0].base", "base_not_positive"),
        ({1: "12.345"}, "body.lines[0].base", "money_precision"),
    ],
)
async def test_bad_lines_write_nothing(client, auth_headers, db, bases, field, code) -> None:
    h = auth_headers(*CITY)
    unit_code = await setup(client, h)
    r = await declare(client, h, unit_code, P, bases)
    assert r.status_code == 422, r.text
    assert any(e["field"] == field and e["code"] == code for e in r.json()["errors"]), r.json()
    assert await count(db, "declarations") == 0 and await count(db, "declaration_lines") == 0
    assert await count(db, "journal_lines") == 0


async def test_same_person_twice(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await setup(client, h)
    body = {
        "period": P,
        "lines": [{"id_number": resident_id(1), "base": "5000"}, {"id_number": resident_id(1), "base": "6000"}],
    }
    r = await client.post(f"/units/{code}/declarations", json=body, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "body.lines[1].id_number",
            "code": "duplicate_person",
            "message": "this person is already declared above for this period",
        }
    ]


async def test_period_in_future_and_before_enrolment(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    await enrol(client, h, code, 1, start=str(TODAY.replace(day=1)))
    future = await declare(client, h, code, f"{TODAY.year + 1}-01", {1: "5000"})
    assert future.status_code == 422 and future.json()["code"] == "period_in_future"
    assert future.json()["errors"][0]["field"] == "body.period"
    before = await declare(client, h, code, months_ago(3), {1: "5000"})
    assert before.status_code == 422
    assert before.json()["errors"][0]["code"] == "period_before_enrolment"


@pytest.mark.parametrize("flush_every", [5000, 1])
async def test_redeclaring_an_unpaid_period_replaces_it(client, auth_headers, db, monkeypatch, flush_every) -> None:
    monkeypatch.setattr(declaration_service, "FLUSH_EVERY", flush_every)
    h = auth_headers(*CITY)
    code = await setup(client, h)
    first = (await declare(client, h, code, P, {1: "5000"})).json()
    second = (await declare(client, h, code, P, {1: "6000", 2: "6000"})).json()
    assert second["id"] == first["id"] and second["lines"] == 2 and second["total"] == "3720.00"
    stored = (await client.get(f"/declarations/{first['id']}", headers=h)).json()
    assert (stored["lines"], stored["total"], stored["owed_pension"]) == (2, "3720.00", "3360.00")
    assert await count(db, "declarations") == 1 and await count(db, "declaration_lines") == 2
    tb = (await client.get("/ledger/trial-balance", headers=auth_headers("province", region="220000"))).json()
    assert tb["balanced"]
    receivable = sum(
        b["balance"] for b in (await client.get("/ledger/balances", headers=h)).json() if b["kind"] == "receivable"
    )
    assert receivable == 372000  # the replaced declaration was reversed, not added to


async def test_a_paid_period_is_corrected_only_by_adjustment(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await setup(client, h, persons=(1,))
    await declare(client, h, code, P, {1: "5000"})
    paid = await client.post(f"/units/{code}/payments", json={"amount": "1550.00", "paid_on": str(TODAY)}, headers=h)
    assert paid.status_code == 201, paid.text
    again = await declare(client, h, code, P, {1: "6000"})
    assert again.status_code == 409 and again.json()["code"] == "period_paid_use_adjustment"
    adj = await declare(client, h, code, P, {1: "6000"}, kind="adjustment")
    assert adj.status_code == 201, adj.text
    assert adj.json()["total"] == "310.00"  # 31% of the extra 1000
    lower = await declare(client, h, code, P, {1: "4000"}, kind="adjustment")
    assert lower.status_code == 422 and lower.json()["errors"][0]["code"] == "adjustment_decreases"


async def test_bulk_csv_utf8_and_gb18030(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await setup(client, h, persons=(1, 2, 3))
    csv_text = f"id_number,name,base\n{resident_id(1)},张三,5000.00\n{resident_id(2)},李四,6000\n"
    r = await client.post(
        f"/units/{code}/declarations/bulk?period={P}",
        content=csv_text.encode("utf-8"),
        headers={**h, "content-type": "text/csv"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["lines"] == 2
    gb = f"id_number,name,base\r\n{resident_id(3)},王五,7000.00\r\n".encode("gb18030")
    r = await client.post(
        f"/units/{code}/declarations/bulk?period={months_ago(1)}", content=gb, headers={**h, "content-type": "text/csv"}
    )
    assert r.status_code == 201, r.text


async def test_bulk_jsonl_and_line_numbers(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await setup(client, h)
    body = (
        f'{{"id_number": "{resident_id(1)}", "base": "5000.00"}}\n'
        "not json\n"
        f'{{"id_number": "{resident_id(2)}", "base": 5000}}\n'
        f'{{"id_number": "220102199001011238", "base": "5000.00"}}\n'
    )
    r = await client.post(
        f"/units/{code}/declarations/bulk?period={P}",
        content=body.encode(),
        headers={**h, "content-type": "application/x-ndjson"},
    )
    assert r.status_code == 422
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [
        ("line[2]", "bad_json_line"),
        ("line[3].base", "money_not_string"),
        ("line[4].id_number", "resident_id_checksum"),
    ]
    assert r.json()["error_count"] == 3
    assert await count(db, "declaration_lines") == 0 and await count(db, "declarations") == 0


async def test_bulk_upload_errors(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await setup(client, h)
    missing = await client.post(
        f"/units/{code}/declarations/bulk?period={P}",
        content=b"id_number,wage\nx,1\n",
        headers={**h, "content-type": "text/csv"},
    )
    assert missing.status_code == 422 and missing.json()["code"] == "csv_missing_column"
    wrong = await client.post(
        f"/units/{code}/declarations/bulk?period={P}",
        content=b"\xff\xfe\x00garbage\x81",
        headers={**h, "content-type": "text/csv"},
    )
    assert wrong.status_code == 422 and wrong.json()["code"] in {"bad_encoding", "csv_missing_column"}
    media = await client.post(
        f"/units/{code}/declarations/bulk?period={P}",
        content=b"<xml/>",
        headers={**h, "content-type": "application/xml"},
    )
    assert media.status_code == 415 and media.json()["code"] == "unsupported_media_type"
    # #24 defect 6: a thousands separator made a third field; the line was read with base 5 and the rest dropped
    comma = await client.post(
        f"/units/{code}/declarations/bulk?period={P}",
        content=f"id_number,base\n{resident_id(1)},5000.00\n{resident_id(2)},5,000.00\n".encode(),
        headers={**h, "content-type": "text/csv"},
    )
    assert comma.status_code == 422, comma.text
    assert (comma.json()["code"], comma.json()["errors"][0]["field"]) == ("wrong_field_count", "line[3]")
    # #24 defect 4: a line nested 100,000 deep was a RecursionError and a 500
    deep = await client.post(
        f"/units/{code}/declarations/bulk?period={P}",
        content=b"[" * 100_000 + b"]" * 100_000 + b"\n",
        headers={**h, "content-type": "application/x-ndjson"},
    )
    assert deep.status_code == 422 and deep.json()["errors"][0]["code"] == "bad_json_line", deep.text
    assert await count(db, "declarations") == 0


async def test_bulk_idempotent_replay(client, auth_headers, db) -> None:
    h = {**auth_headers(*CITY), "content-type": "text/csv", "Idempotency-Key": "bulk-1"}
    code = await setup(client, auth_headers(*CITY))
    body = f"id_number,base\n{resident_id(1)},5000\n".encode()
    first = await client.post(f"/units/{code}/declarations/bulk?period={P}", content=body, headers=h)
    again = await client.post(f"/units/{code}/declarations/bulk?period={P}", content=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.content == again.content and again.headers["idempotent-replayed"] == "true"
    other = await client.post(f"/units/{code}/declarations/bulk?period={months_ago(1)}", content=body, headers=h)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert await count(db, "declarations") == 1


async def test_cross_region_declaration_refused(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await setup(client, h, persons=(1,))
    r = await declare(client, auth_headers(*CITY, region="220200"), code, P, {1: "5000"})
    assert r.status_code == 404 and r.json()["code"] == "unit_not_found"  # the unit the URL names is not theirs
    assert await count(db, "declarations") == 0


async def periods(client, h, code: str, text_: str, media: str = "text/csv", kind: str = "regular"):
    return await client.post(
        f"/units/{code}/declarations/periods?kind={kind}",
        content=text_.encode(),
        headers={**h, "content-type": media},
    )


# the lines are written every FLUSH_EVERY lines, with the declarations met so far; those written before their last
# line get their totals at the end: 1 and 3 make both happen in a small upload
@pytest.mark.parametrize("flush_every", [5000, 1, 3])
async def test_several_periods_in_one_upload_each_their_own_declaration(
    client, auth_headers, db, monkeypatch, flush_every
) -> None:
    monkeypatch.setattr(declaration_service, "FLUSH_EVERY", flush_every)
    h = auth_headers(*CITY)
    code = await setup(client, h)
    p1, p2, p3 = months_ago(3), months_ago(2), months_ago(1)
    body = (
        "period,id_number,base\n"
        f"{p2},{resident_id(1)},5000.00\n"  # periods in any order, interleaved
        f"{p1},{resident_id(1)},5000.00\n"
        f"{p2},{resident_id(2)},1000.00\n"  # below the floor: clamped
        f"{p3},{resident_id(2)},6000\n"
    )
    r = await periods(client, h, code, body)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["lines"] == 4
    assert [(d["period"], d["lines"], d["clamped_lines"], d["total"]) for d in made["declarations"]] == [
        (p1, 1, 0, "1550.00"),
        (p2, 2, 1, "2325.00"),  # the same figures as the single-period test above
        (p3, 1, 0, "1860.00"),
    ]
    single = (await client.get(f"/declarations/{made['declarations'][1]['id']}", headers=h)).json()
    assert single["owed_unemployment"] == "225.00" and single["due_date"] == made["declarations"][1]["due_date"]
    lines = (await client.get(f"/declarations/{made['declarations'][1]['id']}/lines", headers=h)).json()["items"]
    assert [(x["line_no"], x["base"]) for x in lines] == [(1, "5000.00"), (2, "2500.00")]
    assert await count(db, "declarations") == 3 and await count(db, "declaration_lines") == 4
    tb = (await client.get("/ledger/trial-balance", headers=auth_headers("province", region="220000"))).json()
    assert tb["balanced"]
    receivable = sum(
        b["balance"] for b in (await client.get("/ledger/balances", headers=h)).json() if b["kind"] == "receivable"
    )
    assert receivable == 155000 + 232500 + 186000  # one journal entry per declaration


async def test_several_periods_all_or_nothing_with_each_line_named(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await setup(client, h)
    await declare(client, h, code, months_ago(4), {1: "5000"})
    paid = await client.post(f"/units/{code}/payments", json={"amount": "1550.00", "paid_on": str(TODAY)}, headers=h)
    assert paid.status_code == 201, paid.text
    body = (
        f'{{"period": "{months_ago(2)}", "id_number": "{resident_id(1)}", "base": "5000.00"}}\n'
        f'{{"period": "{months_ago(2)}", "id_number": "{resident_id(1)}", "base": "5000.00"}}\n'
        f'{{"id_number": "{resident_id(2)}", "base": "5000.00"}}\n'
        f'{{"period": "{months_ago(-1)}", "id_number": "{resident_id(2)}", "base": "5000.00"}}\n'
        f'{{"period": "2024-13", "id_number": "{resident_id(2)}", "base": "5000.00"}}\n'
        f'{{"period": "{months_ago(4)}", "id_number": "{resident_id(1)}", "base": "6000.00"}}\n'
        f'{{"period": "{months_ago(1)}", "id_number": "{resident_id(9)}", "base": "5000.00"}}\n'
    )
    r = await periods(client, h, code, body, "application/x-ndjson")
    assert r.status_code == 422, r.text
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [
        ("line[2].id_number", "duplicate_person"),
        ("line[3].period", "missing"),
        ("line[4].period", "period_in_future"),
        ("line[5].period", "invalid_period"),
        ("line[6].period", "period_paid_use_adjustment"),  # a paid period: adjustment only, as for one period
        ("line[7].id_number", "person_not_enrolled"),
    ]
    assert await count(db, "declarations") == 1 and await count(db, "declaration_lines") == 1  # only the paid one


async def test_several_periods_upload_errors_and_the_single_period_upload_refuses_other_periods(
    client, auth_headers, db
) -> None:
    h = auth_headers(*CITY)
    code = await setup(client, h)
    empty = await periods(client, h, code, "period,id_number,base\n")
    assert empty.status_code == 422 and empty.json()["code"] == "no_lines"
    media = await periods(client, h, code, "<xml/>", "application/xml")
    assert media.status_code == 415 and media.json()["code"] == "unsupported_media_type"
    mixed = await client.post(
        f"/units/{code}/declarations/bulk?period={P}",
        content=f"period,id_number,base\n{P},{resident_id(1)},5000\n{months_ago(1)},{resident_id(2)},5000\n".encode(),
        headers={**h, "content-type": "text/csv"},
    )
    assert mixed.status_code == 422
    assert [(e["field"], e["code"]) for e in mixed.json()["errors"]] == [("line[3].period", "period_mismatch")]
    assert await count(db, "declarations") == 0


async def test_several_periods_adjusted_at_once(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await setup(client, h, persons=(1,))
    p1, p2 = months_ago(3), months_ago(2)
    assert (
        await periods(
            client, h, code, f"period,id_number,base\n{p1},{resident_id(1)},5000\n{p2},{resident_id(1)},5000\n"
        )
    ).status_code == 201
    paid = await client.post(f"/units/{code}/payments", json={"amount": "3100.00", "paid_on": str(TODAY)}, headers=h)
    assert paid.status_code == 201, paid.text
    adj = await periods(
        client,
        h,
        code,
        f"period,id_number,base\n{p1},{resident_id(1)},6000\n{p2},{resident_id(1)},5500\n",
        kind="adjustment",
    )
    assert adj.status_code == 201, adj.text
    assert [(d["period"], d["kind"], d["total"]) for d in adj.json()["declarations"]] == [
        (p1, "adjustment", "310.00"),
        (p2, "adjustment", "155.00"),
    ]
