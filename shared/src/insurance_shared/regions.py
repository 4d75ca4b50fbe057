"""Pooling regions (统筹地区), loaded from ``data/regions.json``: the list is data, not code (policy.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

__all__ = ["PROVINCE", "Region", "RegionCode", "all_regions", "get_region", "is_known_region", "validate_region"]

PROVINCE = "220000"


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: str

    @property
    def is_province(self) -> bool:
        return self.level == "province"


@cache
def _load() -> dict[str, Region]:
    raw = json.loads(resources.files("insurance_shared").joinpath("data/regions.json").read_text("utf-8"))
    return {r["code"]: Region(r["code"], r["name"], r["level"]) for r in raw["regions"]}


def all_regions() -> list[Region]:
    return list(_load().values())


def is_known_region(code: str) -> bool:
    return code in _load()


def get_region(code: str) -> Region:
    return _load()[code]


def validate_region(code: str) -> str:
    if not isinstance(code, str) or code not in _load():
        raise PydanticCustomError(
            "unknown_region",
            "unknown pooling region code {code}; known: {known}",
            {"code": str(code), "known": ", ".join(_load())},
        )
    return code


RegionCode = Annotated[
    str,
    AfterValidator(validate_region),
    Field(
        title="统筹地区代码",
        description="GB/T 2260 行政区划代码, 如 220100 长春市; 220000 为省级(省直、调剂金)",
        examples=["220100"],
        # the codes themselves, so that a client (and a generator, and a fuzzer) knows them before asking
        json_schema_extra={"enum": [r.code for r in all_regions()]},
    ),
]
