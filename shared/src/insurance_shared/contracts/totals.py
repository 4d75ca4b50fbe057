"""What a service says it collected or paid, for fund-monitor's reconciliation (architecture.md, Data rules: money is
conserved across services; each service serves its own totals and fund-monitor reconciles its books against them).

``GET /totals?from=YYYY-MM&to=YYYY-MM[&region=]`` on contributions and claims answers a :class:`Totals`: one item per
movement of unemployment-fund money, keyed exactly as fund-monitor keys the journal entry that books it, so a
difference can name the movement (missing from the books, booked without a source, booked with another amount).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TOTALS_KINDS", "Totals", "TotalsItem", "TotalsSum"]

TOTALS_KINDS = (
    # contributions
    "contributions",  # unemployment contributions collected for a pooling region (principal)
    "late_fees",  # late fees collected on them (C13)
    "held_for_regions",  # provincial-direct units' unemployment money the province holds (N§3(4))
    "remittance",  # that money moved to its home region
    # claims
    "benefits",
    "medical_subsidy",  # R19, for dates before 2011-07-01
    "medical_insurance",  # SIL48: beneficiaries' basic medical-insurance contributions, from 2011-07-01
    "funeral_subsidy",
    "survivors_pension",
)


class TotalsItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str = Field(
        description="fund-monitor's journal source key of the movement",
        examples=["contributions:payment:41:unemployment"],
    )
    region: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="the month it is booked in (cash basis)")
    kind: str = Field(description=", ".join(TOTALS_KINDS))
    amount_fen: int


class TotalsSum(BaseModel):
    region: str
    month: str
    kind: str
    amount_fen: int
    items: int


class Totals(BaseModel):
    source: str
    from_month: str
    to_month: str
    region: str | None
    sums: list[TotalsSum]
    items: list[TotalsItem]


def summed(items: list[TotalsItem]) -> list[TotalsSum]:
    """Per region, month and kind, in that order."""
    acc: dict[tuple[str, str, str], list[int]] = {}
    for i in items:
        row = acc.setdefault((i.region, i.month, i.kind), [0, 0])
        row[0] += i.amount_fen
        row[1] += 1
    return [TotalsSum(region=r, month=m, kind=k, amount_fen=a, items=n) for (r, m, k), (a, n) in sorted(acc.items())]
