"""The edge of every write: authorise, honour ``Idempotency-Key``, audit, commit, respond.

An endpoint that changes state takes a :class:`Write` from :func:`writer` and ends with ``await w.respond(...)``.
That one call writes the audit rows, stores the response for the idempotency key, and commits: the change, its
audit trail and its replayable response land in one transaction, or none of them does.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from . import idempotency
from .audit import AuditEntry, write_audit
from .auth import Principal, Role, require_roles
from .db import get_session

__all__ = ["IdempotentReplay", "Write", "writer"]

IDEMPOTENCY_HEADER_DOC = (
    "幂等键: 同一键与相同请求体重放首次响应; 同一键配不同请求体返回409 idempotency_key_reused. 至少保留24小时."
)


class IdempotentReplay(Exception):
    """Raised before the endpoint runs when the key's response is already stored; rendered as that response."""

    def __init__(self, stored: idempotency.StoredResponse) -> None:
        self.stored = stored

    def response(self) -> Response:
        headers = {"Idempotent-Replayed": "true"}
        if self.stored.location:
            headers["Location"] = self.stored.location
        return Response(
            self.stored.body,
            status_code=self.stored.status_code,
            media_type=self.stored.content_type,
            headers=headers,
        )


def _target(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


class Write:
    def __init__(
        self,
        request: Request,
        session: AsyncSession,
        principal: Principal,
        idempotency_key: str | None,
        *,
        streamed: bool = False,
    ) -> None:
        self.request = request
        self.session = session
        self.principal = principal
        self.idempotency_key = idempotency_key
        self.streamed = streamed
        self.body_digest: str | None = None  # a streamed endpoint sets it once it has read the whole body
        self._audit: list[AuditEntry] = []

    @property
    def request_id(self) -> str | None:
        return getattr(self.request.state, "request_id", None)

    def audit(self, action: str, object_type: str, object_key: str, object_region: str | None = None) -> None:
        self._audit.append(AuditEntry(action, object_type, object_key, object_region))

    async def respond(
        self, status_code: int, content: BaseModel | None = None, *, location: str | None = None
    ) -> Response:
        if not self._audit:
            raise RuntimeError(f"{self.request.url.path}: a write must record at least one audit entry")
        body = content.model_dump_json().encode() if content is not None else b""
        if self.idempotency_key and self.streamed:
            await self._reserve_late()
        bus = getattr(self.request.app.state, "bus", None)
        if bus is not None:  # what this write's features published for the features above them
            await bus.dispatch(self.session)
        await write_audit(self.session, self.principal, self.request_id, self._audit)
        if self.idempotency_key:
            await idempotency.complete(
                self.session,
                actor=self.principal.sub,
                key=self.idempotency_key,
                response=idempotency.StoredResponse(status_code, "application/json", location, body),
            )
        await self.session.commit()
        headers = {"Location": location} if location else None
        return Response(body, status_code=status_code, media_type="application/json", headers=headers)

    async def _reserve_late(self) -> None:
        """For a streamed body the key is reserved once the body is read, still inside the transaction: a second
        request with the same key waits on it, then replays; its own work rolls back unseen."""
        if self.body_digest is None:
            raise RuntimeError("a streamed write must set body_digest before it responds")
        assert self.idempotency_key is not None
        stored = await idempotency.reserve(
            self.session,
            actor=self.principal.sub,
            key=self.idempotency_key,
            fingerprint=idempotency.fingerprint(
                self.request.method, _target(self.request), self.body_digest.encode(), "digest"
            ),
            method=self.request.method,
            path=self.request.url.path,
        )
        if stored is not None:
            raise IdempotentReplay(stored)


def writer(*roles: Role, streamed: bool = False, resumable: bool = False) -> Callable[..., Coroutine[Any, Any, Write]]:
    """Dependency for a write endpoint open to ``roles``. ``streamed``: the endpoint reads the body as a stream
    (bulk uploads), so the idempotency key is checked when the body has been read rather than before.
    ``resumable``: the endpoint commits in steps and resumes where it stopped, so a retry of a request that died
    half way (same key, same body) runs it again to its end (idempotency.reserve)."""

    async def dependency(
        request: Request,
        session: Annotated[AsyncSession, Depends(get_session)],
        principal: Annotated[Principal, Depends(require_roles(*roles))],
        idempotency_key: Annotated[
            str | None,
            Header(alias="Idempotency-Key", min_length=1, max_length=255, description=IDEMPOTENCY_HEADER_DOC),
        ] = None,
    ) -> Write:
        if idempotency_key and not streamed:
            body = await request.body()
            stored = await idempotency.reserve(
                session,
                actor=principal.sub,
                key=idempotency_key,
                fingerprint=idempotency.fingerprint(
                    request.method, _target(request), body, request.headers.get("content-type")
                ),
                method=request.method,
                path=request.url.path,
                resumable=resumable,
            )
            if stored is not None:
                raise IdempotentReplay(stored)
        return Write(request, session, principal, idempotency_key, streamed=streamed)

    return dependency
