"""Traces with OpenTelemetry: each request a server span (FastAPI's instrumentation, taking the caller's
``traceparent``), each call to a peer a client span (httpx's instrumentation, passing it on), and each event
carrying the trace of what caused it (``Envelope.traceparent``) into a consumer span in the service that applies it.
Spans are exported over OTLP/HTTP when an endpoint is configured (``<PREFIX>_OTLP_ENDPOINT``, or OpenTelemetry's
own ``OTEL_EXPORTER_OTLP_ENDPOINT``) and go nowhere otherwise; the ids are made either way, for the access log."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

__all__ = ["consuming", "current_trace_id", "current_traceparent", "instrument", "tracer_provider"]

# not traced: probes and scrapes every few seconds, and the event feed's long polls (the consumer spans say more)
EXCLUDED_URLS = "/healthz,/readyz,/metrics,/events"
_httpx_instrumented = False


def tracer_provider(service: str, otlp_endpoint: str | None) -> TracerProvider:
    """The service's provider; with an exporter only when an OTLP endpoint is configured. The first one made in a
    process is also OpenTelemetry's global, which the event consumers' spans use."""
    exporting = bool(
        otlp_endpoint
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )
    # with nowhere to send them, spans are not recorded (no attributes gathered: a request-heavy load ran about 10%
    # faster so); their ids are still made and passed on, so the access log and the events keep the trace
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}),
        sampler=None if exporting else ALWAYS_OFF,
    )
    if exporting:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = f"{otlp_endpoint.rstrip('/')}/v1/traces" if otlp_endpoint else None  # None: from the environment
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(provider)
    return provider


def instrument(app: FastAPI, provider: TracerProvider) -> None:
    global _httpx_instrumented
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, excluded_urls=EXCLUDED_URLS, exclude_spans=["receive", "send"]
    )
    if not _httpx_instrumented:  # httpx's is process-wide: every client, peers and feeds alike
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


@contextmanager
def consuming(traceparent: str | None, name: str) -> Iterator[None]:
    """A consumer span for applying an event (or a run of them), in the trace of what caused it, or a new trace."""
    context = propagate.extract({"traceparent": traceparent}) if traceparent else None
    with trace.get_tracer("insurance_shared.events").start_as_current_span(
        name, context=context, kind=trace.SpanKind.CONSUMER
    ):
        yield
