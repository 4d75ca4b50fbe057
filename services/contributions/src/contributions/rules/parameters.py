"""Effective-dated contribution parameters (policy.md Contributions 2, 6; R6; C13).

A value applies from its ``valid_from`` until the next value of the same name and region. Defaults come from
``parameters.json``; the province adds values from a date through the API, stored in the database. A decision
uses the values in force on its date, so a new value never changes a declaration made for an earlier period.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from insurance_shared import parse_yuan

RATE_NAMES = ("pension_unit_rate", "pension_person_rate", "unemployment_unit_rate", "unemployment_person_rate")
MONEY_NAMES = ("base_floor", "base_ceiling")
ALL_NAMES = (*RATE_NAMES, *MONEY_NAMES, "late_fee_daily_rate", "due_day")


@dataclass(frozen=True, slots=True)
class ParameterValue:
    name: str
    region: str | None  # None: every region
    value: str
    valid_from: dt.date
    clause: str = ""


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
    raw = json.loads(resources.files("contributions.rules").joinpath("parameters.json").read_text("utf-8"))
    out = [
        ParameterValue(d["name"], None, d["value"], dt.date.fromisoformat(d["valid_from"]), d.get("clause", ""))
        for d in raw["defaults"]
    ]
    for region, values in raw["per_region"].items():
        out += [
            ParameterValue(v["name"], region, v["value"], dt.date.fromisoformat(v["valid_from"]), "policy.md C2")
            for v in values
        ]
    return tuple(out)


def in_force(values: Iterable[ParameterValue], name: str, region: str, on: dt.date) -> ParameterValue | None:
    """The value of ``name`` in force on ``on``: the latest ``valid_from`` not after it; a regional value beats
    a province-wide one with the same date."""
    best: ParameterValue | None = None
    for v in values:
        if v.name != name or v.valid_from > on or (v.region is not None and v.region != region):
            continue
        if best is None or (v.valid_from, v.region is not None) > (best.valid_from, best.region is not None):
            best = v
    return best


class MissingParameter(LookupError):
    pass


def parameters_for(values: Iterable[ParameterValue], region: str, on: dt.date) -> ContributionParameters:
    values = tuple(values)
    picked: dict[str, ParameterValue] = {}
    for name in ALL_NAMES:
        v = in_force(values, name, region, on)
        if v is None:
            raise MissingParameter(f"no {name} in force for region {region} on {on}")
        picked[name] = v
    return ContributionParameters(
        **{n: Decimal(picked[n].value) for n in (*RATE_NAMES, "late_fee_daily_rate")},
        base_floor=parse_yuan(picked["base_floor"].value),
        base_ceiling=parse_yuan(picked["base_ceiling"].value),
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
