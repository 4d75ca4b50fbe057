"""What the claims feature tells the features above it (insurance_shared.bus)."""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClaimStoppedFor:
    """A claim stopped for ``reason`` from ``effective`` (decided on ``today``)."""

    claim_id: int
    reason: str
    effective: dt.date
    today: dt.date
