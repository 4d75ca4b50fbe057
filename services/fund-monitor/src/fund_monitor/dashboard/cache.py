"""The overview, answered from memory between changes.

Every province screen polls the overview; recomputing it costs several queries while it changes only when money
moves or an alert changes. So the serialized answer is kept per caller scope and thrown away (a) as soon as this
process commits a change to the figures or alerts, and (b) after ``dashboard_cache_seconds`` in any case, which
bounds how stale a replica can be about another replica's changes.
"""

import itertools
import time
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

_versions = itertools.count(1)
_version = 0


def current_version() -> int:
    return _version


def _bump(*_: object) -> None:
    global _version
    _version = next(_versions)


def changed_on_commit(session: AsyncSession) -> None:
    """Drop cached overviews once this session's transaction commits (not before: a reader in between would cache
    the old figures under the new version)."""
    sync = session.sync_session
    if not event.contains(sync, "after_commit", _bump):
        event.listen(sync, "after_commit", _bump, once=True)


@dataclass(slots=True)
class _Entry:
    body: bytes
    version: int
    at: float


class OverviewCache:
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._entries: dict[object, _Entry] = {}

    def get(self, scope: object) -> bytes | None:
        e = self._entries.get(scope)
        if e is None or e.version != _version or time.monotonic() - e.at > self.ttl:
            return None
        return e.body

    def put(self, scope: object, body: bytes, version: int) -> None:
        if self.ttl > 0:
            self._entries[scope] = _Entry(body, version, time.monotonic())


async def on_overview_changed(session: AsyncSession, _: object) -> None:
    changed_on_commit(session)
