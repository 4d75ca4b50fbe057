"""GET /audit and /audit.csv (#23 item 4, the same on every service; exercised here through contributions' writes):
who did what to which object, when and from which request; a region's officers read their region's records, the
province all; filters, pages, CSV; reading writes nothing."""

import csv
import datetime as dt
import io

from ..helpers import CITY, enrol, unit

BEIJING = dt.timezone(dt.timedelta(hours=8))


async def test_the_audit_trail_is_readable_per_region_subject_actor_and_time(client, auth_headers) -> None:
    cc = auth_headers(*CITY, sub="officer-cc")
    jl = auth_headers(*CITY, region="220200", sub="officer-jl")
    code = await unit(client, cc)
    await enrol(client, cc, code, 1)
    other = await unit(client, jl, n=2, region="220200")

    page = (await client.get("/audit", headers=cc)).json()
    assert "items" in page, page
    assert [(r["action"], r["object_region"], r["actor"]) for r in page["items"]] == [
        ("unit.registered", "220100", "officer-cc"),
        ("person.enrolled", "220100", "officer-cc"),
    ]
    assert all(r["request_id"] for r in page["items"]) and page["next_after"] is None
    # one object's history, by type and key
    mine = (await client.get("/audit", params={"subject": f"unit:{code}"}, headers=cc)).json()["items"]
    assert [r["action"] for r in mine] == ["unit.registered"]
    # another region's records are not the city's: refused, not quietly empty
    refused = await client.get("/audit", params={"region": "220200"}, headers=cc)
    assert (refused.status_code, refused.json()["code"]) == (403, "region_forbidden")
    assert (await client.get("/audit", params={"subject": f"unit:{other}"}, headers=cc)).json()["items"] == []

    province = auth_headers("province", region="220000")
    everything = (await client.get("/audit", params={"limit": 2}, headers=province)).json()
    assert len(everything["items"]) == 2 and everything["next_after"] == everything["items"][-1]["id"]
    rest = (await client.get("/audit", params={"after": everything["next_after"]}, headers=province)).json()
    assert [r["actor"] for r in rest["items"]] == ["officer-jl"] and rest["next_after"] is None
    by_actor = (await client.get("/audit", params={"actor": "officer-jl"}, headers=province)).json()["items"]
    assert [r["object_key"] for r in by_actor] == [other]

    today = dt.datetime.now(BEIJING).date()
    day = {"from": str(today), "to": str(today)}
    assert len((await client.get("/audit", params=day, headers=province)).json()["items"]) == 3
    yesterday = str(today - dt.timedelta(days=1))
    assert (await client.get("/audit", params={"to": yesterday}, headers=province)).json()["items"] == []
    backwards = await client.get("/audit", params={"from": str(today), "to": yesterday}, headers=province)
    assert (backwards.status_code, backwards.json()["code"]) == (422, "range_reversed")

    exported = await client.get("/audit.csv", params={"region": "220100"}, headers=province)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [(r["action"], r["object_region"]) for r in rows] == [
        ("unit.registered", "220100"),
        ("person.enrolled", "220100"),
    ]
    # reading is not a write: the log is as it was
    assert len((await client.get("/audit", headers=province)).json()["items"]) == 3
    community = await client.get("/audit", headers=auth_headers("community"))
    assert community.status_code == 403
