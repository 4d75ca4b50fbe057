"""Traces with OpenTelemetry: each request a server span in the caller's trace (``traceparent``), each call to a
peer a client span (httpx's instrumentation, passing it on), and each event carrying the trace of what caused it
(``Envelope.traceparent``) into a consumer span in the service that applies it.

With an OTLP endpoint (``<PREFIX>_OTLP_ENDPOINT``, or OpenTelemetry's own ``OTEL_EXPORTER_OTLP_ENDPOINT``) the
request spans are FastAPI's own (its native OpenTelemetry support, fastapi_config) and everything is recorded and
exported over OTLP/HTTP. Without one nothing is recorded: ObservabilityMiddleware starts a non-recording span in the
caller's trace (about 6 µs) so the access log and the events still carry the trace id. FastAPI's native telemetry
would otherwise switch itself on as soon as a tracer provider is set, with a span per dependency and per
serialisation: on the dashboard overview that cost a quarter of the requests per second."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context, attach, detach
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

__all__ = [
    "consuming",
    "current_trace_id",
    "current_traceparent",
    "exporting",
    "fastapi_config",
    "instrument_httpx",
    "tracer_provider",
]

# not traced: probes and scrapes every few seconds, and the event feed's long polls (the consumer spans say more)
UNTRACED = frozenset({"/healthz", "/readyz", "/metrics", "/events"})
_httpx_instrumented = False


def tracer_provider(service: str, otlp_endpoint: str | None) -> TracerProvider:
    """The service's provider; with an exporter only when an OTLP endpoint is configured. The first one made in a
    process is also OpenTelemetry's global, which the event consumers' spans use."""
    exported = exporting(otlp_endpoint)
    # with nowhere to send them, spans are not recorded (no attributes gathered: a request-heavy load ran about 10%
    # faster so); their ids are still made and passed on, so the access log and the events keep the trace
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}),
        sampler=None if exported else ALWAYS_OFF,
    )
    if exported:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = f"{otlp_endpoint.rstrip('/')}/v1/traces" if otlp_endpoint else None  # None: from the environment
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    global _recording
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(provider)
        _recording = exported
    return provider


def exporting(otlp_endpoint: str | None) -> bool:
    """Whether spans go anywhere: an endpoint in the service's settings or in OpenTelemetry's own variables."""
    return bool(
        otlp_endpoint
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def fastapi_config(provider: TracerProvider, *, exported: bool) -> dict[str, Any]:
    """FastAPI's native telemetry: request spans with our provider when they are exported, else off (the
    middleware's non-recording span does). Its metrics and logs stay off: /metrics and our JSON logs have them."""
    return {
        "tracer_provider": provider,
        "tracing": exported,
        "operation_spans": False,  # a span per dependency and serialisation: detail not worth its cost here
        "metrics": False,
        "logs": False,
        "exclude": lambda scope: scope.get("path") in UNTRACED,
    }


def instrument_httpx(provider: TracerProvider) -> None:
    """Calls to peers carry the trace (httpx's instrumentation is process-wide: every client, peers and feeds)."""
    global _httpx_instrumented
    if not _httpx_instrumented:
        HTTPXClientInstrumentor().instrument(tracer_provider=provider)
        _httpx_instrumented = True


def current_traceparent() -> str | None:
    """The current span's context as a W3C ``traceparent`` value, for an event; None outside any span."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return f"{ctx.trace_id:032x}" if ctx.is_valid else None


_EVENTS_TRACER = trace.get_tracer("insurance_shared.events")  # a proxy: it follows the global provider once set
_recording = False  # whether the global provider records spans (tracer_provider sets it)


@lru_cache(maxsize=1024)
def _context_of(traceparent: str) -> Context:
    # a request's events share one traceparent: a batch of a thousand parses it once (contexts are immutable)
    return propagate.extract({"traceparent": traceparent})


def _new_trace() -> Context:
    """A context in a trace of its own, not recorded (the ids as OpenTelemetry's SDK makes them)."""
    ids = trace.SpanContext(random.getrandbits(128), random.getrandbits(64), is_remote=False)
    return trace.set_span_in_context(trace.NonRecordingSpan(ids))


@contextmanager
def consuming(traceparent: str | None, name: str) -> Iterator[None]:
    """A consumer span for applying an event (or a run of them), in the trace of what caused it, or a new trace.

    When nothing is recorded, no span is started: an event that carries a trace is applied in its producer's
    context, one that does not in a new trace's. What the handler logs and emits keeps a trace id, at a fraction
    of a span's cost, which per event had been a third of applying a batch (bench/events)."""
    if not _recording:
        token = attach(_context_of(traceparent) if traceparent else _new_trace())
        try:
            yield
        finally:
            detach(token)
        return
    context = _context_of(traceparent) if traceparent else None
    with _EVENTS_TRACER.start_as_current_span(name, context=context, kind=trace.SpanKind.CONSUMER):
        yield
