"""What a client may send (pure ASGI, before any route runs): at most so many headers and header bytes (431), a JSON
body of at most ``max_json_bytes`` and an upload (CSV, JSON Lines) of at most ``max_upload_bytes`` (413, counted as
it arrives, whatever Content-Length says), no pause longer than ``read_timeout`` between two parts of a body and,
once that long has passed, at least ``min_body_rate`` bytes a second on average (408): a client that announces a
gigabyte and sends ten bytes a second holds a connection for seconds, not hours.
The answers are problem documents like every other refusal."""

import asyncio
import ctypes
import ctypes.util
import json

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import PROBLEM_JSON

__all__ = ["BodyTooLarge", "LimitExceeded", "LimitsMiddleware"]

UPLOAD_TYPES = (b"text/csv", b"application/x-ndjson", b"application/jsonl", b"text/plain", b"application/octet-stream")


class LimitExceeded(StarletteHTTPException):
    """Raised from the body as it is read: FastAPI re-raises an HTTPException from body parsing (any other error it
    turns into a 400), and the problem handler renders it with ``problem_code``."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(status, detail, headers={"Connection": "close"})
        self.problem_code = code


BodyTooLarge = LimitExceeded

# A large JSON body becomes many Python objects; once they are freed, glibc keeps the emptied heap and the process
# stays as large as its largest request (a 53 MB body left ~330 MB). After such a request the heap is handed back
# (malloc_trim, a few milliseconds); elsewhere (musl, macOS) nothing is done.
TRIM_AFTER_BYTES = 1024 * 1024
_libc_name = ctypes.util.find_library("c")
_malloc_trim = getattr(ctypes.CDLL(_libc_name), "malloc_trim", None) if _libc_name else None


def give_memory_back() -> None:
    if _malloc_trim is not None:
        _malloc_trim(0)


async def _problem(send: Send, scope: Scope, status: int, code: str, title: str, detail: str) -> None:
    body = json.dumps(
        {
            "type": f"urn:jilin-ui:problem:{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
            "instance": scope.get("path"),
            "request_id": scope.get("state", {}).get("request_id"),
            "errors": [],
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class LimitsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_header_count: int = 100,
        max_header_bytes: int = 16 * 1024,
        max_json_bytes: int = 1024 * 1024,
        max_upload_bytes: int = 1024 * 1024 * 1024,
        read_timeout: float = 30.0,
        min_body_rate: float = 1024.0,
    ) -> None:
        self.app = app
        self.max_header_count = max_header_count
        self.max_header_bytes = max_header_bytes
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes
        self.read_timeout = read_timeout
        self.min_body_rate = min_body_rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        size = sum(len(k) + len(v) for k, v in headers)
        if len(headers) > self.max_header_count or size > self.max_header_bytes:
            await _problem(
                send,
                scope,
                431,
                "headers_too_large",
                "Request Header Fields Too Large",
                f"at most {self.max_header_count} headers of {self.max_header_bytes} bytes in all",
            )
            return
        kind = dict(headers).get(b"content-type", b"").split(b";")[0].strip().lower()
        limit = self.max_upload_bytes if kind in UPLOAD_TYPES else self.max_json_bytes
        announced = dict(headers).get(b"content-length")
        if announced is not None and announced.isdigit() and int(announced) > limit:
            await _problem(
                send,
                scope,
                413,
                "body_too_large",
                "Content Too Large",
                f"a {kind.decode() or 'body'} of at most {limit} bytes",
            )
            return
        received = 0
        started = False
        loop = asyncio.get_running_loop()
        began = loop.time()

        async def limited_receive() -> Message:
            nonlocal received
            try:
                async with asyncio.timeout(self.read_timeout):  # no task per read, as wait_for would make
                    message = await receive()
            except TimeoutError:
                raise LimitExceeded(
                    408, "body_read_timeout", f"no part of the body arrived for {self.read_timeout:g} seconds"
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise LimitExceeded(413, "body_too_large", f"a {kind.decode() or 'body'} of at most {limit} bytes")
                # a body that trickles (a gigabyte announced, ten bytes a second) never pauses long enough for the
                # read timeout: after that long, it must have come at min_body_rate on average
                elapsed = loop.time() - began
                if message.get("more_body") and elapsed > self.read_timeout and received < self.min_body_rate * elapsed:
                    raise LimitExceeded(
                        408,
                        "body_too_slow",
                        f"{received} bytes in {elapsed:.0f} seconds: a body arrives at {self.min_body_rate:g} bytes "
                        "a second at least",
                    )
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except LimitExceeded as exc:  # raised where no handler rendered it (e.g. a middleware reading the body)
            if not started:
                title = "Request Timeout" if exc.status_code == 408 else "Content Too Large"
                await _problem(send, scope, exc.status_code, exc.problem_code, title, str(exc.detail))
        finally:
            if received > TRIM_AFTER_BYTES and kind not in UPLOAD_TYPES:  # uploads are streamed, never held whole
                give_memory_back()
