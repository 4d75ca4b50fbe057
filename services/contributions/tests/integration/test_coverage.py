"""Coverage (N§2): insured counts year on year; units other departments know that should be insured and are not."""

import datetime as dt

from ..helpers import CITY, TODAY, credit_code, enrol, unit


async def test_insured_count_year_on_year(client, auth_headers) -> None:
    h = auth_headers(*CITY)
    code = await unit(client, h)
    last_year = TODAY - dt.timedelta(days=370)  # a year and a bit ago, whatever today is (29 February too)
    await enrol(client, h, code, 1, start=str(last_year))
    await enrol(client, h, code, 2, start=str(TODAY - dt.timedelta(days=10)))
    (mine,) = (await client.get("/coverage/insured", headers=h)).json()
    assert (mine["region"], mine["insured"], mine["year_before"], mine["change"], mine["rising"]) == (
        "220100",
        2,
        1,
        1,
        True,
    )
    assert (mine["criterion"]["name"], mine["criterion"]["met"], mine["criterion"]["clause"]) == (
        "insured_rising_year_on_year",
        True,
        "N§2",
    )
    assert (mine["criterion"]["values"]["insured"], mine["criterion"]["values"]["year_before"]) == (2, 1)
    everyone = (await client.get("/coverage/insured", headers=auth_headers("province", region="220000"))).json()
    assert len(everyone) == 10
    flat = {r["region"]: r["rising"] for r in everyone}
    assert flat["220100"] is True and flat["220200"] is False  # nobody insured in either year: flagged
    assert (await client.get("/coverage/insured?region=220200", headers=h)).status_code == 403
    # #20: year 1 answered 500 (no year 0 to compare with); a date before the law's start is refused
    for path in ("/coverage/insured?on=0001-01-01", "/coverage/gaps?on=1999-12-31"):
        r = await client.get(path, headers=h)
        assert r.status_code == 422, r.text
        assert (r.json()["errors"][0]["field"], r.json()["errors"][0]["code"]) == ("query.on", "date_before_law")
    # #24: a number is not a date (on=0 was read as 1970-01-01)
    for path in ("/coverage/insured?on=0", "/coverage/gaps?on=0", "/parameters?on=0"):
        r = await client.get(path, headers=auth_headers("province", region="220000"))
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == "date_format", (path, r.text)


async def test_registry_import_and_gaps(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    insured_unit = await unit(client, h, n=1)
    await enrol(client, h, insured_unit, 1)
    empty_unit = await unit(client, h, n=2)
    unknown = credit_code(3)
    csv_text = (
        "credit_code,name,region,staff,source_department\n"
        f"{insured_unit},有参保单位,220100,50,tax\n"
        f"{empty_unit},无人参保单位,220100,12,market_regulation\n"
        f"{unknown},未登记个体户,220100,3,market_regulation\n"
        f"{unknown},未登记个体户,220100,3,tax\n"
    )
    r = await client.post(
        "/coverage/registries", content=csv_text.encode("gb18030"), headers={**h, "content-type": "text/csv"}
    )
    assert r.status_code == 201, r.text
    assert r.json() == {"imported": 4}
    gaps = (await client.get("/coverage/gaps", headers=h)).json()
    assert gaps["by_department"] == {"market_regulation": 2, "tax": 1}
    assert {(g["credit_code"], g["source_department"], g["reason"]) for g in gaps["items"]} == {
        (empty_unit, "market_regulation", "registered_without_insured"),
        (unknown, "market_regulation", "unknown"),
        (unknown, "tax", "unknown"),
    }


async def test_bad_registry_lines_import_nothing(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    csv_text = (
        "credit_code,name,region,staff,source_department\n"
        f"{credit_code(1)},甲,220100,5,tax\n"
        "91220101MA0000000X,乙,220100,5,tax\n"
        f"{credit_code(2)},丙,220200,5,tax\n"
        f"{credit_code(3)},丁,220100,many,police\n"
    )
    r = await client.post("/coverage/registries", content=csv_text.encode(), headers={**h, "content-type": "text/csv"})
    assert r.status_code == 422
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [
        ("line[3].credit_code", "credit_code_checksum"),
        ("line[4].region", "region_forbidden"),
        ("line[5].staff", "staff_not_a_count"),
        ("line[5].source_department", "unknown_source_department"),
    ]
    assert (await client.get("/coverage/gaps", headers=h)).json()["items"] == []
    missing = await client.post(
        "/coverage/registries", content=b"credit_code,name\n", headers={**h, "content-type": "text/csv"}
    )
    assert missing.status_code == 422 and missing.json()["code"] == "csv_missing_column"
