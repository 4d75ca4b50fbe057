"""One declaration line: clamp the base, compute the four amounts (policy.md Contributions 1-2; N§3 ¶1; R6).

Each amount is rounded to the fen, half up, per line. This is the definition; the bulk path prices a column of
bases at a time (``declarations/columnar.py``, ``amounts_columns``), and a property test holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from insurance_shared import share_of

from .parameters import ContributionParameters


@dataclass(frozen=True, slots=True)
class LineAmounts:
    declared_base: int
    base: int
    clamped: str | None  # "floor" | "ceiling" | None
    pension_unit: int
    pension_person: int
    unemployment_unit: int
    unemployment_person: int

    @property
    def pension(self) -> int:
        return self.pension_unit + self.pension_person

    @property
    def unemployment(self) -> int:
        return self.unemployment_unit + self.unemployment_person

    @property
    def total(self) -> int:
        return self.pension + self.unemployment


def line_amounts(declared_base: int, p: ContributionParameters) -> LineAmounts:
    base, clamped = declared_base, None
    if base < p.base_floor:
        base, clamped = p.base_floor, "floor"
    elif base > p.base_ceiling:
        base, clamped = p.base_ceiling, "ceiling"
    return LineAmounts(
        declared_base=declared_base,
        base=base,
        clamped=clamped,
        pension_unit=share_of(base, p.pension_unit_rate),
        pension_person=share_of(base, p.pension_person_rate),
        unemployment_unit=share_of(base, p.unemployment_unit_rate),
        unemployment_person=share_of(base, p.unemployment_person_rate),
    )
