"""Messages inside one service, so that features import only downward (cosmicpython's message bus).

A lower feature that learns something a higher one must act on publishes a message on the session
(``publish(session, ReemploymentSeen(...))``); the service's ``main.py`` wires each message type to its handlers; the
bus dispatches what was published before the transaction commits: at the end of a batch of events
(``Handlers.at_batch_end(bus.dispatch)``) and at the end of a write (``Write.respond``). Handlers run in the same
transaction and may publish further messages, which are dispatched in turn.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["MessageBus", "publish"]

_KEY = "insurance_shared.bus.pending"
Handler = Callable[[AsyncSession, Any], Awaitable[None]]


def publish(session: AsyncSession, message: object) -> None:
    """Queue ``message`` for the handlers wired in ``main.py``; nothing runs until the bus dispatches."""
    session.info.setdefault(_KEY, []).append(message)


class MessageBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def on(self, kind: type, handler: Handler) -> None:
        self._handlers[kind].append(handler)

    def handled(self) -> set[type]:
        return set(self._handlers)

    async def dispatch(self, session: AsyncSession) -> None:
        """Run the handlers of every message published on ``session``, in order, until none is left. A message no
        handler is wired for is an error: a publisher must not be ignored silently."""
        while pending := session.info.pop(_KEY, []):
            for message in pending:
                handlers = self._handlers.get(type(message))
                if not handlers:
                    raise LookupError(f"no handler is wired for {type(message).__name__}")
                for handler in handlers:
                    await handler(session, message)
