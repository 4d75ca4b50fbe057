"""W3C trace context (``traceparent``) carried from an HTTP request into the events it causes, and on into
whatever their consumers do. Only propagation: spans are not exported anywhere yet."""

from __future__ import annotations

import contextvars
import random
import re

__all__ = ["child_of", "current_traceparent", "new_traceparent", "parse_traceparent", "trace_id"]

_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")

current_traceparent: contextvars.ContextVar[str | None] = contextvars.ContextVar("traceparent", default=None)


def parse_traceparent(value: str | None) -> str | None:
    """The header if it is a valid version-00 traceparent (not all-zero ids), else None."""
    if not value:
        return None
    m = _TRACEPARENT.fullmatch(value.strip().lower())
    if m is None or set(m.group(1)) == {"0"} or set(m.group(2)) == {"0"}:
        return None
    return m.group(0)


# Trace and span ids must be unique, not secret: the Mersenne Twister is plenty and costs no system call per event.
_random = random.Random()


def _hex(bits: int) -> str:
    return f"{_random.getrandbits(bits) or 1:0{bits // 4}x}"


def new_traceparent() -> str:
    return f"00-{_hex(128)}-{_hex(64)}-01"


def child_of(parent: str | None) -> str:
    """A new span in the parent's trace, or a new trace when there is no valid parent."""
    parsed = parse_traceparent(parent)
    if parsed is None:
        return new_traceparent()
    _, trace, _, flags = parsed.split("-")
    return f"00-{trace}-{_hex(64)}-{flags}"


def trace_id(traceparent: str | None) -> str | None:
    parsed = parse_traceparent(traceparent)
    return parsed.split("-")[1] if parsed else None
