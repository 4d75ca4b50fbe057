"""Events the claims service emits that other services consume (the claims issue adds the rest)."""

import datetime as dt

from .catalogue import EventData, event_type


@event_type("claims.claim_registered.v1", source="claims")
class ClaimRegistered(EventData):
    """失业登记 (R16: benefit time runs from the registration date). Subject: the identity number."""

    claim_id: int
    id_number: str
    region: str
    registered_on: dt.date
    separation_date: dt.date | None = None


@event_type("claims.claim_stopped.v1", source="claims")
class ClaimStopped(EventData):
    """停发 (R15, N§5). Subject: the identity number."""

    claim_id: int
    id_number: str
    region: str
    reason: str
    effective_date: dt.date
