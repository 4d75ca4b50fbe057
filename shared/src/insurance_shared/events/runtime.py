"""Starting and stopping a service's event machinery in its lifespan, per the configured transport."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from ..db import Database
from ..settings import ServiceSettings
from .feed import FeedConsumer, service_token_provider
from .inbox import Handlers, Inbox
from .jetstream import JetStreamConsumer, JetStreamRelay

log = logging.getLogger(__name__)


@dataclass
class EventRuntime:
    inbox: Inbox
    workers: list[Any] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for worker in self.workers:
            await worker.aclose()


def make_relay(db: Database, service: str, settings: ServiceSettings) -> JetStreamRelay:
    return JetStreamRelay(db, source=service, url=settings.nats_url, prefix=settings.nats_prefix)


def start_events(db: Database, service: str, settings: ServiceSettings, handlers: Handlers) -> EventRuntime:
    inbox = Inbox(
        db,
        handlers,
        max_attempts=settings.consumer_max_attempts,
        backoff_seconds=settings.consumer_backoff_seconds,
        delay_seconds=settings.consumer_delay_seconds,
    )
    runtime = EventRuntime(inbox)
    if not settings.background_tasks:
        return runtime
    if settings.event_transport == "nats" and settings.relay_in_process:
        runtime.workers.append(make_relay(db, service, settings))
    for source in sorted(handlers.sources()):
        if settings.event_transport == "nats":
            runtime.workers.append(
                JetStreamConsumer(
                    inbox,
                    source=source,
                    durable=service.replace("-", "_"),
                    url=settings.nats_url,
                    prefix=settings.nats_prefix,
                )
            )
        else:
            url = settings.peers.get(source)
            if url is None:
                raise RuntimeError(f"{service} consumes events of {source}: set its URL in PEERS ({source!r} key)")
            token = service_token_provider(
                settings.jwt_secret.get_secret_value(),
                service,
                settings.service_token.get_secret_value() if settings.service_token else None,
            )
            runtime.workers.append(
                FeedConsumer(
                    inbox,
                    source=source,
                    base_url=url,
                    token=token,
                    wait_seconds=settings.feed_wait_seconds,
                    skip=handlers.unhandled(source),
                )
            )
    runtime.tasks = [asyncio.create_task(w.run()) for w in runtime.workers]
    return runtime
