"""#25 item 4: every look at a person is recorded — who, role, region, purpose, which person (by keyed hash, never
the number), when, from which request; an export is one record with its count. The province lists them."""

import pytest
from sqlalchemy import text

from ..helpers import CITY, declare, enrol, months_ago, resident_id, unit


async def test_an_officers_looks_are_recorded_with_purpose_and_request(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    await enrol(client, h, code, 1)
    declared = (await declare(client, h, code, months_ago(2), {1: "5000"})).json()
    officer = auth_headers(*CITY, sub="officer-7")
    for path, request_id in (
        (f"/persons/{resident_id(1)}", "req-person"),
        (f"/persons/{resident_id(1)}/history", "req-history"),
        (f"/declarations/{declared['id']}/lines", "req-lines"),
    ):
        r = await client.get(path, headers={**officer, "X-Request-Id": request_id})
        assert r.status_code == 200, r.text
    assert (await client.get(f"/persons/{resident_id(2)}", headers=officer)).status_code == 404  # nothing shown

    province = auth_headers("province", region="220000")
    r = await client.get(f"/access-log?person={resident_id(1)}", headers=province)
    assert r.status_code == 200, r.text
    mine = r.json()["items"]
    assert [(i["purpose"], i["request_id"], i["actor"], i["actor_region"], i["people"]) for i in mine] == [
        ("contributions.person.read", "req-person", "officer-7", "220100", 1),
        ("contributions.history.read", "req-history", "officer-7", "220100", 1),
    ]
    assert all(resident_id(1) not in str(i) for i in mine)  # the keyed hash, never the number
    assert mine[0]["person_key"] == mine[0]["object_key"] and len(mine[0]["person_key"]) == 64
    by_officer = (await client.get("/access-log?actor=officer-7", headers=province)).json()["items"]
    assert [(i["purpose"], i["object_type"], i["people"], i["person_key"]) for i in by_officer][-1] == (
        "contributions.declaration_lines.read",
        "declaration",
        1,
        None,  # an export: the count, no one person
    )
    assert len(by_officer) == 3

    # the province only; bad input is a clear error; the log cannot be changed
    assert (await client.get("/access-log", headers=h)).status_code == 403
    bad = await client.get("/access-log?person=220102199001011230", headers=province)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.person"
    async with db.sessionmaker() as s:
        with pytest.raises(Exception, match="append-only"):
            await s.execute(text("UPDATE access_log SET actor = 'someone-else'"))
    async with db.sessionmaker() as s:
        with pytest.raises(Exception, match="append-only"):
            await s.execute(text("DELETE FROM access_log"))
