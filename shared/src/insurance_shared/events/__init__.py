"""Events between services: transactional outbox, ordered feed, NATS JetStream relay, idempotent inbox.

Produce with :func:`emit` inside the transaction of the change; consume by registering handlers on a
:class:`Handlers` passed to the service's app. Which transport carries them is a setting (``feed`` or ``nats``).
"""

from .envelope import Envelope, parse_data
from .freshness import HistoryCatchingUp, wait_until_caught_up
from .inbox import Handlers, Inbox, Incoming
from .outbox import Cursor, emit, emit_many

__all__ = [
    "Cursor",
    "Envelope",
    "Handlers",
    "HistoryCatchingUp",
    "Inbox",
    "Incoming",
    "emit",
    "emit_many",
    "parse_data",
    "wait_until_caught_up",
]
