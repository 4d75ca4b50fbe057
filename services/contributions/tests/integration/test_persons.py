"""Enrolment always for pension and unemployment together (N§3(1)); flexible workers on the merged track (N§3(2))."""

import datetime as dt
import json

from sqlalchemy import select

from insurance_shared import person_key
from insurance_shared.events.outbox import outbox

from ..helpers import CITY, TODAY, enrol, resident_id, unit


async def events(db, type_: str) -> list[str]:
    async with db.sessionmaker() as s:
        return list((await s.execute(select(outbox.c.subject).where(outbox.c.type == type_))).scalars())


async def test_enrol_view_and_end(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    e = await enrol(client, h, code, 1)
    assert e["track"] == "unit" and e["region"] == "220100" and e["wage"] == "5000.00"
    person = (await client.get(f"/persons/{resident_id(1)}", headers=h)).json()
    assert person["name"] == "张三" and len(person["employments"]) == 1
    ended = await client.post(
        f"/persons/{resident_id(1)}/employments/{e['id']}/end",
        json={"end_date": str(TODAY), "separation_reason": "contract_expired_not_renewed"},
        headers=h,
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["separation_reason"] == "contract_expired_not_renewed"
    assert await events(db, "contributions.person_enrolled.v2") == [person_key(resident_id(1))]  # never the number
    assert await events(db, "contributions.employment_ended.v2") == [person_key(resident_id(1))]
    again = await client.post(
        f"/persons/{resident_id(1)}/employments/{e['id']}/end",
        json={"end_date": str(TODAY), "separation_reason": "dismissed"},
        headers=h,
    )
    assert again.status_code == 409 and again.json()["code"] == "employment_already_ended"


async def test_flexible_worker_enrols_on_the_merged_track(client, auth_headers, db) -> None:
    body = {
        "id_number": resident_id(2),
        "name": "李四",
        "track": "flexible",
        "region": "220100",
        "start_date": "2024-03-01",
        "wage": "3000.00",
    }
    r = await client.post("/persons/enrolments", json=body, headers=auth_headers(*CITY))
    assert r.status_code == 201, r.text
    assert r.json()["track"] == "flexible" and r.json()["unit_credit_code"] is None
    twice = await client.post("/persons/enrolments", json=body, headers=auth_headers(*CITY))
    assert twice.status_code == 409 and twice.json()["code"] == "already_enrolled"


async def test_bad_enrolments_write_nothing(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    cases = [
        ({"id_number": "220102199001011238"}, "body.id_number", "resident_id_checksum"),
        ({"start_date": "2999-01-01"}, "body.start_date", "date_in_future"),
        ({"unit_credit_code": "91220101MA0Y3XXK87"}, "body.unit_credit_code", "unknown_unit"),
        ({"wage": "-1"}, "body.wage", "money_negative"),
    ]
    for change, field, code_expected in cases:
        body = {
            "id_number": resident_id(3),
            "name": "王五",
            "unit_credit_code": code,
            "start_date": "2020-01-01",
            "wage": "4000.00",
            **change,
        }
        r = await client.post("/persons/enrolments", json=body, headers=h)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == field, r.json()
        assert r.json()["errors"][0]["code"] == code_expected
    assert (await client.get(f"/persons/{resident_id(3)}", headers=h)).status_code == 404
    assert await events(db, "contributions.person_enrolled.v2") == []


async def test_other_regions_person_is_404(client, auth_headers) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    await enrol(client, h, code, 4)
    other = await client.get(f"/persons/{resident_id(4)}", headers=auth_headers(*CITY, region="220200"))
    assert other.status_code == 404 and other.json()["code"] == "person_not_found"
    assert (
        await client.get(f"/persons/{resident_id(4)}", headers=auth_headers("province", region="220000"))
    ).status_code == 200


async def test_a_units_roster_enrols_in_one_upload(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    await enrol(client, h, code, 9)  # already enrolled: a roster naming this person is refused
    csv = "id_number,name,start_date,wage\n" + "".join(
        f"{resident_id(n)},职工{n},2025-01-01,4{n}00.00\n" for n in (1, 2, 3)
    )
    r = await client.post(
        f"/units/{code}/enrolments/bulk",
        content=csv.encode("gb18030"),
        headers={**h, "content-type": "text/csv; charset=gb18030"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["enrolled"] == 3 and [e["id_number"] for e in r.json()["employments"]] == [
        resident_id(1),
        resident_id(2),
        resident_id(3),
    ]
    assert sorted(await events(db, "contributions.person_enrolled.v2")) == sorted(
        [person_key(resident_id(n)) for n in (9, 1, 2, 3)]
    )
    person = (await client.get(f"/persons/{resident_id(2)}", headers=h)).json()
    assert person["name"] == "职工2" and person["employments"][0]["wage"] == "4200.00"

    def line(n: int, name: str, start: str = "2025-01-01", wage: str = "3000.00") -> str:
        return json.dumps({"id_number": resident_id(n), "name": name, "start_date": start, "wage": wage})

    jsonl = "\n".join(
        [
            line(4, "甲"),
            "not json",
            line(5, "乙", start="2999-01-01"),
            line(6, "丙", wage="-1"),
            line(4, "丁"),
            line(9, "戊"),
        ]
    )
    bad = await client.post(
        f"/units/{code}/enrolments/bulk", content=jsonl.encode(), headers={**h, "content-type": "application/x-ndjson"}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "roster_invalid"
    assert [e["field"] for e in bad.json()["errors"]] == [
        "line[2]",
        "line[3].start_date",
        "line[4].wage",
        "line[5].id_number",
        "line[6].id_number",
    ]
    assert (await client.get(f"/persons/{resident_id(4)}", headers=h)).status_code == 404  # nobody was enrolled

    other = await client.post(
        f"/units/{code}/enrolments/bulk",
        content=csv.encode(),
        headers={**auth_headers("social_insurance", region="220200"), "content-type": "text/csv"},
    )
    assert other.status_code == 404 and other.json()["code"] == "unit_not_found"  # the unit the URL names
    wrong_type = await client.post(
        f"/units/{code}/enrolments/bulk", content=b"x", headers={**h, "content-type": "text/plain"}
    )
    assert wrong_type.status_code == 415


async def test_an_upload_that_is_not_csv_is_a_422_naming_its_line(client, auth_headers) -> None:
    # found by schemathesis: a bare carriage return inside a field made the CSV reader raise (a 500)
    h = {**auth_headers("social_insurance", "province", region="220000"), "content-type": "text/csv"}
    body = b"credit_code,name,region,staff,source_department\nx\r:y,1\n"
    r = await client.post("/coverage/registries", content=body, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "bad_csv_line"
    code = await unit(client, auth_headers(*CITY))
    r = await client.post(
        f"/units/{code}/enrolments/bulk",
        content=b"id_number,name,start_date,wage\na\rb,c,d,e\n",
        headers={**auth_headers(*CITY), "content-type": "text/csv"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "line[2]"


async def test_a_units_leavers_end_in_one_upload(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    other = await unit(client, h, 2)
    for n in (1, 2, 3):
        await enrol(client, h, code, n, start="2024-03-01")
    await enrol(client, h, other, 4)
    yesterday = TODAY - dt.timedelta(days=1)
    csv = "id_number,end_date,separation_reason\n" + "".join(
        [
            f"{resident_id(1)},{TODAY + dt.timedelta(days=1)},dismissed\n",  # line 2: in the future
            f"{resident_id(2)},{yesterday},walked_out\n",  # line 3: no such reason
            f"{resident_id(4)},{yesterday},dismissed\n",  # line 4: employed by another unit
            f"{resident_id(3)},2024-02-01,dismissed\n",  # line 5: before the job began
            f"{resident_id(3)},{yesterday},dismissed\n",  # line 6: named twice
            f"{resident_id(2)}X,{yesterday},dismissed\n",  # line 7: not an identity number
        ]
    )
    bad = await client.post(
        f"/units/{code}/separations/bulk", content=csv.encode(), headers={**h, "content-type": "text/csv"}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "separations_invalid", bad.text
    assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [
        ("line[2].end_date", "date_in_future"),
        ("line[3].separation_reason", "enum"),
        ("line[6].id_number", "duplicate_person"),
        ("line[7].id_number", "resident_id_length"),
        ("line[4].id_number", "no_open_employment"),
        ("line[5].end_date", "end_before_start"),
    ]
    assert await events(db, "contributions.employment_ended.v2") == []  # nothing ended

    jsonl = "\n".join(
        json.dumps({"id_number": resident_id(n), "end_date": str(yesterday), "separation_reason": reason})
        for n, reason in ((1, "dismissed"), (3, "voluntary_resignation"))
    )
    r = await client.post(
        f"/units/{code}/separations/bulk", content=jsonl.encode(), headers={**h, "content-type": "application/x-ndjson"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["ended"] == 2
    assert [(e["id_number"], e["end_date"]) for e in r.json()["employments"]] == [
        (resident_id(1), str(yesterday)),
        (resident_id(3), str(yesterday)),
    ]
    assert sorted(await events(db, "contributions.employment_ended.v2")) == sorted(
        [person_key(resident_id(1)), person_key(resident_id(3))]
    )
    async with db.sessionmaker() as s:
        data = [
            json.loads(e)["data"]
            for e in (
                await s.execute(select(outbox.c.envelope).where(outbox.c.type == "contributions.employment_ended.v2"))
            ).scalars()
        ]
    assert {(d["person"], d["involuntary"]) for d in data} == {
        (person_key(resident_id(1)), True),
        (person_key(resident_id(3)), False),
    }
    person = (await client.get(f"/persons/{resident_id(3)}", headers=h)).json()
    assert person["employments"][0]["separation_reason"] == "voluntary_resignation"
    still = (await client.get(f"/persons/{resident_id(2)}", headers=h)).json()
    assert still["employments"][0]["end_date"] is None
    # ending them again: they have no open employment with the unit any more
    again = await client.post(
        f"/units/{code}/separations/bulk", content=jsonl.encode(), headers={**h, "content-type": "application/x-ndjson"}
    )
    assert again.status_code == 422 and {e["code"] for e in again.json()["errors"]} == {"no_open_employment"}
