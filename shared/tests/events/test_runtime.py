"""The lifespan wiring: start_events runs the relay and consumers the settings ask for, on either transport."""

import asyncio
import uuid

import nats
import pytest
import uvicorn
from fastapi import FastAPI

from insurance_shared.auth import TokenVerifier
from insurance_shared.events import Handlers
from insurance_shared.events.feed import feed_router
from insurance_shared.events.jetstream import stream_name
from insurance_shared.events.runtime import start_events
from insurance_shared.settings import DEV_JWT_SECRET, ServiceSettings

from .conftest import NATS_URL, SOURCE, Harness, free_port, make_handlers, require_nats
from .test_contract import produce


class _Settings(ServiceSettings):
    database_url: str = "unused"


async def _wait_applied(h: Harness, n: int, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await h.applied_count() < n:
        assert asyncio.get_running_loop().time() < deadline, f"{await h.applied_count()} of {n} applied"
        await asyncio.sleep(0.02)


async def test_feed_runtime_polls_its_peer(databases, behaviour) -> None:
    producer, consumer = databases
    app = FastAPI()
    app.state.db = producer
    app.state.token_verifier = TokenVerifier(secret=DEV_JWT_SECRET)
    app.include_router(feed_router())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    settings = _Settings(event_transport="feed", peers={SOURCE: f"http://127.0.0.1:{port}"}, feed_wait_seconds=2)
    runtime = start_events(consumer, "test-consumer", settings, make_handlers(behaviour))
    h = Harness(producer, consumer, behaviour)
    try:
        assert len(runtime.tasks) == 1
        await produce(h, "rt", range(1, 21))
        await _wait_applied(h, 20)
    finally:
        await runtime.stop()
        server.should_exit = True
        await serving


async def test_nats_runtime_relays_and_consumes(databases, behaviour) -> None:
    require_nats()
    producer, consumer = databases
    prefix = f"rt{uuid.uuid4().hex[:6]}."
    producing = start_events(producer, SOURCE, _Settings(event_transport="nats", nats_prefix=prefix), Handlers())
    consuming = start_events(
        consumer,
        "test-consumer",
        _Settings(event_transport="nats", nats_prefix=prefix, relay_in_process=False),
        make_handlers(behaviour),
    )
    h = Harness(producer, consumer, behaviour)
    try:
        assert len(producing.tasks) == 1 and len(consuming.tasks) == 1  # a relay; a consumer
        await produce(h, "rt", range(1, 21))
        await _wait_applied(h, 20)
    finally:
        await producing.stop()
        await consuming.stop()
        nc = await nats.connect(NATS_URL)
        await nc.jetstream().delete_stream(stream_name(SOURCE, prefix))
        await nc.close()


def test_feed_runtime_needs_its_peers_url(databases, behaviour) -> None:
    with pytest.raises(RuntimeError, match="PEERS"):
        start_events(databases[1], "test-consumer", _Settings(event_transport="feed"), make_handlers(behaviour))
