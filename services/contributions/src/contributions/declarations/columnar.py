"""Bulk declarations in columns (#27): the uploads' path, a block of lines at a time (an upload of fewer than
SMALL_UPLOAD lines goes line by line, where columns cost more than they save).

The same rules, in the same order, with the same errors as the per-line path in ``service.py``, which stays the
definition (it declares a JSON body) and the reference that tests/integration/test_columnar_equivalence.py
holds this path to on random files. What is done here per column rather than per line:

- reading: plain lines are split by polars (``upload_frames``);
- identity numbers and amounts: the usual case (18 compact characters, a plain decimal) is checked in columns,
  check digit included; any line that is not plainly valid is handed to the per-line ``parse_raw``, which then
  decides and explains, so a refusal reads word for word as it does there;
- people: the keyed hash of each number (one HMAC a line, the only per-line Python step of a valid line);
- enrolment: the unit's employments are read once, summarised per person for each period, and joined;
- pricing: ``amounts_columns`` (below), ``rules.amounts.line_amounts`` over a column, half up to the fen in integers;
- writing: lines go in with COPY on PostgreSQL (``insert_rows``), after the declarations they belong to, while
  the next block is read and checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    FieldError,
    Principal,
    birth_place_known,
    copy_out_csv,
    insert_rows,
    is_postgresql,
    person_keys,
    share_of,
)

from ..rules.parameters import ContributionParameters
from ..units.models import Unit
from .service import (
    LINE_COLUMNS,
    SPANS,
    Declaring,
    Draft,
    Line,
    Period,
    Refused,
    add_lines,
    add_period_lines,
    begin,
    open_period,
    parse_raw,
)
from .upload_frames import Frame, frames
from .upload_lines import RawLine, csv_lines, jsonl_lines

BLOCK_LINES = 50_000  # lines read, checked and written at a time: bounds the memory of an upload of any size
SMALL_UPLOAD = 2_000  # below it, line by line (measured: bench/README.md, "Bulk upload in columns")

_COMPACT = r"^[0-9]{17}[0-9X]$"
_YUAN = r"^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$"  # what parse_yuan reads without stripping or refusing
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643: 2^(17-i) mod 11
_SPANS_SQL = "SELECT person_key, start_date, end_date FROM employments WHERE unit_credit_code = $1"  # as SPANS
_LINE = pl.Schema({"line_no": pl.Int64, "number": pl.String, "base": pl.Int64, "period": pl.String})

# (line number, order within the line, error): sorted before they are reported, so they read in file order
Found = list[tuple[int, int, FieldError]]


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
    """``rules.amounts.line_amounts`` of every (positive) declared base, as columns named ``AMOUNT_COLUMNS`` (a
    base was clamped where ``base`` differs from ``declared_base``). Property-tested against the per-line rule
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


def check_digit(number: pl.Expr) -> pl.Expr:
    """The GB 11643 check character of each number's first 17 digits (ISO 7064 MOD 11-2)."""
    first17 = number.str.slice(0, 17).cast(pl.Int64)
    total = sum(((first17 // 10 ** (16 - i)) % 10) * w for i, w in enumerate(_WEIGHTS))
    c = (12 - total % 11) % 11
    return pl.when(c == 10).then(pl.lit("X")).otherwise(c.cast(pl.String))


def _plainly_valid(columns: pl.DataFrame, today: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The lines whose number and base are valid as they stand, and the rest: for those, ``parse_raw`` decides
    (a number with spaces is still valid there, a wrong one is explained)."""
    number, base = pl.col("id_number"), pl.col("base")
    shaped = columns.select(
        number.str.contains(_COMPACT).fill_null(False) & base.str.contains(_YUAN).fill_null(False)
    ).to_series()
    candidates = columns.filter(shaped)
    born = number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    places = candidates["id_number"].str.slice(0, 10).unique().to_list()
    plain = candidates.select(
        (
            (check_digit(number) == number.str.slice(17, 1))
            & (born.dt.year() >= 1)
            & (born <= today)
            & number.str.slice(0, 10).is_in([p for p in places if birth_place_known(p)])
        ).fill_null(False)
    ).to_series()
    return candidates.filter(plain), pl.concat([columns.filter(~shaped), candidates.filter(~plain)])


def parse(frame: Frame, today: dt.date) -> tuple[pl.DataFrame, Found]:
    """The frame's lines that parse (line_no, number, base in fen, period, key), and the errors of those that
    do not, exactly as ``parse_raw`` gives them."""
    fast, rest = _plainly_valid(frame.columns, today)
    yuan = fast["base"].str.split_exact(".", 1).struct.unnest()
    fen = yuan["field_0"].cast(pl.Int64) * 100 + yuan["field_1"].str.pad_end(2, "0").cast(pl.Int64).fill_null(0)
    good = pl.DataFrame(
        {"line_no": fast["line_no"], "number": fast["id_number"], "base": fen, "period": fast["period"]},
        schema=_LINE,
    )
    found: Found = []
    slow_rows: dict[str, list] = {name: [] for name in _LINE}
    slow = [RawLine(n, i, b, None, p) for n, i, b, p in rest.iter_rows()]
    for raw in [*slow, *frame.odd.values()]:
        line, errors = parse_raw(raw)
        if line is None:
            found += [(raw.line_no, k, e) for k, e in enumerate(errors)]
        else:
            for name, value in zip(_LINE, (raw.line_no, line.id_number, line.base, line.period), strict=True):
                slow_rows[name].append(value)
    if slow_rows["line_no"]:
        good = pl.concat([good, pl.DataFrame(slow_rows, schema=_LINE)]).sort("line_no")
    good = good.with_columns(pl.Series("key", person_keys(good["number"].to_list()), dtype=pl.String))
    return good, found


@dataclass
class _PeriodColumns:
    """What the columns need of one period beyond ``Period``: its people so far, their enrolment then, and
    (an adjustment) what was declared before."""

    seen: pl.Series
    enrolment: pl.DataFrame  # key, employed (in the period), after (every span starts after it), first (start)
    previous: pl.DataFrame | None


def _errors(rows: pl.DataFrame, field: str, code: str, message: str) -> Found:
    """The same error on each row's line (``field`` after the line's reference: id_number, base, period)."""
    return [
        (n, 0, FieldError(field=f"line[{n}].{field}", code=code, message=message)) for n in rows["line_no"].to_list()
    ]


class ColumnarDeclaring(Declaring):
    """``Declaring`` a frame at a time: the unit's employments as a frame, each frame's accepted lines
    written as a frame."""

    def __init__(self, session: AsyncSession, unit: Unit, kind: str, today: dt.date) -> None:
        super().__init__(session, unit, kind, today)
        self.columns: dict[int, _PeriodColumns] = {}
        self.frames: list[tuple[Draft, pl.DataFrame]] = []  # accepted lines not yet written
        self.writing: asyncio.Task | None = None  # the lines being written meanwhile

    async def read_span_frame(self) -> None:
        schema = {"key": pl.String, "start": pl.Date, "end": pl.Date}
        if is_postgresql(self.session):  # as CSV, parsed by polars in one call: no row object per employment
            data = await copy_out_csv(self.session, _SPANS_SQL, self.unit.credit_code)
            self.span_frame = (
                pl.read_csv(data, has_header=False, schema=schema) if data else pl.DataFrame(schema=schema)
            )
            return
        rows = (await self.session.execute(SPANS, {"credit_code": self.unit.credit_code})).all()
        self.span_frame = pl.DataFrame(rows, schema=schema, orient="row")

    def _columns(self, p: Period) -> _PeriodColumns:
        c = self.columns.get(id(p))
        if c is None:
            start, end = p.declaration.period, p.end
            spans = pl.col("start"), pl.col("end")
            enrolment = self.span_frame.group_by("key").agg(
                ((spans[0] <= end) & (spans[1].is_null() | (spans[1] >= start))).any().alias("employed"),
                (spans[0] > end).all().alias("after"),
                spans[0].min().alias("first"),
            )
            previous = None
            if self.kind == "adjustment":
                previous = pl.DataFrame(
                    [(k, *v) for k, v in p.previous.items()],
                    schema={"key": pl.String, **{f"before_{c}": pl.Int64 for c in AMOUNT_COLUMNS[2:]}},
                    orient="row",
                )
            c = self.columns[id(p)] = _PeriodColumns(pl.Series("key", [], dtype=pl.String), enrolment, previous)
        return c

    def add_frame(self, p: Period, lines: pl.DataFrame) -> Found:
        """``add`` of each line (line_no, key, base), in file order: the same checks in the same order."""
        c = self._columns(p)
        key = pl.col("key")
        first = lines.select(key.is_first_distinct() & ~key.is_in(c.seen.implode())).to_series()
        found = _errors(
            lines.filter(~first),
            "id_number",
            "duplicate_person",
            "this person is already declared above for this period",
        )
        lines = lines.filter(first)
        c.seen = pl.concat([c.seen, lines["key"]])
        found += _errors(
            lines.filter(pl.col("base") <= 0), "base", "base_not_positive", "a contribution base is more than zero"
        )
        status = lines.filter(pl.col("base") > 0).join(c.enrolment, on="key", how="left", maintain_order="left")
        found += _errors(
            status.filter(pl.col("employed").is_null()),
            "id_number",
            "person_not_enrolled",
            f"not enrolled with unit {self.unit.credit_code}",
        )
        outside = status.filter(~pl.col("employed"))
        found += [
            (
                n,
                0,
                FieldError(
                    field=f"line[{n}].id_number", code="period_before_enrolment", message=f"enrolled only from {first}"
                ),
            )
            for n, first in outside.filter(pl.col("after")).select("line_no", "first").iter_rows()
        ]
        found += _errors(
            outside.filter(~pl.col("after")),
            "id_number",
            "not_employed_in_period",
            f"not employed by the unit in {p.text}",
        )
        employed = status.filter(pl.col("employed"))
        amounts = amounts_columns(employed["base"], p.params)
        rows = pl.concat([employed.select("line_no", "key"), amounts], how="horizontal")
        if c.previous is not None:
            parts = AMOUNT_COLUMNS[2:]
            rows = rows.join(c.previous, on="key", how="left", maintain_order="left").with_columns(
                (pl.col(x) - pl.col(f"before_{x}").fill_null(0)).alias(x) for x in parts
            )
            decreases = pl.any_horizontal(pl.col(x) < 0 for x in parts)
            found += _errors(
                rows.filter(decreases),
                "base",
                "adjustment_decreases",
                "an adjustment may only add to what was declared",
            )
            rows = rows.filter(~decreases).drop(f"before_{x}" for x in parts)
        n = rows.height
        p.n, before = p.n + n, p.n
        p.clamped += int((rows["declared_base"] != rows["base"]).sum())  # a clamped base is one that moved
        for i, x in enumerate(AMOUNT_COLUMNS[2:]):
            p.totals[i] += int(rows[x].sum())
        self.frames.append(
            (
                p.declaration,
                rows.with_columns(pl.int_range(before + 1, before + n + 1, dtype=pl.Int64).alias("line_no")),
            )
        )
        return found

    def report(self, found: Found) -> None:
        for _, _, e in sorted(found, key=lambda f: (f[0], f[1])):
            self.fail(e.field, e.code, e.message)
        if self.errors.count:
            self.frames = []  # nothing will be written: the upload is refused

    async def _write_lines(self) -> None:
        await super()._write_lines()
        frames, self.frames = self.frames, []
        await self._write_frames(frames)

    async def _write_frames(self, frames: list[tuple[Draft, pl.DataFrame]]) -> None:
        if not frames:
            return
        await self._write_drafts()  # the declarations first: their ids are the lines' keys
        for declaration, rows in frames:
            out = rows.rename({"key": "person_key"}).with_columns(
                pl.lit(declaration.id, pl.Int64).alias("declaration_id")
            )
            await insert_rows(self.session, "declaration_lines", LINE_COLUMNS, out.select(LINE_COLUMNS).rows())

    async def flush(self) -> None:
        """Start writing the lines accepted so far, once the previous frame's are in: the database takes them in
        while the next frame is read and checked (a frame's checks touch no database)."""
        await self.settle()
        if self.frames and not self.errors.count:
            frames, self.frames = self.frames, []
            self.writing = asyncio.create_task(self._write_frames(frames))

    async def settle(self, *, quietly: bool = False) -> None:
        """Wait for the lines being written; their error is the upload's, unless it has failed already."""
        task, self.writing = self.writing, None
        if task is None:
            return
        if quietly:
            with contextlib.suppress(Exception):
                await task
            return
        await task

    async def period(self, text: str) -> Period:
        if text not in self.periods and text not in self.refused:  # opening one uses the database
            await self.settle()
        return await super().period(text)

    async def finish(self) -> list[tuple[Draft, int, list]]:
        await self.settle()
        return await super().finish()


async def _each_frame(
    declaring: ColumnarDeclaring, in_frames: AsyncIterator[Frame], check: Callable[[Frame], Awaitable[Found]]
) -> None:
    """Each frame checked and reported (``check`` gives its errors), its lines written while the next is read."""
    try:
        async for frame in in_frames:
            declaring.report(await check(frame))
            await declaring.flush()
    except BaseException:
        await declaring.settle(quietly=True)  # the connection is free again before the transaction is undone
        raise


async def _blocks_again(first: list[str], rest: AsyncIterator[list[str]]) -> AsyncIterator[list[str]]:
    yield first
    async for block in rest:
        yield block


async def _lines(kind: str, blocks: AsyncIterator[list[str]]) -> AsyncIterator[Line | list[FieldError]]:
    """The per-line path's items: each line read and parsed on its own."""

    async def text() -> AsyncIterator[str]:
        async for block in blocks:
            for line in block:
                yield line

    async for raw in csv_lines(text()) if kind == "csv" else jsonl_lines(text()):
        line, errors = parse_raw(raw)
        yield line if line is not None else errors


async def _columns_or_lines(
    declaring: ColumnarDeclaring, kind: str, blocks: AsyncIterator[list[str]]
) -> tuple[AsyncIterator[Frame] | None, AsyncIterator[Line | list[FieldError]] | None]:
    """An upload as frames, or, when it is all in a first block of fewer than SMALL_UPLOAD lines, as lines: for
    so few, polars' fixed cost per step (about 0.1 ms) is more than the per-line path spends on all of them."""
    first = await anext(blocks, [])
    again = _blocks_again(first, blocks)
    if len(first) < min(SMALL_UPLOAD, BLOCK_LINES):  # a block shorter than BLOCK_LINES is the last
        await declaring.read_spans()
        return None, _lines(kind, again)
    await declaring.read_span_frame()
    return frames(kind, again), None


async def declare(
    session: AsyncSession,
    principal: Principal,
    credit_code: str,
    period_text: str,
    kind: str,
    file_kind: str,
    blocks: AsyncIterator[list[str]],
    *,
    today: dt.date,
    period_field: str,
) -> tuple[Draft, int, list]:
    """``service.declare`` of an upload (``file_kind`` csv or jsonl) read in blocks of lines."""
    declaring = await begin(session, principal, credit_code, kind, today, ColumnarDeclaring)
    assert isinstance(declaring, ColumnarDeclaring)
    p = await open_period(declaring, period_text, period_field)
    in_frames, in_lines = await _columns_or_lines(declaring, file_kind, blocks)
    if in_lines is not None:
        await add_lines(declaring, p, in_lines)
        return (await declaring.finish())[0]
    assert in_frames is not None

    async def check(frame: Frame) -> Found:
        lines, found = parse(frame, today)
        other = (pl.col("period").fill_null("") != "") & (pl.col("period") != period_text)
        found += _errors(lines.filter(other), "period", "period_mismatch", f"this upload declares {period_text} only")
        return found + declaring.add_frame(p, lines.filter(~other))

    await _each_frame(declaring, in_frames, check)
    return (await declaring.finish())[0]


async def declare_periods(
    session: AsyncSession,
    principal: Principal,
    credit_code: str,
    kind: str,
    file_kind: str,
    blocks: AsyncIterator[list[str]],
    *,
    today: dt.date,
) -> list[tuple[Draft, int, list]]:
    """``service.declare_periods`` of an upload (``file_kind`` csv or jsonl) read in blocks of lines."""
    declaring = await begin(session, principal, credit_code, kind, today, ColumnarDeclaring)
    assert isinstance(declaring, ColumnarDeclaring)
    in_frames, in_lines = await _columns_or_lines(declaring, file_kind, blocks)
    if in_lines is not None:
        await add_period_lines(declaring, in_lines)
        return await declaring.finish()
    assert in_frames is not None

    async def check(frame: Frame) -> Found:
        lines, found = parse(frame, today)
        named = pl.col("period").fill_null("") != ""
        found += _errors(
            lines.filter(~named), "period", "missing", "each line of a multi-period upload names its period"
        )
        lines = lines.filter(named)
        # each period opened where it first appears, as line by line
        for text in lines["period"].unique(maintain_order=True).to_list():
            of_period = lines.filter(pl.col("period") == text)
            try:
                p = await declaring.period(text)
            except Refused as exc:
                found += _errors(of_period, "period", exc.code, exc.message)
                continue
            found += declaring.add_frame(p, of_period)
        return found

    await _each_frame(declaring, in_frames, check)
    return await declaring.finish()
