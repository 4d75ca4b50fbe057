"""What an operator alerts on in the event pipeline of a service (#26 item 4), read from its own tables at each
scrape of ``/metrics``:

* ``events_dead_letters_parked``: events a handler could not apply and parked, waiting for a person;
* ``events_consumer_idle_seconds{source}``: how long since this service last advanced its position in a peer's
  events (a stuck consumer grows; an idle peer does too, so alert on it beside the peer's own outbox);
* ``events_outbox_unpublished`` and ``events_outbox_oldest_unpublished_seconds``: on the NATS transport, the events
  committed here that the relay has not yet published, and the age of the oldest (0 on the feed transport, where
  consumers read the outbox themselves).
"""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select, tuple_

from ..db import utcnow
from .inbox import consumer_cursors, dead_letters
from .jetstream import RELAY_CURSOR_KEY
from .outbox import Cursor, outbox

__all__ = ["pipeline_gauges"]


async def pipeline_gauges(app: FastAPI, registry: CollectorRegistry) -> None:
    gauges = getattr(app.state, "pipeline_gauges", None)
    if gauges is None:
        gauges = app.state.pipeline_gauges = (
            Gauge("events_dead_letters_parked", "events parked after their handler failed", registry=registry),
            Gauge(
                "events_consumer_idle_seconds",
                "seconds since this service last advanced in a peer's events",
                ["source"],
                registry=registry,
            ),
            Gauge("events_outbox_unpublished", "committed events the NATS relay has not published", registry=registry),
            Gauge(
                "events_outbox_oldest_unpublished_seconds",
                "age of the oldest committed event the NATS relay has not published",
                registry=registry,
            ),
        )
    parked, idle, unpublished, oldest = gauges
    now = utcnow()
    async with app.state.db.sessionmaker() as session:
        parked.set(
            await session.scalar(
                select(func.count()).select_from(dead_letters).where(dead_letters.c.status == "parked")
            )
            or 0
        )
        cursors = dict((await session.execute(select(consumer_cursors.c.source, consumer_cursors.c.updated_at))).all())
        relay = await session.scalar(
            select(consumer_cursors.c.cursor).where(consumer_cursors.c.source == RELAY_CURSOR_KEY)
        )
        backlog, first = 0, None
        if relay is not None:
            at = Cursor.parse(relay)
            backlog, first = (
                await session.execute(
                    select(func.count(), func.min(outbox.c.time)).where(
                        tuple_(outbox.c.txid, outbox.c.id) > tuple_(at.txid, at.id)
                    )
                )
            ).one()
    for source, updated_at in cursors.items():
        if source != RELAY_CURSOR_KEY:
            idle.labels(source).set(max(0.0, (now - updated_at).total_seconds()))
    unpublished.set(backlog or 0)
    oldest.set(max(0.0, (now - first).total_seconds()) if first is not None else 0.0)
