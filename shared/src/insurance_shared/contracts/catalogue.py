from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar, get_type_hints

from pydantic import BaseModel, ConfigDict

__all__ = ["EventData", "catalogue", "event_type", "predecessors"]


class EventData(BaseModel):
    """The ``data`` of an event. Unknown fields from newer producers are ignored, never an error."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    source: ClassVar[str]


catalogue: dict[str, type[EventData]] = {}

T = TypeVar("T", bound=type[EventData])


def event_type(name: str, *, source: str) -> Callable[[T], T]:
    """Register a data model under its type name; ``source`` is the service that emits it."""

    def register(cls: T) -> T:
        if not name.startswith(source.replace("-", "_") + "."):
            raise ValueError(f"event type {name} must start with its source {source!r} (dashes as underscores)")
        if name in catalogue and catalogue[name] is not cls:
            raise ValueError(f"event type {name} registered twice")
        cls.event_type = name
        cls.source = source
        catalogue[name] = cls
        return cls

    return register


def predecessors(data_type: type[EventData]) -> list[type[EventData]]:
    """The superseded versions that upgrade to ``data_type``: each has ``upgrade(self) -> data_type``, so a
    handler of the current version also reads what stored feeds and streams still hold of the older ones."""
    found = []
    for model in catalogue.values():
        upgrade = getattr(model, "upgrade", None)
        if upgrade is not None and get_type_hints(upgrade).get("return") is data_type:
            found.append(model)
    return found
