"""Calling a peer service over HTTP with this service's own token: the peer's URL from ``PEERS``, one pooled client
per app (closed with the app), a self-signed ``service`` token renewed hourly (or the configured one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .events.feed import service_token_provider

__all__ = ["Peer", "peer"]


@dataclass(frozen=True, slots=True)
class Peer:
    url: str
    token: Callable[[], str]
    client: httpx.AsyncClient

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(
            f"{self.url}{path}", params=params or None, headers={"Authorization": f"Bearer {self.token()}"}
        )


def peer(state: Any, name: str, *, timeout: float = 10.0) -> Peer | None:
    """``state``: the app's ``app.state``. None when ``name`` is not configured in ``PEERS``."""
    settings = state.settings
    url = settings.peers.get(name)
    if not url:
        return None
    tokens = getattr(state, "peer_tokens", None)
    if tokens is None:
        tokens = state.peer_tokens = service_token_provider(
            settings.jwt_secret.get_secret_value(),
            state.service_name,
            settings.service_token.get_secret_value() if settings.service_token else None,
        )
    client = getattr(state, "peer_client", None)
    if client is None:
        client = state.peer_client = httpx.AsyncClient(timeout=httpx.Timeout(timeout))
    return Peer(url.rstrip("/"), tokens, client)
