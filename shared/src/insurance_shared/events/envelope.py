from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..contracts import EventData, catalogue

__all__ = ["Envelope", "parse_data"]


class Envelope(BaseModel):
    """What travels between services. Extra top-level fields from newer producers are kept, not refused."""

    model_config = ConfigDict(extra="allow")

    id: uuid.UUID
    type: str = Field(examples=["contributions.unit_registered.v1"])
    source: str = Field(examples=["contributions"])
    subject: str = Field(description="the key whose events stay in order (a person, a unit)")
    time: dt.datetime
    region: str
    traceparent: str | None = None
    data: dict[str, Any]


def parse_data(envelope: Envelope) -> EventData | None:
    """The typed data of a known event type; None for a type this build does not know."""
    model = catalogue.get(envelope.type)
    return None if model is None else model.model_validate(envelope.data)
