"""Deciding on a fresh projection: before a decision that is stored (a claim's registration), a consumer asks the
producer for its head (``GET /events/head``) and waits, bounded, until its own applied position has reached it.
Events cross asynchronously; without this a person registered a second after their last months were paid would be
refused on the months that had arrived, and the refusal kept.

Positions are the producer's outbox positions on either transport: the feed consumer stores them as its cursor,
the JetStream consumer from each message's ``Outbox-Position`` header (``Inbox.advance``). When the producer is
not configured as a peer (in-process tests, a service run alone) there is nothing to compare with and the check
passes: production configurations name their peers, which the feed transport needs anyway.
"""

from __future__ import annotations

import asyncio
import math
import time

import httpx
from fastapi import Request

from ..db import Database
from ..errors import Problem
from ..peers import peer
from .inbox import Inbox
from .outbox import Cursor

__all__ = ["HistoryCatchingUp", "wait_until_caught_up"]

POLL_SECONDS = 0.05


class HistoryCatchingUp(Problem):
    def __init__(self, source: str, detail: str, retry_after: float) -> None:
        super().__init__(
            503,
            "history_catching_up",
            "Service Unavailable",
            detail,
            headers={"Retry-After": str(max(1, math.ceil(retry_after)))},
            extra={"source": source},
        )


async def wait_until_caught_up(request: Request, source: str, *, wait_seconds: float) -> None:
    """Return once this service has applied every event ``source`` had committed when asked; else raise
    :class:`HistoryCatchingUp` (503 with ``Retry-After``) after ``wait_seconds``, having written nothing."""
    producer = peer(request.app.state, source)
    if producer is None:
        return
    try:
        r = await producer.get("/events/head")
        r.raise_for_status()
        head = Cursor.parse(r.json()["position"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise HistoryCatchingUp(
            source, f"cannot learn how far {source} has got ({type(exc).__name__}); try again shortly", 5
        ) from None
    db: Database = request.app.state.db
    inbox = Inbox(db, request.app.state.handlers)
    deadline = time.monotonic() + wait_seconds
    while True:
        applied = Cursor.parse(await inbox.cursor(source))
        if applied >= head:
            return
        if time.monotonic() >= deadline:
            raise HistoryCatchingUp(
                source,
                f"this service has applied {source}'s events up to {applied}, {source} is at {head}: the history "
                f"is still arriving, so nothing was decided or stored; try again shortly",
                max(wait_seconds, 1),
            )
        await asyncio.sleep(POLL_SECONDS)
