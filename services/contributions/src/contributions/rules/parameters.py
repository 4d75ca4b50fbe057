"""Effective-dated contribution parameters (policy.md Contributions 2, 6; R6; C13).

A value applies from its ``valid_from`` until the next value of the same name and region. Defaults come from
``parameters.json``; the province adds values from a date through the API, stored in the database. A decision
uses the values in force on its date, so a new value never changes a declaration made for an earlier period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from insurance_shared import ParameterValue, in_force, in_force_all, load_parameter_file, parse_yuan

__all__ = [
    "ContributionParameters",
    "FlexibleParameters",
    "ParameterValue",
    "UsedParameter",
    "flexible_parameters_for",
    "in_force",
    "parameters_for",
    "validate_value",
]

RATE_NAMES = ("pension_unit_rate", "pension_person_rate", "unemployment_unit_rate", "unemployment_person_rate")
MONEY_NAMES = ("base_floor", "base_ceiling")
LINE_NAMES = (*RATE_NAMES, *MONEY_NAMES, "late_fee_daily_rate", "due_day")  # what a unit's declaration line uses
# a flexible worker on the merged track pays both parts of each fund alone, at rates of its own (N§6 ¶1)
FLEXIBLE_RATE_NAMES = ("flexible_pension_rate", "flexible_unemployment_rate")
FLEXIBLE_NAMES = (*FLEXIBLE_RATE_NAMES, *MONEY_NAMES, "late_fee_daily_rate", "due_day")
ALL_NAMES = (*LINE_NAMES, *FLEXIBLE_RATE_NAMES)


@dataclass(frozen=True, slots=True)
class UsedParameter:
    """A parameter as a decision used it: the explanation quotes these."""

    name: str
    value: str
    valid_from: dt.date
    clause: str


@dataclass(frozen=True, slots=True)
class ContributionParameters:
    """Everything a declaration line needs, as in force for one region on one date."""

    pension_unit_rate: Decimal
    pension_person_rate: Decimal
    unemployment_unit_rate: Decimal
    unemployment_person_rate: Decimal
    base_floor: int  # fen
    base_ceiling: int  # fen
    late_fee_daily_rate: Decimal
    due_day: int
    used: tuple[UsedParameter, ...]


@cache
def default_values() -> tuple[ParameterValue, ...]:
    return load_parameter_file("contributions.rules", "parameters.json")


class MissingParameter(LookupError):
    pass


def parameters_for(values: Iterable[ParameterValue], region: str, on: dt.date) -> ContributionParameters:
    try:
        picked = in_force_all(values, LINE_NAMES, region, on)
    except LookupError as exc:
        raise MissingParameter(str(exc)) from None
    return ContributionParameters(
        **{n: Decimal(picked[n].value) for n in (*RATE_NAMES, "late_fee_daily_rate")},
        base_floor=parse_yuan(picked["base_floor"].value),
        base_ceiling=parse_yuan(picked["base_ceiling"].value),
        due_day=int(picked["due_day"].value),
        used=tuple(UsedParameter(v.name, v.value, v.valid_from, v.clause) for v in picked.values()),
    )


@dataclass(frozen=True, slots=True)
class FlexibleParameters:
    """What a flexible worker's own month needs, as in force for one region on one date (N§6 ¶1)."""

    pension_rate: Decimal
    unemployment_rate: Decimal
    base_floor: int  # fen
    base_ceiling: int  # fen
    late_fee_daily_rate: Decimal
    due_day: int
    used: tuple[UsedParameter, ...]


def flexible_parameters_for(values: Iterable[ParameterValue], region: str, on: dt.date) -> FlexibleParameters:
    try:
        picked = in_force_all(values, FLEXIBLE_NAMES, region, on)
    except LookupError as exc:
        raise MissingParameter(str(exc)) from None
    return FlexibleParameters(
        pension_rate=Decimal(picked["flexible_pension_rate"].value),
        unemployment_rate=Decimal(picked["flexible_unemployment_rate"].value),
        base_floor=parse_yuan(picked["base_floor"].value),
        base_ceiling=parse_yuan(picked["base_ceiling"].value),
        late_fee_daily_rate=Decimal(picked["late_fee_daily_rate"].value),
        due_day=int(picked["due_day"].value),
        used=tuple(UsedParameter(v.name, v.value, v.valid_from, v.clause) for v in picked.values()),
    )


def validate_value(name: str, value: str) -> str | None:
    """Why ``value`` cannot be a value of ``name``, or None when it can."""
    if name not in ALL_NAMES:
        return f"unknown parameter {name}; known: {', '.join(ALL_NAMES)}"
    try:
        if name in MONEY_NAMES:
            parse_yuan(value)
        elif name == "due_day":
            if not value.isdigit() or not 1 <= int(value) <= 28:
                return "due_day is a day of the month from 1 to 28"
        else:
            rate = Decimal(value)
            if not rate.is_finite() or not Decimal(0) <= rate < Decimal(1):
                return "a rate is a decimal from 0 up to (not including) 1, e.g. 0.02"
    except Exception:
        return f"{value!r} is not a valid value for {name}"
    return None
