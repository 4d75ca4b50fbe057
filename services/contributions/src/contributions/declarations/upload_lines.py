"""A declaration upload's lines as they arrive (CSV or JSON Lines), before validation: the declarations feature
reads its two columns itself, faster than a model per line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from insurance_shared.uploads import csv_dicts, jsonl_dicts

REQUIRED_COLUMNS = ("id_number", "base")


@dataclass(frozen=True, slots=True)
class RawLine:
    line_no: int  # the line's number in the file, counting the header
    id_number: object
    base: object
    name: object = None
    period: object = None  # multi-period declarations: YYYY-MM


async def csv_lines(lines: AsyncIterator[str]) -> AsyncIterator[RawLine]:
    async for line_no, row in csv_dicts(lines, REQUIRED_COLUMNS, ("name", "period")):
        yield RawLine(line_no, row["id_number"], row["base"], row["name"], row["period"])


async def jsonl_lines(lines: AsyncIterator[str]) -> AsyncIterator[RawLine]:
    async for line_no, obj in jsonl_dicts(lines):
        if obj is None:
            yield RawLine(line_no, _BAD_JSON, None)
        else:
            yield RawLine(line_no, obj.get("id_number"), obj.get("base"), obj.get("name"), obj.get("period"))


_BAD_JSON = object()


def is_bad_json(value: object) -> bool:
    return value is _BAD_JSON
