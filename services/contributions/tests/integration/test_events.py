"""contributions as an event producer: unit registration emits an event in the same transaction, served by the
feed; dead letters are listed and retried by the province."""

import asyncio
import json
import uuid

import httpx
from sqlalchemy import insert, select

from contributions.main import create_app
from contributions.settings import Settings
from insurance_shared.audit import audit_log
from insurance_shared.db import Database, utcnow
from insurance_shared.events.inbox import dead_letters, processed_events
from insurance_shared.migrations import upgrade

UNIT = {
    "credit_code": "91220101MA0Y3XXK87",
    "name": "长春市一汽配套零部件有限公司",
    "kind": "enterprise",
    "region": "220100",
    "declared_staff": 120,
}


async def test_registration_emits_an_event_served_by_the_feed(live_client, auth_headers) -> None:
    resp = await live_client.post(
        "/units",
        json=UNIT,
        headers={
            **auth_headers("social_insurance"),
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        },
    )
    assert resp.status_code == 201
    # the feed serves a committed event once no older transaction can still commit before it (outbox.py's horizon,
    # cluster-wide on PostgreSQL): another database's open transaction delays it, so read as a consumer polls
    for _ in range(100):
        page = (await live_client.get("/events", headers=auth_headers("service", region="220000"))).json()
        if page["events"]:
            break
        await asyncio.sleep(0.1)
    assert len(page["events"]) == 1
    event = page["events"][0]["event"]
    assert event["type"] == "contributions.unit_registered.v1"
    assert event["source"] == "contributions"
    assert event["subject"] == "91220101MA0Y3XXK87"
    assert event["region"] == "220100"
    assert event["data"]["declared_staff"] == 120
    assert event["traceparent"].split("-")[1] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert page["next_cursor"] == page["events"][0]["cursor"]
    again = (
        await live_client.get(f"/events?after={page['next_cursor']}", headers=auth_headers("service", region="220000"))
    ).json()
    assert again == {"events": [], "next_cursor": page["next_cursor"]}


async def test_a_refused_registration_emits_nothing(live_client, auth_headers) -> None:
    await live_client.post(
        "/units", json={**UNIT, "fully_budget_funded": True}, headers=auth_headers("social_insurance")
    )
    page = (await live_client.get("/events", headers=auth_headers("service", region="220000"))).json()
    assert page["events"] == []


async def test_feed_is_for_services_only_and_checks_its_cursor(client, auth_headers) -> None:
    assert (await client.get("/events", headers=auth_headers("province", region="220000"))).status_code == 403
    assert (await client.get("/events")).status_code == 401
    bad = await client.get("/events?after=abc", headers=auth_headers("service", region="220000"))
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"


async def _park(db: Database, event_type: str, subject: str = "S1") -> int:
    env = {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "source": "claims",
        "subject": subject,
        "time": utcnow().isoformat(),
        "region": "220100",
        "data": {
            "credit_code": "91220101MA0Y3XXK87",
            "name": "x",
            "kind": "enterprise",
            "region": "220100",
            "declared_staff": 1,
        },
    }
    async with db.sessionmaker() as s:
        result = await s.execute(
            insert(dead_letters)
            .values(
                event_id=env["id"],
                source="claims",
                type=event_type,
                subject=subject,
                envelope=json.dumps(env),
                error="RuntimeError: boom",
                attempts=5,
                status="parked",
                parked_at=utcnow(),
            )
            .returning(dead_letters.c.id)
        )
        await s.commit()
        return result.scalar_one()


async def test_dead_letters_listed_and_retried_by_the_province(live_client, live_db, auth_headers) -> None:
    dl = await _park(live_db, "contributions.unit_registered.v1")
    province = auth_headers("province", region="220000")
    listed = (await live_client.get("/admin/dead-letters", headers=province)).json()
    assert [d["id"] for d in listed["items"]] == [dl]
    assert listed["items"][0]["error"] == "RuntimeError: boom"
    assert (await live_client.get("/admin/dead-letters", headers=auth_headers("social_insurance"))).status_code == 403
    retried = await live_client.post(f"/admin/dead-letters/{dl}/retry", headers=province)
    assert retried.status_code == 200, retried.text
    assert retried.json() == {"id": dl, "status": "resolved", "resolved": [dl], "still_parked": []}
    assert (await live_client.get("/admin/dead-letters", headers=province)).json()["items"] == []
    async with live_db.sessionmaker() as s:
        assert (await s.execute(select(processed_events.c.outcome))).scalar_one() == "ignored"
        assert (await s.execute(select(audit_log.c.action))).scalar_one() == "dead_letter.retried"
    missing = await live_client.post("/admin/dead-letters/999999/retry", headers=province)
    assert missing.status_code == 404 and missing.json()["code"] == "dead_letter_not_found"


async def test_feed_on_the_sqlite_default(tmp_path, auth_headers) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'contributions.db'}"
    upgrade("contributions", url)
    db = Database(url)
    app = create_app(settings=Settings(database_url=url, background_tasks=False), database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for code in ("91220101MA0Y3XXK87", "91220102MA0Y3XXK8M"):
            r = await c.post("/units", json={**UNIT, "credit_code": code}, headers=auth_headers("social_insurance"))
            assert r.status_code == 201, r.text
        page = (await c.get("/events?limit=1", headers=auth_headers("service", region="220000"))).json()
        rest = (
            await c.get(f"/events?after={page['next_cursor']}", headers=auth_headers("service", region="220000"))
        ).json()
        assert (await c.get("/readyz")).status_code == 200
    await db.dispose()
    assert [e["event"]["subject"] for e in page["events"] + rest["events"]] == [
        "91220101MA0Y3XXK87",
        "91220102MA0Y3XXK8M",
    ]
    assert page["events"][0]["cursor"] == "0-1"
