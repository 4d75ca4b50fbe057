"""What fund-monitor's features tell the ones above them inside a transaction (insurance_shared.bus), wired to their
handlers in main.py: the ledger does not know that figures, alerts or the dashboard exist."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FundsMoved:
    """Money moved in at least one region's fund in this transaction (the ledger keeps which regions)."""


@dataclass(frozen=True, slots=True)
class FiguresRecomputed:
    """A region's capacity was recomputed: its alert tiers are due for evaluation."""

    region: str
    capacity: Any  # rules.capacity.Capacity
    decisions: list[Any]  # rules.alerts.TierDecision
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OverviewChanged:
    """Something the province's overview shows changed: cached overviews are dropped once this commits."""
