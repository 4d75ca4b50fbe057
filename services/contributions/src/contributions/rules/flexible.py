"""A flexible worker's own contributions on the merged track and the real-name register (docs/policy.md
Re-employment support 1; N§3(2), N§6 ¶1). Pure functions: what a chosen base costs, which months a declaration
covers and when they fall due, and whether two flexible employments overlap."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from insurance_shared import share_of

from .amounts import LineAmounts
from .parameters import FlexibleParameters
from .periods import due_date, next_month

FREQUENCIES = {"monthly": 1, "quarterly": 3}
KINDS = ("licence", "agreement", "other")  # 工商营业执照 | 灵活就业协议 | 其他
STATUSES = ("working_flexibly", "reemployed", "unemployed")


def base_outside_band(base: int, p: FlexibleParameters) -> str | None:
    """A flexible worker chooses the base between the floor and the ceiling (N§6 ¶1): a base outside is refused,
    not moved into the band as a unit's wage is, because the worker chose it and must be told. None when inside."""
    if base < p.base_floor:
        return f"the base is below the floor of {p.base_floor / 100:.2f} yuan"
    if base > p.base_ceiling:
        return f"the base is above the ceiling of {p.base_ceiling / 100:.2f} yuan"
    return None


def flexible_amounts(base: int, p: FlexibleParameters) -> LineAmounts:
    """One month at ``base``: the person pays both funds alone, so the unit parts are zero; each amount is rounded
    to the fen, half up (Contributions 2)."""
    return LineAmounts(
        declared_base=base,
        base=base,
        clamped=None,
        pension_unit=0,
        pension_person=share_of(base, p.pension_rate),
        unemployment_unit=0,
        unemployment_person=share_of(base, p.unemployment_rate),
    )


def floor_contribution(p: FlexibleParameters) -> int:
    """Pension and unemployment contributions of one month at the base floor: what the social-insurance subsidy is a
    share of (N§6 ¶2)."""
    return flexible_amounts(p.base_floor, p).total


@dataclass(frozen=True, slots=True)
class Months:
    periods: tuple[dt.date, ...]  # first days, oldest first
    due: dt.date


def months_declared(first: dt.date, frequency: str, due_day: int) -> Months:
    """The months one declaration covers and their due date: one month, due on ``due_day`` of the next; or a
    calendar quarter (``first`` its first month), all due with its last month. ValueError names what is wrong."""
    n = FREQUENCIES[frequency]
    if n == 3 and first.month % 3 != 1:
        raise ValueError("a quarterly declaration starts in January, April, July or October")
    periods = [first]
    while len(periods) < n:
        periods.append(next_month(periods[-1]))
    return Months(tuple(periods), due_date(periods[-1], due_day))


def overlaps(a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None) -> bool:
    """Two spans of days, each with its last day (None: still open), share a day."""
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)
