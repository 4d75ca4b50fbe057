"""One declaration line: clamp the base, compute the four amounts (policy.md Contributions 1-2; N§3 ¶1; R6).

Each amount is rounded to the fen, half up, per line. The rule is written once per line (``line_amounts``, the
definition) and once over columns (``amounts_columns``, for bulk uploads), and a property test holds them equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import polars as pl

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


# ---- the same rule over a column of bases (bulk uploads) --------------------------------------------------------

_INT64_MAX = 2**63 - 1
AMOUNT_COLUMNS = ("declared_base", "base", "pension_unit", "pension_person", "unemployment_unit", "unemployment_person")


def _share_column(bases: pl.Series, rate: Decimal, bound: int) -> pl.Series:
    """``share_of`` of every base: half up to the fen, in 64-bit integers where they cannot overflow (a rate is a
    ratio of integers), else one exact Python call per base."""
    num, den = rate.as_integer_ratio()
    if num < 0 or 2 * bound * num + den > _INT64_MAX:
        return pl.Series([share_of(b, rate) for b in bases.to_list()], dtype=pl.Int64)
    return (bases * (2 * num) + den) // (2 * den)


def amounts_columns(declared: pl.Series, p: ContributionParameters) -> pl.DataFrame:
    """``line_amounts`` of every (positive) declared base, as columns named ``AMOUNT_COLUMNS`` (a base was
    clamped where ``base`` differs from ``declared_base``). Property-tested against the per-line rule
    (tests/unit/test_amounts_columns.py)."""
    floor, ceiling = p.base_floor, p.base_ceiling
    base = pl.select(
        pl.when(declared < floor).then(floor).when(declared > ceiling).then(ceiling).otherwise(declared)
    ).to_series()
    bound = max(floor, ceiling)  # no base above it: what the integers must hold
    return pl.DataFrame(
        {
            "declared_base": declared,
            "base": base,
            "pension_unit": _share_column(base, p.pension_unit_rate, bound),
            "pension_person": _share_column(base, p.pension_person_rate, bound),
            "unemployment_unit": _share_column(base, p.unemployment_unit_rate, bound),
            "unemployment_person": _share_column(base, p.unemployment_person_rate, bound),
        }
    )
