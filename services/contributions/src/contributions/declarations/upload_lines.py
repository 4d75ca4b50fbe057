"""A declaration upload's lines as they arrive (CSV or JSON Lines), before validation, one at a time: how uploads
under ``columnar.SMALL_UPLOAD`` lines are read, and the reference the columns reader (``upload_frames``) is held
to. The declarations feature reads its columns itself, faster than a model per line."""

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
            yield not_json(line_no)
        else:
            yield RawLine(line_no, obj.get("id_number"), obj.get("base"), obj.get("name"), obj.get("period"))


_BAD_JSON = object()


def not_json(line_no: int) -> RawLine:
    """A line that is not a JSON object: parse_raw refuses it as such (bad_json_line)."""
    return RawLine(line_no, _BAD_JSON, None)


def is_bad_json(value: object) -> bool:
    return value is _BAD_JSON
