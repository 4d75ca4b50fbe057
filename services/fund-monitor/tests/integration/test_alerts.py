"""Payment-capacity alerts (N§8): under two months one alert per region, to three recipients, each acknowledging;
closed when capacity recovers, history kept; an early-warning tier, one current level per region; events; webhook
deliveries with retries."""

import asyncio
import datetime as dt
import json

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from fund_monitor.alerts.models import WebhookDelivery
from fund_monitor.alerts.webhooks import deliver_due
from insurance_shared.events.outbox import outbox

PROVINCE_LABOR = ("labor_department", "province")
SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLXdlYmhvb2stc2lnbmluZw=="
PROVINCE_SI = ("social_insurance", "province")


async def drain_capacity(client, auth_headers, fm, region="220100") -> None:
    """A fund of 100,000 yuan paying 60,000 a month for the last two months: capacity well under two months."""
    r = await client.post(
        f"/regions/{region}/opening-balance",
        json={"as_of": str(fm.month(-2)), "amount": "100000.00"},
        headers=auth_headers("province", region="220000"),
    )
    assert r.status_code == 201, r.text
    await fm.feed(fm.benefits(region, fm.month(-1), 60_000), fm.benefits(region, fm.month(0), 30_000))


async def test_alert_raised_acknowledged_and_closed(client, auth_headers, fm, db) -> None:
    await drain_capacity(client, auth_headers, fm)
    # balance 10,000; expenditure 90,000 over three months (-2, -1, 0) → 0.33 months: one alert, of the region's
    # one current level (not an early warning beside it: #26 found both open for one month)
    province = auth_headers("province", region="220000")
    alerts = (await client.get("/alerts?region=220100&state=open", headers=province)).json()["items"]
    assert [a["level"] for a in alerts] == ["critical"]
    critical = alerts[0]
    assert critical["capacity_months"] == "0.33"
    assert [r["recipient"] for r in critical["recipients"]] == [
        "local_government",
        "provincial_labor_department",
        "provincial_social_insurance",
    ]
    assert {c["clause"] for c in critical["criteria"]} == {"N§8"}

    # more movements while still under: still one alert per tier
    await fm.feed(fm.benefits("220100", fm.month(0), 1_000))
    assert await fm.count("SELECT count(*) FROM alerts WHERE level = 'critical'") == 1

    async with db.sessionmaker() as s:
        raised = [
            json.loads(e)
            for e in (
                await s.execute(select(outbox.c.envelope).where(outbox.c.type == "fund_monitor.alert_raised.v1"))
            ).scalars()
        ]
    assert [e["data"]["level"] for e in raised] == ["critical"]
    assert all(e["subject"] == "220100" for e in raised)

    aid = critical["id"]
    # someone the alert is not addressed to
    not_mine = await client.post(
        f"/alerts/{aid}/acknowledgements", json={}, headers=auth_headers("social_insurance", region="220100")
    )
    assert not_mine.status_code == 403 and not_mine.json()["code"] == "not_a_recipient"
    other_gov = await client.post(
        f"/alerts/{aid}/acknowledgements", json={}, headers=auth_headers("local_government", region="220200")
    )
    assert other_gov.status_code == 404  # another region's alert does not exist for this caller

    for roles, region in (
        (("local_government",), "220100"),
        (PROVINCE_LABOR, "220000"),
        (PROVINCE_SI, "220000"),
    ):
        r = await client.post(
            f"/alerts/{aid}/acknowledgements", json={"note": "收悉"}, headers=auth_headers(*roles, region=region)
        )
        assert r.status_code == 201, r.text
    again = await client.post(
        f"/alerts/{aid}/acknowledgements", json={}, headers=auth_headers("local_government", region="220100")
    )
    assert again.status_code == 409 and again.json()["code"] == "already_acknowledged"
    detail = (await client.get(f"/alerts/{aid}", headers=auth_headers("local_government", region="220100"))).json()
    assert all(r["acknowledged_at"] for r in detail["recipients"])
    assert sorted(d["recipient"] for d in detail["deliveries"]) == [
        "local_government",
        "provincial_labor_department",
        "provincial_social_insurance",
    ]

    # the fund recovers: a fiscal subsidy of 1,000,000 → the alert closes as recovered, history kept
    r = await client.post(
        "/regions/220100/income",
        json={"kind": "fiscal_subsidy", "amount": "1000000.00", "booked_on": str(fm.TODAY), "reference": "rescue-1"},
        headers=province,
    )
    assert r.status_code == 201, r.text
    assert (await client.get("/alerts?region=220100&state=open", headers=province)).json()["items"] == []
    closed = (await client.get("/alerts?region=220100&state=closed", headers=province)).json()["items"]
    assert [(a["level"], a["closed_reason"]) for a in closed] == [("critical", "recovered")] and closed[0]["closed_at"]
    assert await fm.count("SELECT count(*) FROM outbox WHERE type = 'fund_monitor.alert_closed.v1'") == 1

    csv = await client.get("/alerts.csv", headers=province)
    assert csv.status_code == 200 and csv.text.count("\r\n") == 2  # header and the alert

    # a city caller sees only its own region's alerts
    assert (await client.get("/alerts", headers=auth_headers("social_insurance", region="220200"))).json()[
        "items"
    ] == []
    r = await client.get("/alerts?region=220100", headers=auth_headers("social_insurance", region="220200"))
    assert r.status_code == 403


async def test_one_current_level_per_region_escalated_eased_and_recovered_as_one_history(
    client, auth_headers, fm, db
) -> None:
    """#26 item 3: a region has one open alert, of its current level; each change of level closes the open alert
    (escalated, eased, recovered) and the next names the one it replaces."""
    province = auth_headers("province", region="220000")

    async def open_levels() -> list[str]:
        items = (await client.get("/alerts?region=220100&state=open", headers=province)).json()["items"]
        return [a["level"] for a in items]

    async def income(amount: str, ref: str) -> None:
        body = {"kind": "fiscal_subsidy", "amount": amount, "booked_on": str(fm.TODAY), "reference": ref}
        r = await client.post("/regions/220100/income", json=body, headers=province)
        assert r.status_code == 201, r.text

    r = await client.post(
        "/regions/220100/opening-balance",
        json={"as_of": str(fm.month(-2)), "amount": "500000.00"},
        headers=province,
    )
    assert r.status_code == 201, r.text
    await fm.feed(fm.benefits("220100", fm.month(-1), 150_000))  # 350,000 ÷ (150,000 / 3) = 7 months
    assert await open_levels() == []
    await fm.feed(fm.benefits("220100", fm.month(0), 100_000))  # 250,000 ÷ 83,333.33 = 3.00
    assert await open_levels() == ["early_warning"]
    await fm.feed(fm.benefits("220100", fm.month(0), 100_001))  # 149,999 ÷ 116,667 = 1.28
    assert await open_levels() == ["critical"]
    await income("200000.00", "help-1")  # 349,999 → 2.99
    assert await open_levels() == ["early_warning"]
    await income("1000000.00", "help-2")
    assert await open_levels() == []

    history = sorted(
        (await client.get("/alerts?region=220100", headers=province)).json()["items"], key=lambda a: a["id"]
    )
    assert [(a["level"], a["closed_reason"]) for a in history] == [
        ("early_warning", "escalated"),
        ("critical", "eased"),
        ("early_warning", "recovered"),
    ]
    ids = [a["id"] for a in history]
    assert [a["replaces"] for a in history] == [None, ids[0], ids[1]]
    assert [a["superseded_by"] for a in history] == [ids[1], ids[2], None]
    async with db.sessionmaker() as s:
        closed = [
            json.loads(e)["data"]
            for e in (
                await s.execute(
                    select(outbox.c.envelope)
                    .where(outbox.c.type == "fund_monitor.alert_closed.v1")
                    .order_by(outbox.c.id)
                )
            ).scalars()
        ]
    assert [(c["reason"], c["superseded_by"]) for c in closed] == [
        ("escalated", ids[1]),
        ("eased", ids[2]),
        ("recovered", None),
    ]


class Receiver:
    """A real HTTP endpoint on localhost that fails its first ``fail`` requests."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.received: list[dict] = []
        self.headers: list[dict[str, str]] = []  # of every request, failed ones included
        self.bodies: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        body = await reader.readexactly(length)
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.decode().partition(":") for line in head.split(b"\r\n")[1:] if b":" in line)
        }
        self.headers.append(headers)
        self.bodies.append(body)
        if self.fail > 0:
            self.fail -= 1
            writer.write(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbusy")
        else:
            self.received.append(json.loads(body))
            writer.write(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


async def test_webhooks_retry_and_record(client, auth_headers, fm, db) -> None:
    await drain_capacity(client, auth_headers, fm)
    receiver = Receiver(fail=1)
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    hooks = {
        "local_government:220100": f"http://127.0.0.1:{port}/gov",
        "provincial_labor_department": f"http://127.0.0.1:{port}/labor",
        # no URL for the provincial social-insurance company: recorded as skipped, not silently dropped
    }
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            assert (
                await deliver_due(db, http, hooks, secret=SECRET, base_delay_seconds=0) == 3
            )  # the critical alert's three recipients
            await deliver_due(db, http, hooks, secret=SECRET, base_delay_seconds=0)  # the one that failed, again
    finally:
        server.close()
        await server.wait_closed()
    async with db.sessionmaker() as s:
        rows = (await s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all()
    states = sorted((d.recipient, d.state, d.attempts) for d in rows)
    # the first delivery (the critical alert's, to the local government) met the 503 and went again
    assert states == [
        ("local_government", "delivered", 2),
        ("provincial_labor_department", "delivered", 1),
        ("provincial_social_insurance", "skipped", 0),
    ]
    retried = next(d for d in rows if d.attempts == 2)
    assert retried.last_status == 204 and retried.delivered_at is not None
    assert len(receiver.received) == 2
    assert {p["region"] for p in receiver.received} == {"220100"}
    assert {p["clause"] for p in receiver.received} == {"N§8"}
    # #24 item 10: signed the Standard Webhooks way; the recipient verifies with the shared secret and the library,
    # and a delivery tampered with on the way, or signed with another secret, is refused
    verifier = Webhook(SECRET)
    for headers, body in zip(receiver.headers, receiver.bodies, strict=True):
        assert verifier.verify(body, headers)["region"] == "220100"
    assert receiver.headers[0]["webhook-id"] == receiver.headers[-1]["webhook-id"]  # the retry keeps its id
    with pytest.raises(WebhookVerificationError):
        verifier.verify(receiver.bodies[-1].replace(b"220100", b"220200"), receiver.headers[-1])
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==").verify(receiver.bodies[-1], receiver.headers[-1])


async def test_failed_delivery_gives_up_after_max_attempts(client, auth_headers, fm, db) -> None:
    await drain_capacity(client, auth_headers, fm)
    hooks = {"provincial_labor_department": "http://127.0.0.1:9/unreachable"}
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(3):
            await deliver_due(db, http, hooks, secret=SECRET, max_attempts=3, base_delay_seconds=0)
    async with db.sessionmaker() as s:
        rows = (
            await s.scalars(select(WebhookDelivery).where(WebhookDelivery.recipient == "provincial_labor_department"))
        ).all()
    assert {(d.state, d.attempts) for d in rows} == {("failed", 3)}
    assert all("ConnectError" in d.last_error for d in rows)
    assert all(d.next_attempt_at <= dt.datetime.now(dt.UTC) for d in rows)


async def test_parameters_served_and_the_early_warning_line_kept_above_the_alert_line(client, auth_headers, fm) -> None:
    """#18 item 3: fund-monitor serves its dated parameters; the province cannot set an early-warning line at or
    under the statutory two-month line."""
    province = auth_headers("province", region="220000")
    listed = {p["name"]: p for p in (await client.get("/parameters?region=220100", headers=province)).json()}
    assert listed["alert_threshold_months"]["value"] == "2"
    start = str(dt.date.today() + dt.timedelta(days=10))
    body = {
        "name": "early_warning_threshold_months",
        "region": "220100",
        "value": "2",
        "valid_from": start,
        "reference": "x",
    }
    r = await client.post("/parameters", json=body, headers=province)
    assert r.status_code == 422 and r.json()["code"] == "parameter_breaks_rule", r.text
    assert "must lie above the alert line 2" in r.text
    ok = await client.post("/parameters", json={**body, "value": "8"}, headers=province)
    assert ok.status_code == 201, ok.text
