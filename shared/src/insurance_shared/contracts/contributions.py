"""Events the contributions service emits."""

from pydantic import Field

from .catalogue import EventData, event_type


@event_type("contributions.unit_registered.v1", source="contributions")
class UnitRegistered(EventData):
    """用人单位已登记. Subject: the credit code."""

    credit_code: str
    name: str
    kind: str
    region: str
    home_region: str | None = None
    provincial_direct: bool = False
    fully_budget_funded: bool = False
    declared_staff: int = Field(ge=0)
