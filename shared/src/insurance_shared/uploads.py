"""Reading a streamed upload one line at a time: CSV (UTF-8 or GB18030) or JSON Lines, all or nothing, every error
with its line. Declarations, rosters, registry imports and return files of every service use it.

Nothing here holds the whole body: the caller validates and stores each line as it arrives.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from .errors import FieldError, Problem, Unprocessable
from .writes import Write

CSV_TYPES = ("text/csv", "application/csv")
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")
# what client generators send a file as (openapi-python-client knows no other upload type): the kind is then read
# from the file's first line, a JSON object or a CSV header
OCTET_TYPES = ("application/octet-stream",)


class LineErrors:
    """The line errors of an all-or-nothing upload: every one counted, the first thousand kept to report."""

    REPORTED = 1000

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.count = 0

    def add(self, field: str, code: str, message: str) -> None:
        self.count += 1
        if len(self.errors) < self.REPORTED:
            self.errors.append(FieldError(field=field, code=code, message=message))

    def raise_any(self, code: str, title: str, nothing_written: str) -> None:
        """Refuse the whole upload (422 ``code``) if any line was wrong."""
        if self.count:
            raise Problem(
                422,
                code,
                title,
                f"{self.count} line error(s); {nothing_written}"
                + (f" (the first {self.REPORTED} are listed)" if self.count > self.REPORTED else ""),
                errors=self.errors,
                extra={"error_count": self.count},
            )


class UploadError(ValueError):
    """The upload as a whole cannot be read (no usable header, wrong encoding, unknown format)."""

    def __init__(self, code: str, message: str, field: str = "body") -> None:
        super().__init__(message)
        self.code = code
        self.field = field


class Digest:
    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def update(self, chunk: bytes) -> None:
        self._h.update(chunk)

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def _decoder(first_chunk: bytes, charset: str | None) -> codecs.IncrementalDecoder:
    if charset:
        try:
            return codecs.getincrementaldecoder(codecs.lookup(charset).name)("strict")
        except LookupError:
            raise UploadError("unknown_charset", f"unknown charset {charset!r}; use utf-8 or gb18030") from None
    try:  # UTF-8 unless the first chunk says otherwise; a sequence cut at the chunk's end is not a failure
        codecs.getincrementaldecoder("utf-8")("strict").decode(first_chunk, final=False)
        return codecs.getincrementaldecoder("utf-8-sig")("strict")
    except UnicodeDecodeError:
        return codecs.getincrementaldecoder("gb18030")("strict")


async def text_blocks(
    chunks: AsyncIterator[bytes], charset: str | None, digest: Digest, *, lines: int = 1
) -> AsyncIterator[list[str]]:
    """The body's text lines in blocks of at least ``lines`` (the last may be shorter), for readers that work on
    many lines at once. A block is given out before an encoding error is raised, so the lines before the error
    are read first, as a line-by-line reader reads them."""
    decoder: codecs.IncrementalDecoder | None = None
    pending = ""
    block: list[str] = []
    async for chunk in chunks:
        if not chunk:
            continue
        digest.update(chunk)
        if decoder is None:
            decoder = _decoder(chunk, charset)
        try:
            pending += decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            if block:
                yield block
            raise UploadError("bad_encoding", f"the upload is neither UTF-8 nor GB18030 ({exc.reason})") from None
        carriage_return = "\r" in pending  # one scan of the text, not one call per line
        *complete, pending = pending.split("\n")
        block += [line.rstrip("\r") for line in complete] if carriage_return else complete
        if len(block) >= lines:
            yield block
            block = []
    if decoder is not None:
        try:
            pending += decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if block:
                yield block
            raise UploadError("bad_encoding", f"the upload ends inside a character ({exc.reason})") from None
    if pending.strip():
        block.append(pending.rstrip("\r"))
    if block:
        yield block


async def text_lines(chunks: AsyncIterator[bytes], charset: str | None, digest: Digest) -> AsyncIterator[str]:
    """The body's text lines, each as soon as its chunk has arrived."""
    async for block in text_blocks(chunks, charset, digest):
        for line in block:
            yield line


def csv_fields(text: str, line_no: int) -> list[str]:
    """One CSV line's fields, unstripped."""
    try:  # most lines quote nothing (nor hold a stray carriage return): a split then reads them as csv would
        return text.split(",") if '"' not in text and "\r" not in text else next(csv.reader([text]))
    except csv.Error as exc:  # e.g. a bare carriage return inside an unquoted field
        raise UploadError("bad_csv_line", f"line {line_no} is not CSV: {exc}", field=f"line[{line_no}]") from None


def csv_header(row: list[str], required: tuple[str, ...]) -> list[str]:
    """The header's column names, lower case; refuses one that lacks a ``required`` column."""
    header = [h.strip().lower() for h in row]
    missing = [c for c in required if c not in header]
    if missing:
        raise UploadError(
            "csv_missing_column",
            f"the header lacks {', '.join(missing)}; it needs {', '.join(required)}",
            field="line[1]",
        )
    return header


def wrong_field_count(line_no: int, fields: int, header: int) -> UploadError:
    # "11010519491231002X,5,000.00" under "id_number,base" is a thousands separator, not base 5 and a stray
    # column: refused with the line, never read half
    return UploadError(
        "wrong_field_count",
        f"line {line_no} has {fields} fields, the header {header}: quote a value holding a comma",
        field=f"line[{line_no}]",
    )


async def csv_dicts(
    lines: AsyncIterator[str], required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> AsyncIterator[tuple[int, dict[str, str | None]]]:
    """``(line number, {column: value})`` per data line; the header is line 1 and must name ``required``."""
    header: list[str] | None = None
    cells: list[tuple[str, int | None]] = []  # (column, its place in a row)
    line_no = 0
    async for text in lines:
        line_no += 1
        if not text.strip():
            continue
        row = csv_fields(text, line_no)
        if header is None:
            header = csv_header(row, required)
            cells = [(name, header.index(name) if name in header else None) for name in (*required, *optional)]
            continue
        if len(row) != len(header):
            raise wrong_field_count(line_no, len(row), len(header))
        yield line_no, {name: row[i].strip() if i is not None and i < len(row) else None for name, i in cells}
    if header is None:
        raise UploadError("empty_upload", "the upload has no header and no lines")


async def jsonl_dicts(lines: AsyncIterator[str]) -> AsyncIterator[tuple[int, dict | None]]:
    """``(line number, object)`` per non-blank line; the object is None when the line is not a JSON object."""
    line_no = 0
    async for text in lines:
        line_no += 1
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep, no line of ours is
            obj = None
        yield line_no, obj if isinstance(obj, dict) else None


def upload_body(csv_example: str, jsonl_example: str | None = None) -> dict:
    """``openapi_extra`` for an endpoint that reads its body as a stream: the media it takes, with examples."""
    content = {"text/csv": {"schema": {"type": "string"}, "example": csv_example}}
    if jsonl_example is not None:
        content["application/x-ndjson"] = {"schema": {"type": "string"}, "example": jsonl_example}
    return {"requestBody": {"required": True, "content": content}}


async def upload_dicts(
    lines: AsyncIterator[str], media: str, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> AsyncIterator[tuple[int, dict | None]]:
    """``(line number, fields)`` of a CSV (header naming ``columns``) or JSON Lines upload; fields None for a line
    that is not a JSON object."""
    if media == "csv":
        async for item in csv_dicts(lines, columns, optional):
            yield item
        return
    async for item in jsonl_dicts(lines):
        yield item


M = TypeVar("M", bound=BaseModel)


async def model_lines(
    lines: AsyncIterator[tuple[int, dict | None]],
    model: type[M],
    columns: tuple[str, ...],
    errors: LineErrors,
    *,
    max_lines: int,
    per: str,
    empty: str,
    **fixed: object,
) -> AsyncIterator[tuple[int, M]]:
    """Each line's ``columns`` (and the ``fixed`` values) as ``model``. A line that is not an object or does not
    validate goes into ``errors`` with its line and field, and is skipped. More than ``max_lines`` lines refuse the
    ``per`` (roster, upload), and so does none at all (``empty`` says what it must hold)."""
    n = 0
    async for line_no, fields in lines:
        n += 1
        ref = f"line[{line_no}]"
        if n > max_lines:
            raise UploadError("too_many_lines", f"at most {max_lines} lines per {per}", field=ref)
        if fields is None:
            errors.add(ref, "bad_json_line", "not a JSON object")
            continue
        try:
            item = model(**{k: fields.get(k) for k in columns}, **fixed)
        except ValidationError as exc:
            for e in exc.errors():
                errors.add(f"{ref}.{'.'.join(str(p) for p in e['loc']) or 'line'}", e["type"], e["msg"])
            continue
        yield line_no, item
    if n == 0:
        raise Unprocessable("no_lines", empty, field="body")


def media_kind(content_type: str | None) -> Literal["csv", "jsonl"]:
    media = (content_type or "").split(";")[0].strip().lower()
    if media in CSV_TYPES:
        return "csv"
    if media in JSONL_TYPES:
        return "jsonl"
    raise UploadError(
        "unsupported_media_type",
        f"send text/csv (UTF-8 or GB18030) or application/x-ndjson, not {media or 'nothing'}",
        field="header.content-type",
    )


@asynccontextmanager
async def _read_as_upload(w: Write, digest: Digest) -> AsyncIterator[None]:
    """An upload that cannot be read becomes its problem (415 for the media type, else 422 naming the line); once
    read, its digest is what an Idempotency-Key is checked against."""
    try:
        yield
    except UploadError as exc:
        status = 415 if exc.code == "unsupported_media_type" else 422
        raise Problem(
            status,
            exc.code,
            "Upload cannot be read",
            str(exc),
            errors=[FieldError(field=exc.field, code=exc.code, message=str(exc))],
        ) from None
    w.body_digest = digest.hexdigest()


@asynccontextmanager
async def streamed_upload(
    request: Request, w: Write
) -> AsyncIterator[tuple[Literal["csv", "jsonl"], AsyncIterator[str]]]:
    """The request body's kind and text lines, each as soon as its chunk has arrived."""
    async with streamed_blocks(request, w, 1) as (kind, blocks):

        async def lines() -> AsyncIterator[str]:
            async for block in blocks:
                for line in block:
                    yield line

        yield kind, lines()


@asynccontextmanager
async def streamed_blocks(
    request: Request, w: Write, lines: int
) -> AsyncIterator[tuple[Literal["csv", "jsonl"], AsyncIterator[list[str]]]]:
    """The request body's kind and text lines in blocks of about ``lines``, read as they arrive: for a reader
    that checks many lines at once."""
    content_type = request.headers.get("content-type")
    digest = Digest()
    async with _read_as_upload(w, digest):
        blocks = text_blocks(request.stream(), charset_of(content_type), digest, lines=lines)
        if (content_type or "").split(";")[0].strip().lower() in OCTET_TYPES:
            yield await sniffed(blocks)
        else:
            yield media_kind(content_type), blocks


async def sniffed(
    blocks: AsyncIterator[list[str]],
) -> tuple[Literal["csv", "jsonl"], AsyncIterator[list[str]]]:
    """A file sent as application/octet-stream: JSON Lines if its first non-blank line is a JSON object, else CSV;
    the blocks read to tell are given back in front of the rest."""
    seen: list[list[str]] = []
    kind: Literal["csv", "jsonl"] = "csv"
    async for block in blocks:
        seen.append(block)
        first = next((line for line in block if line.strip()), None)
        if first is not None:
            kind = "jsonl" if first.lstrip().startswith("{") else "csv"
            break

    async def again() -> AsyncIterator[list[str]]:
        for block in seen:
            yield block
        async for block in blocks:
            yield block

    return kind, again()


def charset_of(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip().strip('"')
    return None
