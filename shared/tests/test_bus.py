"""The internal message bus: published on the session, dispatched in order, further messages too, none ignored."""

from dataclasses import dataclass

import pytest

from insurance_shared.bus import MessageBus, publish


@dataclass(frozen=True)
class Seen:
    n: int


@dataclass(frozen=True)
class Derived:
    n: int


class FakeSession:  # only session.info is used by the bus
    def __init__(self) -> None:
        self.info: dict = {}


async def test_messages_dispatch_in_order_and_may_publish_more() -> None:
    got: list[object] = []
    bus = MessageBus()

    async def on_seen(session, m: Seen) -> None:
        got.append(m)
        if m.n == 1:
            publish(session, Derived(10))

    async def on_derived(session, m: Derived) -> None:
        got.append(m)

    bus.on(Seen, on_seen)
    bus.on(Derived, on_derived)
    session = FakeSession()
    publish(session, Seen(1))
    publish(session, Seen(2))
    assert got == []  # nothing runs before dispatch
    await bus.dispatch(session)
    assert got == [Seen(1), Seen(2), Derived(10)]
    await bus.dispatch(session)
    assert len(got) == 3  # dispatched once


async def test_a_message_nobody_handles_is_an_error() -> None:
    session = FakeSession()
    publish(session, Seen(1))
    with pytest.raises(LookupError, match="no handler is wired for Seen"):
        await MessageBus().dispatch(session)
