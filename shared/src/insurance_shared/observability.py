"""Request ids, JSON access logs, the HTTP series and the request's place in its trace, in one pure ASGI
middleware on the hot path.

The HTTP series are counted here rather than by prometheus-fastapi-instrumentator: that library matches the
request against every route again to name it (with OpenTelemetry's FastAPI instrumentation beside it, the dashboard
overview fell from 0.43 to 0.21 of bare FastAPI in bench/fund_monitor_bench.py), where the router has already put
the matched route in the scope. Traces are OpenTelemetry's (telemetry.py): with an exporter FastAPI's native
support makes the request's span; without one this middleware starts a non-recording span in the caller's trace,
which costs about 6 µs and still gives the access log and the events the trace id.

The middleware is also the last line of defence: an exception nothing else handled is logged with its request id
and answered as a 500 problem that shows no internals.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from opentelemetry import propagate, trace
from prometheus_client import GC_COLLECTOR, PLATFORM_COLLECTOR, PROCESS_COLLECTOR, CollectorRegistry, Counter, Histogram
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import PROBLEM_JSON, TYPE_PREFIX
from .telemetry import current_trace_id

CLIENT_CLOSED_REQUEST = 499  # not an HTTP status sent to anyone: what the access log and metrics record

__all__ = [
    "Metrics",
    "ObservabilityMiddleware",
    "configure_logging",
    "mask_identifiers",
    "request_id_var",
]

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# 18-character identity numbers and credit codes in paths or messages are masked before they reach a log line.
_IDENTIFIER = re.compile(r"(?<![0-9A-Z])([0-9A-Z]{6})[0-9A-Z]{8}([0-9A-Z]{3}[0-9A-Zx])(?![0-9A-Z])")


def mask_identifiers(text: str) -> str:
    return _IDENTIFIER.sub(lambda m: m.group(1) + "********" + m.group(2)[-4:], text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_identifiers(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
        }
        for key in ("service", "method", "path", "query", "status", "duration_ms", "sub", "region", "trace_id"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exception"] = mask_identifiers(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


_base_factory = logging.getLogRecordFactory()


def _record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    # stamp the request id when the record is made: handlers may format it later, outside the request
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


logging.setLogRecordFactory(_record_factory)


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True  # our middleware writes the access log, with request id
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)  # /readyz asks it every probe
    # one INFO line per HTTP request httpx makes: the event feeds' long polls filled the logs with them
    logging.getLogger("httpx").setLevel(logging.WARNING)


class Metrics:
    """One registry per app, so several apps can live in one process (tests) without clashing."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        # the process's memory, CPU, open files and the interpreter's collections, as the default registry has them
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
        # the names and labels Prometheus users know from prometheus-fastapi-instrumentator: handler is the route
        # template, never the raw path (no identity number in a label); "none" when no route matched
        self.requests = Counter(
            "http_requests_total", "HTTP requests", ["handler", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency (the event feed's long polls left out: they wait by design)",
            ["handler", "method", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )


# requests not counted at all (the scrape itself), and not timed (long polls, up to feed_wait_seconds by design)
UNCOUNTED = frozenset({"/metrics"})
UNTIMED = frozenset({"/events"})


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, *, service: str, metrics: Metrics, tracer: trace.Tracer) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics
        self.tracer = tracer
        self.log = logging.getLogger(f"{service}.access")
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        carrier: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
            elif name in (b"traceparent", b"tracestate"):
                carrier[name.decode()] = value.decode("latin-1")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        span = None
        if not trace.get_current_span().get_span_context().is_valid:  # no instrumentation made the request's span
            span = self.tracer.start_as_current_span(
                "request", context=propagate.extract(carrier), kind=trace.SpanKind.SERVER
            )
            span.__enter__()
        status = 500
        started = False
        t0 = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except ClientDisconnect:
            # the client went away before its request was read: its doing, not ours; the handler stopped where it
            # read, so nothing of the request was committed. 499 as proxies log it (client closed request)
            status = CLIENT_CLOSED_REQUEST
            logging.getLogger(self.service).info("the client closed the connection before its request was read")
        except Exception:
            logging.getLogger(self.service).exception("unhandled error")
            if not started:
                body = json.dumps(
                    {
                        "type": TYPE_PREFIX + "internal_error",
                        "title": "Internal Server Error",
                        "status": 500,
                        "detail": "an unexpected error occurred; quote the request id when reporting it",
                        "code": "internal_error",
                        "instance": scope.get("path"),
                        "request_id": request_id,
                        "errors": [],
                    }
                ).encode()
                await send_wrapper(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
        finally:
            elapsed = time.perf_counter() - t0
            method = scope.get("method", "")
            handler = getattr(scope.get("route"), "path", None) or "none"  # the router put the matched route there
            if handler not in UNCOUNTED:
                count, timing = self._series(handler, method, status)
                count.inc()
                if timing is not None:
                    timing.observe(elapsed)
            if self.log.isEnabledFor(logging.INFO):
                self._log_access(scope, method, status, elapsed)
            request_id_var.reset(token)
            if span is not None:
                span.__exit__(None, None, None)

    def _series(self, handler: str, method: str, status: int) -> tuple[Any, Any]:
        """The request's counter and latency series: prometheus_client checks and locks on every ``labels()``, so
        each route's, method's and status's pair is looked up once."""
        key = (handler, method, status)
        found = self._children.get(key)
        if found is None:
            labels = (handler, method, str(status))
            timing = self.metrics.latency.labels(*labels) if handler not in UNTIMED else None
            found = self._children[key] = (self.metrics.requests.labels(*labels), timing)
        return found

    def _log_access(self, scope: Scope, method: str, status: int, elapsed: float) -> None:
        principal = scope.get("state", {}).get("principal")  # set by auth once the token was read
        self.log.info(
            "%s %s %s",
            method,
            scope.get("path"),
            status,
            extra={
                "service": self.service,
                "method": method,
                "path": mask_identifiers(scope.get("path", "")),
                "query": mask_identifiers(scope.get("query_string", b"").decode("latin-1")) or None,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "sub": getattr(principal, "sub", None),
                "region": getattr(principal, "region", None),
                "trace_id": current_trace_id(),
            },
        )
