"""Unit registration end to end on PostgreSQL: the first endpoint, proving auth, region scope, problems,
idempotency and audit (Foundation issue)."""

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select, text

from insurance_shared.audit import audit_log
from insurance_shared.db import Database
from insurance_shared.idempotency import idempotency_keys

UNIT = {
    "credit_code": "91220101MA0Y3XXK87",
    "name": "长春市一汽配套零部件有限公司",
    "kind": "enterprise",
    "region": "220100",
    "declared_staff": 120,
}
CITY = ("social_insurance",)


async def count(db: Database, table: str) -> int:
    async with db.sessionmaker() as s:
        return (await s.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


def assert_problem(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"]
    assert body["request_id"] == resp.headers["x-request-id"]
    return body


async def test_register_and_read(client, auth_headers, db) -> None:
    resp = await client.post("/units", json=UNIT, headers=auth_headers(*CITY))
    assert resp.status_code == 201, resp.text
    assert resp.headers["location"] == "/units/91220101MA0Y3XXK87"
    assert resp.json()["kind"] == "enterprise"
    got = await client.get(resp.headers["location"], headers=auth_headers(*CITY))
    assert got.status_code == 200
    assert got.json()["name"] == UNIT["name"]


async def test_every_write_leaves_one_audit_row(client, auth_headers, db) -> None:
    resp = await client.post("/units", json=UNIT, headers=auth_headers(*CITY, sub="agency-cc-7"))
    async with db.sessionmaker() as s:
        rows = (await s.execute(select(audit_log))).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.actor, row.actor_region, row.action, row.object_type, row.object_key, row.object_region) == (
        "agency-cc-7",
        "220100",
        "unit.registered",
        "unit",
        "91220101MA0Y3XXK87",
        "220100",
    )
    assert row.actor_roles == "social_insurance"
    assert row.request_id == resp.headers["x-request-id"]
    assert row.at.tzinfo is not None


async def test_audit_log_is_append_only(client, auth_headers, db) -> None:
    await client.post("/units", json=UNIT, headers=auth_headers(*CITY))
    async with db.sessionmaker() as s:
        with pytest.raises(Exception, match="append-only"):
            async with s.begin_nested():
                await s.execute(text("UPDATE audit_log SET actor = 'someone else'"))
        with pytest.raises(Exception, match="append-only"):
            async with s.begin_nested():
                await s.execute(text("DELETE FROM audit_log"))


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("credit_code", "91220101MA0Y3XXK88", "credit_code_checksum"),
        ("credit_code", "91220101MA0Y3XXK8", "credit_code_length"),
        ("region", "110000", "unknown_region"),
        ("kind", "bank", "enum"),
        ("declared_staff", -1, "greater_than_equal"),
        ("name", "", "string_too_short"),
    ],
)
async def test_bad_input_refused_with_field_and_nothing_written(client, auth_headers, db, field, value, code) -> None:
    resp = await client.post("/units", json={**UNIT, field: value}, headers=auth_headers(*CITY))
    body = assert_problem(resp, 422, "validation_failed")
    assert body["errors"][0]["field"] == f"body.{field}"
    assert body["errors"][0]["code"] == code
    assert await count(db, "units") == 0
    assert await count(db, "audit_log") == 0


async def test_missing_field_and_bad_json(client, auth_headers, db) -> None:
    body = assert_problem(
        await client.post("/units", json={"name": "x"}, headers=auth_headers(*CITY)), 422, "validation_failed"
    )
    assert {e["field"] for e in body["errors"]} == {
        "body.credit_code",
        "body.kind",
        "body.region",
        "body.declared_staff",
    }
    resp = await client.post(
        "/units", content=b"{not json", headers={**auth_headers(*CITY), "content-type": "application/json"}
    )
    assert_problem(resp, 422, "validation_failed")


async def test_policy_inconsistency_cites_clause(client, auth_headers, db) -> None:
    resp = await client.post("/units", json={**UNIT, "fully_budget_funded": True}, headers=auth_headers(*CITY))
    body = assert_problem(resp, 422, "unit_registration_inconsistent")
    assert body["errors"] == [
        {
            "field": "body.fully_budget_funded",
            "code": "budget_funding_needs_public_institution",
            "message": "only a public institution (事业单位) can be fully funded by the budget (N§2 ¶2)",
        }
    ]
    assert await count(db, "units") == 0


async def test_provincial_direct_unit_registered_by_the_province(client, auth_headers) -> None:
    unit = {**UNIT, "region": "220000", "provincial_direct": True, "home_region": "220200"}
    resp = await client.post("/units", json=unit, headers=auth_headers("province", region="220000"))
    assert resp.status_code == 201, resp.text
    assert resp.json()["home_region"] == "220200"


async def test_duplicate_credit_code_conflicts(client, auth_headers) -> None:
    assert (await client.post("/units", json=UNIT, headers=auth_headers(*CITY))).status_code == 201
    assert_problem(await client.post("/units", json=UNIT, headers=auth_headers(*CITY)), 409, "unit_already_registered")


async def test_cross_region_read_is_404_and_province_reads_all(client, auth_headers) -> None:
    await client.post("/units", json=UNIT, headers=auth_headers(*CITY))
    other = await client.get("/units/91220101MA0Y3XXK87", headers=auth_headers(*CITY, region="220200"))
    missing = await client.get("/units/91220101MA0Y3XXK70", headers=auth_headers(*CITY, region="220200"))
    # another region's unit is indistinguishable from one that does not exist
    assert_problem(other, 404, "unit_not_found")
    assert_problem(missing, 404, "unit_not_found")
    assert other.json()["detail"] == "no unit 91220101MA0Y3XXK87"
    province = await client.get("/units/91220101MA0Y3XXK87", headers=auth_headers("province", region="220000"))
    assert province.status_code == 200


async def test_cross_region_write_refused(client, auth_headers, db) -> None:
    resp = await client.post("/units", json=UNIT, headers=auth_headers(*CITY, region="220200"))
    assert_problem(resp, 403, "region_forbidden")
    # the province reads everything but writes only its own region's objects
    resp = await client.post("/units", json=UNIT, headers=auth_headers("province", region="220000"))
    assert_problem(resp, 403, "region_forbidden")
    assert await count(db, "units") == 0


async def test_list_by_region_paginates_and_is_scoped(client, auth_headers) -> None:
    from stdnum.cn import uscc

    codes = []
    for i in range(5):
        base = f"9122010{i}MA0Y3XXK8"
        code = base + uscc.calc_check_digit(base)
        codes.append(code)
        r = await client.post("/units", json={**UNIT, "credit_code": code}, headers=auth_headers(*CITY))
        assert r.status_code == 201, r.text
    page1 = (await client.get("/units?limit=3", headers=auth_headers(*CITY))).json()
    assert [u["credit_code"] for u in page1["items"]] == codes[:3]
    page2 = (await client.get(f"/units?limit=3&cursor={page1['next_cursor']}", headers=auth_headers(*CITY))).json()
    assert [u["credit_code"] for u in page2["items"]] == codes[3:]
    assert page2["next_cursor"] is None
    assert_problem(
        await client.get("/units?region=220100", headers=auth_headers(*CITY, region="220200")), 403, "region_forbidden"
    )
    prov = await client.get("/units?region=220100", headers=auth_headers("province", region="220000"))
    assert len(prov.json()["items"]) == 5


@pytest.mark.parametrize(
    ("make_headers", "code"),
    [
        (lambda h: {}, "token_missing"),
        (lambda h: h("social_insurance", ttl=dt.timedelta(minutes=-5)), "token_expired"),
        (lambda h: h("social_insurance", secret="not-the-configured-secret-0123456789"), "token_invalid"),
        (lambda h: {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}, "token_invalid"),
        (lambda h: {"Authorization": "Basic dXNlcjpwYXNz"}, "token_missing"),
    ],
)
async def test_unauthenticated(client, auth_headers, db, make_headers, code) -> None:
    resp = await client.post("/units", json=UNIT, headers=make_headers(auth_headers))
    assert_problem(resp, 401, code)
    assert resp.headers["www-authenticate"].startswith("Bearer")
    assert await count(db, "units") == 0


async def test_wrong_role_is_403(client, auth_headers) -> None:
    assert_problem(await client.post("/units", json=UNIT, headers=auth_headers("community")), 403, "role_forbidden")
    assert_problem(await client.get("/units", headers=auth_headers("community")), 403, "role_forbidden")


async def test_idempotent_replay_is_byte_identical(client, auth_headers, db) -> None:
    headers = {**auth_headers(*CITY), "Idempotency-Key": "reg-0001"}
    first = await client.post("/units", json=UNIT, headers=headers)
    # same body, other spacing and key order: still the same request
    import json

    again = await client.post(
        "/units",
        content=json.dumps(dict(reversed(UNIT.items())), indent=2).encode(),
        headers={**headers, "content-type": "application/json"},
    )
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await count(db, "units") == 1
    assert await count(db, "audit_log") == 1


async def test_reused_key_with_another_body_is_409(client, auth_headers, db) -> None:
    headers = {**auth_headers(*CITY), "Idempotency-Key": "reg-0002"}
    assert (await client.post("/units", json=UNIT, headers=headers)).status_code == 201
    resp = await client.post("/units", json={**UNIT, "name": "另一家"}, headers=headers)
    assert_problem(resp, 409, "idempotency_key_reused")
    assert await count(db, "units") == 1


async def test_refused_request_does_not_burn_its_key(client, auth_headers, db) -> None:
    headers = {**auth_headers(*CITY), "Idempotency-Key": "reg-0003"}
    bad = {**UNIT, "fully_budget_funded": True}
    assert (await client.post("/units", json=bad, headers=headers)).status_code == 422
    assert await count(db, "idempotency_keys") == 0
    assert (await client.post("/units", json=bad, headers=headers)).status_code == 422


async def test_keys_are_per_caller(client, auth_headers, db) -> None:
    a = await client.post("/units", json=UNIT, headers={**auth_headers(*CITY, sub="a"), "Idempotency-Key": "k"})
    b = await client.post("/units", json=UNIT, headers={**auth_headers(*CITY, sub="b"), "Idempotency-Key": "k"})
    assert a.status_code == 201
    assert_problem(b, 409, "unit_already_registered")  # b's key is its own: the request really ran


@pytest.mark.slow
async def test_concurrent_requests_with_one_key_execute_once(live_client, auth_headers, live_db) -> None:
    headers = {**auth_headers(*CITY), "Idempotency-Key": "concurrent-1"}
    responses = await asyncio.gather(*[live_client.post("/units", json=UNIT, headers=headers) for _ in range(8)])
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.content for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 7
    assert await count(live_db, "units") == 1
    assert await count(live_db, "audit_log") == 1
    async with live_db.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(idempotency_keys))).scalar_one() == 1


async def test_forced_internal_error_is_a_problem_without_internals(app_factory, db, caplog) -> None:
    import httpx

    app = app_factory(db)

    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.add_api_route("/boom", boom)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        resp = await c.get("/boom", headers={"X-Request-ID": "req-boom-1"})
    body = assert_problem(resp, 500, "internal_error")
    assert body["request_id"] == "req-boom-1"
    assert "hunter2" not in resp.text and "RuntimeError" not in resp.text
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert logged and logged[0].request_id == "req-boom-1"
    assert logged[0].exc_info is not None  # the traceback goes to the log, not to the caller


async def test_unknown_route_is_a_problem(client) -> None:
    assert_problem(await client.get("/nowhere"), 404, "route_not_found")
    assert_problem(await client.delete("/units"), 405, "method_not_allowed")


async def test_update_and_search(client, auth_headers, db) -> None:
    h = auth_headers(*CITY)
    await client.post("/units", json=UNIT, headers=h)
    r = await client.patch(
        "/units/91220101MA0Y3XXK87", json={"name": "一汽配套新名_100%", "declared_staff": 140}, headers=h
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["declared_staff"]) == ("一汽配套新名_100%", 140)
    bad = await client.patch("/units/91220101MA0Y3XXK87", json={"fully_budget_funded": True}, headers=h)
    assert bad.status_code == 422 and bad.json()["code"] == "unit_registration_inconsistent"
    other = await client.patch(
        "/units/91220101MA0Y3XXK87", json={"name": "x"}, headers=auth_headers(*CITY, region="220200")
    )
    assert other.status_code == 404
    found = (await client.get("/units?q=新名_1", headers=h)).json()["items"]
    assert [u["credit_code"] for u in found] == ["91220101MA0Y3XXK87"]
    assert (await client.get("/units?q=_2", headers=h)).json()["items"] == []  # _ is a character, not a wildcard
    async with db.sessionmaker() as s:
        actions = (await s.execute(select(audit_log.c.action).order_by(audit_log.c.id))).scalars().all()
    assert actions == ["unit.registered", "unit.updated"]
