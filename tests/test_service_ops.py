"""What every service has in common, checked on all four: health, readiness, metrics, request ids, OpenAPI."""

import importlib
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from insurance_shared.db import Database
from insurance_shared.migrations import heads, upgrade
from insurance_shared.testing.fixtures import create_test_database, drop_test_database

PACKAGES = ["contributions", "claims", "layoff_reporting", "fund_monitor"]


def make_app(package: str, database_url: str, database: Database | None = None, **more):
    main = importlib.import_module(f"{package}.main")
    settings = importlib.import_module(f"{package}.settings").Settings(
        database_url=database_url, background_tasks=False, **more
    )
    return main.create_app(settings=settings, database=database)


@pytest.fixture(scope="module", params=PACKAGES)
def service(request) -> Iterator[tuple[str, str]]:
    url = create_test_database(request.param)
    try:
        upgrade(request.param, url)
        yield request.param, url
    finally:
        drop_test_database(url)


@pytest_asyncio.fixture(loop_scope="session")
async def client(service) -> AsyncIterator[httpx.AsyncClient]:
    package, url = service
    db = Database(url)
    app = make_app(package, url, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c
    await db.dispose()


async def test_healthz_and_readyz(client, service) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["migrations"] == list(heads(service[0]))


async def test_readyz_503_when_database_unreachable(service) -> None:
    package, _ = service
    url = "postgresql+asyncpg://root@127.0.0.1:1/nowhere"  # nothing listens on port 1
    db = Database(url)
    app = make_app(package, url, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        resp = await c.get("/readyz")
    await db.dispose()
    assert resp.status_code == 503
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == "database_unreachable"
    assert resp.json()["status"] == 503


async def test_readyz_503_when_migrations_pending(service) -> None:
    package, _ = service
    url = create_test_database(package + "_empty")
    try:
        db = Database(url)
        app = make_app(package, url, db)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            resp = await c.get("/readyz")
        await db.dispose()
    finally:
        drop_test_database(url)
    assert resp.status_code == 503
    assert resp.json()["code"] == "migrations_pending"


async def test_request_id_is_returned_and_generated(client) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "city-sys-42"})
    assert given.headers["x-request-id"] == "city-sys-42"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces" and len(made.headers["x-request-id"]) == 32


async def test_metrics_count_requests_by_route_method_status(client, auth_headers) -> None:
    """By route template (the label prometheus-fastapi-instrumentator users know, `handler`), never the raw path (no
    identity number in a label); the event feed's long polls are counted but not in the latency histogram."""
    await client.get("/healthz")
    await client.get("/nowhere/220102199001011239")
    await client.get("/events?limit=1", headers=auth_headers("service", region="220000"))
    text = (await client.get("/metrics")).text
    assert 'http_requests_total{handler="/healthz",method="GET",status="200"} 1.0' in text
    assert 'http_requests_total{handler="none",method="GET",status="404"} 1.0' in text
    assert 'http_request_duration_seconds_bucket{handler="/healthz",le="30.0",method="GET",status="200"} 1.0' in text
    assert "220102199001011239" not in text
    assert 'http_requests_total{handler="/events",method="GET",status="200"} 1.0' in text
    assert 'http_request_duration_seconds_count{handler="/events"' not in text
    # the process and the interpreter, which a registry of the app's own had dropped (#26 item 4)
    assert "process_resident_memory_bytes" in text and "python_gc_objects_collected_total" in text
    assert "python_info" in text


async def test_openapi_has_an_ascii_title_chinese_description_summaries_and_examples(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    # a client generator makes the package name from the title: pip refuses 待遇服务_claims_client
    assert re.fullmatch(r"jilin-ui-[a-z-]+", spec["info"]["title"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in spec["info"]["description"].split("\n")[0])
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), f"{method} {path} has no summary"
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                if media == "application/json":
                    ref = content["schema"]["$ref"].split("/")[-1]
                    assert schemas[ref].get("examples"), f"{ref} has no example"
                else:  # uploads (CSV, JSON Lines) carry an example of the file
                    assert content.get("example"), f"{method} {path} {media} has no example"
            if "422" in op["responses"]:
                assert "application/problem+json" in op["responses"]["422"]["content"]
    assert (await client.get("/docs")).status_code == 200


async def test_openapi_describes_what_goes_over_the_wire(client) -> None:
    """Errors as problem+json with an example of their own status; 401/403 only where a token is taken; clean,
    unique operationIds; each operation says who may call it; writes with Idempotency-Key document their 409."""
    spec = (await client.get("/openapi.json")).json()
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            where = f"{method} {path}"
            assert re.fullmatch(r"[a-z_]+\.[a-z_]+", op["operationId"]), where
            secured = "security" in op
            assert secured or not {"401", "403"} & op["responses"].keys(), where
            assert ("需要角色 (roles): " in op["description"]) if secured else ("公开" in op["description"]), where
            if any(p["name"] == "Idempotency-Key" for p in op.get("parameters", [])):
                assert "409" in op["responses"], where
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], f"{where} {status}"
                    body = response["content"]["application/problem+json"]
                    assert body["schema"] == {"$ref": "#/components/schemas/ProblemBody"}
                    if "example" in body:
                        assert body["example"]["status"] == int(status), f"{where} {status}"


async def test_the_documented_401_is_the_answer_sent(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    path, op = next((p, ops["get"]) for p, ops in spec["paths"].items() if "get" in ops and "security" in ops["get"])
    sent = await client.get(re.sub(r"\{[^}]+\}", "1", path))
    documented = op["responses"]["401"]["content"]["application/problem+json"]["example"]
    assert sent.status_code == 401
    assert sent.headers["content-type"] == "application/problem+json"
    assert sent.json()["code"] == documented["code"]
    assert sent.json().keys() == documented.keys()


async def test_an_unknown_query_parameter_is_refused_not_ignored(client) -> None:
    """A typo like ?regoin= would answer the caller's whole scope as if no filter had been asked for (#24 item 8:
    found by the fuzzer's negative cases). Every operation refuses query parameters it does not take, by name."""
    r = await client.get("/healthz?verbose=1&x=2")
    assert r.status_code == 422 and r.json()["code"] == "unknown_parameter"
    assert [e["field"] for e in r.json()["errors"]] == ["query.verbose", "query.x"]
    assert (await client.get("/healthz")).status_code == 200
    spec = (await client.get("/openapi.json")).json()
    every_status = {s for ops in spec["paths"].values() for op in ops.values() for s in op["responses"]}
    assert {"431", "503"} <= every_status  # what any request may meet, documented (#24 item 7)


async def test_options_and_a_wrong_method_name_every_method_of_the_path(client) -> None:
    """#24 item 7: OPTIONS answered 405 without Allow, and a wrong method's 405 named only the first route of the
    path (each method is a route of its own: /parameters said Allow: GET although it also takes POST)."""
    options = await client.options("/parameters")
    assert options.status_code == 204 and options.headers["allow"] == "GET, OPTIONS, POST"
    wrong = await client.delete("/parameters")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, OPTIONS, POST"
    assert wrong.json()["code"] == "method_not_allowed"
    assert (await client.options("/no-such-path")).status_code == 404


async def test_the_access_log_names_who_asked_what_and_the_trace(client, auth_headers, caplog) -> None:
    """#26 item 5: the access log line carries the token's sub and region, the query string (identifiers masked)
    and the trace id, so an operator can follow one caller and one request across the services."""
    import logging

    caplog.set_level(logging.INFO)
    headers = {
        **auth_headers("province", region="220000", sub="officer-7"),
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    }
    await client.get("/parameters?region=220100", headers=headers)
    (line,) = [r for r in caplog.records if r.name.endswith(".access") and r.path == "/parameters"]
    assert (line.sub, line.region, line.query) == ("officer-7", "220000", "region=220100")
    assert line.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"


async def test_traces_are_exported_over_otlp_when_an_endpoint_is_configured(service, auth_headers) -> None:
    """#26 item 5: OpenTelemetry's instrumentation makes the request's span in the caller's trace and, with
    `<PREFIX>_OTLP_ENDPOINT` set, the SDK posts it to the collector (here a real HTTP listener on localhost)."""
    import asyncio

    received: list[tuple[bytes, bytes]] = []

    async def collector(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
        received.append((head, await reader.readexactly(length)))
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(collector, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    package, url = service
    db = Database(url)
    app = make_app(package, url, db, otlp_endpoint=f"http://127.0.0.1:{port}")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get(
                "/parameters",
                headers={
                    **auth_headers("province", region="220000"),
                    "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                },
            )
            assert r.status_code == 200, r.text
        assert await asyncio.to_thread(app.state.tracer_provider.force_flush, 10_000)
    finally:
        app.state.tracer_provider.shutdown()
        server.close()
        await db.dispose()
    assert received, "no spans reached the collector"
    head, body = received[0]
    assert head.startswith(b"POST /v1/traces ") and b"application/x-protobuf" in head.lower()
    assert bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736") in body  # the caller's trace id, in the span
    assert package.replace("_", "-").encode() in body  # service.name


async def test_no_traces_leave_without_an_endpoint(client) -> None:
    app = client._transport.app
    assert app.state.tracer_provider._active_span_processor._span_processors == ()


async def test_metrics_show_the_event_pipeline(client, service) -> None:
    """#26 item 4: parked dead letters, how long each consumer has not advanced, and on NATS the relay's backlog
    and the age of its oldest unpublished event; read from the service's own tables at each scrape."""
    import datetime as dt
    import uuid

    from sqlalchemy import delete, insert

    from insurance_shared.db import utcnow
    from insurance_shared.events.inbox import consumer_cursors, dead_letters
    from insurance_shared.events.jetstream import RELAY_CURSOR_KEY
    from insurance_shared.events.outbox import outbox

    _, url = service
    db = Database(url)
    now = utcnow()
    event = str(uuid.uuid4())
    try:
        async with db.sessionmaker() as s:
            await s.execute(
                insert(dead_letters).values(
                    event_id=event,
                    source="peer-x",
                    type="t",
                    subject="s",
                    envelope="{}",
                    error="boom",
                    attempts=5,
                    status="parked",
                    parked_at=now,
                )
            )
            await s.execute(
                insert(consumer_cursors),
                [
                    {"source": "peer-x", "cursor": "0-1", "updated_at": now - dt.timedelta(seconds=90)},
                    {"source": RELAY_CURSOR_KEY, "cursor": "0-0", "updated_at": now},
                ],
            )
            await s.execute(
                insert(outbox).values(
                    event_id=event, type="t", subject="s", time=now - dt.timedelta(seconds=40), envelope="{}"
                )
            )
            await s.commit()
        text = (await client.get("/metrics")).text
        values = {
            line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines() if line.startswith("events_")
        }
        assert values["events_dead_letters_parked"] == 1
        assert values['events_consumer_idle_seconds{source="peer-x"}'] >= 90
        assert values["events_outbox_unpublished"] >= 1
        assert values["events_outbox_oldest_unpublished_seconds"] >= 40
    finally:
        async with db.sessionmaker() as s:  # the module's database is shared by the other tests
            await s.execute(delete(dead_letters).where(dead_letters.c.event_id == event))
            await s.execute(delete(consumer_cursors).where(consumer_cursors.c.source.in_(["peer-x", RELAY_CURSOR_KEY])))
            await s.execute(delete(outbox).where(outbox.c.event_id == event))
            await s.commit()
        await db.dispose()
