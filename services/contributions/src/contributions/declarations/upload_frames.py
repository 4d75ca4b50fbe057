"""A declaration upload's lines as columns, a block of lines at a time (before validation): the bulk path's
reader. It reads exactly what ``upload_lines`` reads line by line (the same line numbers, values and unreadable-
upload errors; tests/integration/test_columnar_equivalence.py holds them equal on random files).

Plain lines (printable ASCII without quotes, nearly every line of a real file) are split in columns by polars;
any other line is read by the per-line CSV function, so quoting, odd whitespace and stray characters mean what
they mean there.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import polars as pl

from insurance_shared.uploads import UploadError, csv_fields, csv_header, wrong_field_count

from .upload_lines import REQUIRED_COLUMNS, RawLine, not_json

# what each frame holds: the line's number in the file (the header is line 1) and its three values as text
FRAME_SCHEMA = {"line_no": pl.Int64, "id_number": pl.String, "base": pl.String, "period": pl.String}
_PLAIN = r"^[\x20\x21\x23-\x7e]*$"  # printable ASCII, no double quote: a split by commas reads it as csv does


@dataclass
class Frame:
    """One block's lines: ``columns`` where every value is text or missing; ``odd`` the lines whose values are
    not (a JSON number, list or object; a line that is not a JSON object), kept as they came."""

    columns: pl.DataFrame
    odd: dict[int, RawLine] = field(default_factory=dict)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=FRAME_SCHEMA)


class CsvFrames:
    """CSV blocks to frames; remembers the header and where the file has got to."""

    def __init__(self) -> None:
        self.header: list[str] | None = None
        self.line_no = 0  # lines before this block

    def frame(self, block: list[str]) -> Frame:
        first = self.line_no + 1
        self.line_no += len(block)
        start = 0
        if self.header is None:
            while start < len(block) and not block[start].strip():
                start += 1
            if start == len(block):
                return Frame(_empty())
            self.header = csv_header(csv_fields(block[start], first + start), REQUIRED_COLUMNS)
            start += 1
        header = self.header
        width = len(header)
        # where each value is: the first column of its name, as the per-line reader takes it
        at = {name: header.index(name) if name in header else None for name in ("id_number", "base", "period")}
        lines = pl.DataFrame({"text": block[start:]}, schema={"text": pl.String}).with_row_index(
            "line_no", offset=first + start
        )
        lines = lines.with_columns(pl.col("line_no").cast(pl.Int64))
        plain = lines.filter(pl.col("text").str.contains(_PLAIN))
        plain = plain.filter(pl.col("text").str.strip_chars(" ") != "")
        fields = pl.col("text").str.split(",")
        plain = plain.with_columns(fields.alias("fields"), fields.list.len().alias("n"))
        fatal: UploadError | None = None
        bad = plain.filter(pl.col("n") != width).head(1)
        if bad.height:
            fatal_line = bad["line_no"][0]
            fatal = wrong_field_count(fatal_line, bad["n"][0], width)
        # the other lines, one by one, as the per-line reader reads them (only up to a fatal line already found)
        rows: dict[str, list] = {name: [] for name in FRAME_SCHEMA}
        others = lines.filter(~pl.col("text").str.contains(_PLAIN))
        for line_no, text in others.iter_rows():
            if fatal is not None and line_no > fatal_line:
                break
            if not text.strip():
                continue
            try:
                row = csv_fields(text, line_no)
                if len(row) != width:
                    raise wrong_field_count(line_no, len(row), width)
            except UploadError as exc:
                fatal, fatal_line = exc, line_no
                break
            rows["line_no"].append(line_no)
            for name, i in at.items():
                rows[name].append(row[i].strip() if i is not None else None)
        if fatal is not None:
            raise fatal

        def column(name: str) -> pl.Expr:
            i = at[name]
            if i is None:
                return pl.lit(None, dtype=pl.String).alias(name)
            return pl.col("fields").list.get(i).str.strip_chars(" ").alias(name)

        columns = plain.select(pl.col("line_no"), column("id_number"), column("base"), column("period"))
        if rows["line_no"]:
            columns = pl.concat([columns, pl.DataFrame(rows, schema=FRAME_SCHEMA)]).sort("line_no")
        return Frame(columns)

    def finish(self) -> None:
        if self.header is None:
            raise UploadError("empty_upload", "the upload has no header and no lines")


class JsonlFrames:
    """JSON Lines blocks to frames: each line parsed by the standard library, its values put in columns."""

    def __init__(self) -> None:
        self.line_no = 0

    def frame(self, block: list[str]) -> Frame:
        rows: dict[str, list] = {name: [] for name in FRAME_SCHEMA}
        odd: dict[int, RawLine] = {}
        for line_no, text in enumerate(block, self.line_no + 1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except (ValueError, RecursionError):  # as the per-line reader: nested thousands deep is not a line
                obj = None
            if not isinstance(obj, dict):
                odd[line_no] = not_json(line_no)
                continue
            id_number, base, period = obj.get("id_number"), obj.get("base"), obj.get("period")
            if all(v is None or isinstance(v, str) for v in (id_number, base, period)):
                rows["line_no"].append(line_no)
                rows["id_number"].append(id_number)
                rows["base"].append(base)
                rows["period"].append(period)
            else:
                odd[line_no] = RawLine(line_no, id_number, base, obj.get("name"), period)
        self.line_no += len(block)
        return Frame(pl.DataFrame(rows, schema=FRAME_SCHEMA), odd)

    def finish(self) -> None:
        pass


async def frames(kind: str, blocks: AsyncIterator[list[str]]) -> AsyncIterator[Frame]:
    reader = CsvFrames() if kind == "csv" else JsonlFrames()
    async for block in blocks:
        yield reader.frame(block)
    reader.finish()
