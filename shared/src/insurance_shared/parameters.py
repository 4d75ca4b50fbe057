"""Effective-dated policy parameters (architecture.md, Data rules; OpenFisca's dated parameters are the model).

A value applies from its ``valid_from`` until the next value of the same name; a regional value beats a
province-wide one of the same date. Each service keeps its defaults in a JSON file of its own and may add values
in its database; a decision uses the values in force on its date and quotes them (name, value, valid_from,
clause) in its explanation.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Generic, TypeVar

__all__ = ["ParameterValue", "Variant", "in_force", "in_force_all", "load_parameter_file", "variant_on"]

F = TypeVar("F")


@dataclass(frozen=True, slots=True)
class ParameterValue:
    name: str
    region: str | None  # None: every region
    value: str
    valid_from: dt.date
    clause: str = ""


def in_force(values: Iterable[ParameterValue], name: str, region: str, on: dt.date) -> ParameterValue | None:
    """The value of ``name`` in force in ``region`` on ``on``, or None."""
    best: ParameterValue | None = None
    for v in values:
        if v.name != name or v.valid_from > on or (v.region is not None and v.region != region):
            continue
        if best is None or (v.valid_from, v.region is not None) > (best.valid_from, best.region is not None):
            best = v
    return best


def load_parameter_file(package: str, resource: str) -> tuple[ParameterValue, ...]:
    """``{"defaults": [{name, value, valid_from, clause}], "per_region": {code: [...]}}`` from a package file."""
    raw = json.loads(resources.files(package).joinpath(resource).read_text("utf-8"))
    out = [
        ParameterValue(d["name"], None, d["value"], dt.date.fromisoformat(d["valid_from"]), d.get("clause", ""))
        for d in raw.get("defaults", [])
    ]
    for region, values in raw.get("per_region", {}).items():
        out += [
            ParameterValue(v["name"], region, v["value"], dt.date.fromisoformat(v["valid_from"]), v.get("clause", ""))
            for v in values
        ]
    return tuple(out)


def in_force_all(
    values: Iterable[ParameterValue], names: Iterable[str], region: str, on: dt.date
) -> dict[str, ParameterValue]:
    """Every one of ``names`` in force in ``region`` on ``on``; LookupError names the first one missing."""
    values = tuple(values)
    out = {}
    for name in names:
        v = in_force(values, name, region, on)
        if v is None:
            raise LookupError(f"no {name} in force for region {region} on {on}")
        out[name] = v
    return out


@dataclass(frozen=True, slots=True)
class Variant(Generic[F]):
    """One form of a rule whose *shape* the law changed (not only a value): ``formula`` applies to decisions dated
    from ``valid_from`` until the next variant, citing ``reference``. E.g. whether months paid in another pooling
    region count: not before 2011-07-01 (N§3(3): the same region), from then on (社会保险法 第五十二条)."""

    valid_from: dt.date
    reference: str
    formula: F


def variant_on(variants: Sequence[Variant[F]], on: dt.date) -> Variant[F]:
    """The variant in force on ``on``; LookupError before the first."""
    best: Variant[F] | None = None
    for v in variants:
        if v.valid_from <= on and (best is None or v.valid_from > best.valid_from):
            best = v
    if best is None:
        raise LookupError(f"no variant in force on {on}")
    return best
