"""Transport ``feed``: no broker. Each service serves its outbox as ``GET /events?after=<cursor>``; consumers poll
their peers and keep their cursor in their own database, advanced in the same transaction as the effects."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints

from ..auth import Principal, Role, issue_token, require_roles
from ..db import Database
from ..errors import Problem
from ..regions import PROVINCE
from .envelope import Envelope
from .inbox import Inbox, Incoming
from .outbox import RECHECK_SECONDS, Cursor, horizon, read_feed, wait_for_commit

__all__ = ["FeedConsumer", "feed_router", "service_token_provider"]

log = logging.getLogger(__name__)


def feed_router() -> APIRouter:
    router = APIRouter(tags=["events"])

    @router.get(
        "/events",
        summary="事件流 (本服务发件箱, 按提交顺序)",
        description=(
            "Events this service emitted, in an order no reader can overtake (see the outbox module). Pass the "
            "`next_cursor` of one page as `after` of the next. `wait` holds the request open up to that many "
            "seconds until an event arrives. `skip` leaves out events of the given types (repeat it for several; "
            "the cursor still moves past them): a consumer names the known types it has no use for. Role `service` "
            "only."
        ),
    )
    async def events(
        request: Request,
        _: Annotated[Principal, Depends(require_roles(Role.SERVICE))],
        after: Annotated[str | None, Query(max_length=50, description="上一页的 next_cursor")] = None,
        limit: Annotated[int, Query(ge=1, le=2000)] = 500,
        wait: Annotated[float, Query(ge=0, le=20, description="长轮询秒数")] = 0,
        skip: Annotated[
            list[Annotated[str, StringConstraints(max_length=200)]],
            Query(max_length=100, description="不需要的事件类型 (可重复)"),
        ] = [],  # noqa: B006 - FastAPI copies defaults per request
    ) -> Response:
        try:
            cursor = Cursor.parse(after)
        except ValueError as exc:
            raise Problem(422, "invalid_cursor", "Invalid cursor", str(exc)) from None
        db: Database = request.app.state.db
        deadline = time.monotonic() + wait
        while True:
            async with db.sessionmaker() as session:
                rows, cursor = await read_feed(session, cursor, limit, skip)
            remaining = deadline - time.monotonic()
            if rows or remaining <= 0 or await request.is_disconnected():
                break
            await wait_for_commit(min(remaining, RECHECK_SECONDS))
        next_cursor = str(cursor)
        # the stored envelopes are already JSON: splice them in rather than parse and re-serialise
        body = (
            '{"events":['
            + ",".join(f'{{"cursor":"{r.cursor}","event":{r.envelope_json}}}' for r in rows)
            + f'],"next_cursor":"{next_cursor}"}}'
        )
        return Response(body, media_type="application/json")

    @router.get(
        "/events/head",
        summary="事件流当前位置 (已提交的最后一个事件)",
        description=(
            "The position of the last event this service has committed for good, whatever the transport: a consumer "
            "whose applied position has reached it has seen everything this service had announced at the time of "
            "the call (claims asks contributions before deciding a registration). Role `service` only."
        ),
        response_model=HeadOut,
    )
    async def head(request: Request, _: Annotated[Principal, Depends(require_roles(Role.SERVICE))]) -> HeadOut:
        db: Database = request.app.state.db
        async with db.sessionmaker() as session:
            return HeadOut(position=str(await horizon(session)))

    return router


class HeadOut(BaseModel):
    position: str = Field(examples=["7421-1093"], description="txid-id; compare with Cursor.parse")


def service_token_provider(secret: str, service: str, fixed: str | None = None) -> Callable[[], str]:
    """Tokens a service presents to its peers: a configured one, or one it signs itself (HS256), renewed hourly."""
    if fixed:
        return lambda: fixed
    state: dict[str, object] = {"token": "", "until": 0.0}

    def get() -> str:
        now = time.monotonic()
        if now >= float(state["until"]):  # type: ignore[arg-type]
            state["token"] = issue_token(
                secret, sub=f"service:{service}", region=PROVINCE, roles=[Role.SERVICE], ttl=dt.timedelta(hours=2)
            )
            state["until"] = now + 3600
        return str(state["token"])

    return get


class FeedItem(BaseModel):
    cursor: str
    event: Envelope


class FeedPage(BaseModel):
    """The body of ``GET /events``; parsed in one pass by pydantic-core, which is faster than json.loads."""

    events: list[FeedItem]
    next_cursor: str


LINGER_SECONDS = 0.2


class FeedConsumer:
    """Polls one peer's feed and applies what it finds; resumes from the cursor stored with the effects."""

    def __init__(
        self,
        inbox: Inbox,
        *,
        source: str,
        base_url: str,
        token: Callable[[], str],
        batch: int = 500,
        wait_seconds: float = 5.0,
        skip: Iterable[str] = (),
        client: httpx.AsyncClient | None = None,
        linger: float = LINGER_SECONDS,
    ) -> None:
        self.inbox = inbox
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.batch = batch
        self.wait_seconds = wait_seconds
        self.skip = sorted(skip)
        self.linger = linger
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(wait_seconds + 10))
        self._owns_client = client is None

    async def _fetch(self, cursor: str | None, wait: float) -> FeedPage:
        params: dict[str, str | int | float | list[str]] = {"limit": self.batch, "wait": wait}
        if self.skip:
            params["skip"] = self.skip
        if cursor:
            params["after"] = cursor
        resp = await self._client.get(
            f"{self.base_url}/events", params=params, headers={"Authorization": f"Bearer {self.token()}"}
        )
        resp.raise_for_status()
        return FeedPage.model_validate_json(resp.content)

    async def _apply(self, cursor: str | None, page: FeedPage) -> int:
        batch = [Incoming(item.event, item.cursor) for item in page.events]
        # the page's next cursor may lie past its last event (types skipped up to the peer's head): the applied
        # position moves there too, so it reaches the peer's head (what a freshness check compares) without
        # waiting for an event this service handles
        if batch:
            beyond = page.next_cursor != batch[-1].cursor  # else the batch's own last cursor is stored with it
            await self.inbox.apply(self.source, batch, position=Cursor.parse(page.next_cursor) if beyond else None)
        elif page.next_cursor != (cursor or str(Cursor())):
            await self.inbox.advance(self.source, Cursor.parse(page.next_cursor))
        return len(batch)

    async def poll_once(self, wait: float | None = None) -> int:
        cursor = await self.inbox.cursor(self.source)
        page = await self._fetch(cursor, self.wait_seconds if wait is None else wait)
        return await self._apply(cursor, page)

    async def run(self) -> None:
        """Poll and apply until cancelled. The cursor is read from the database once (and again after an
        error); while a full page is applied the next is already being fetched, so the peer's serving and our
        applying overlap instead of taking turns."""
        backoff = 0.5
        cursor: str | None = None
        known = False
        ahead: asyncio.Task[FeedPage] | None = None
        try:
            while True:
                try:
                    if not known:
                        cursor, known = await self.inbox.cursor(self.source), True
                    page = await (ahead if ahead is not None else self._fetch(cursor, self.wait_seconds))
                    ahead = None
                    if len(page.events) == self.batch:  # more is likely waiting
                        ahead = asyncio.create_task(self._fetch(page.next_cursor, 0))
                    got = await self._apply(cursor, page)
                    cursor = page.next_cursor
                    backoff = 0.5
                    if 0 < got < self.batch // 10:
                        # a trickle (a peer committing event by event): let a few more commits gather before
                        # asking again, so they are applied a handful per transaction rather than one each; an
                        # event after a quiet spell still arrives at once, as the long poll returns on the commit
                        await asyncio.sleep(self.linger)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a peer down or restarting: wait and try again, never give up
                    if ahead is not None:
                        ahead.cancel()
                        await asyncio.gather(ahead, return_exceptions=True)
                    ahead, known = None, False  # start again from the cursor stored with the effects
                    log.warning("feed from %s: %s; retrying in %.1fs", self.source, exc, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 30)
        finally:
            if ahead is not None:
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()
