"""Paying into the claimant's own bank account (N§4, docs/policy.md Claims 10): which banks pay benefits, what an
account must be, how it is shown, and the bank file's and return file's lines. Pure functions over plain data."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from insurance_shared import LAW_START, FieldError, bank_card_problem, format_yuan, parse_yuan


@cache
def _data() -> dict:
    return json.loads(resources.files("claims.rules").joinpath("banks.json").read_text("utf-8"))


def banks() -> dict[str, str]:
    return {b["code"]: b["name"] for b in _data()["banks"]}


def return_reasons() -> dict[str, dict[str, str]]:
    return {r["code"]: r for r in _data()["return_reasons"]}


def card_number(text: str) -> str:
    return "".join(text.split())


def account_problems(bank_code: str, card: str, holder: str, claimant: str) -> list[tuple[str, str, str]]:
    """[(field, code, message)] for an account that cannot receive the claimant's benefit."""
    out = []
    if bank_code not in banks():
        out.append(("bank_code", "unknown_bank", f"{bank_code} does not pay benefits here: {', '.join(banks())}"))
    if problem := bank_card_problem(card):
        out.append(("card_number", *problem))
    if holder.strip() != claimant.strip():
        out.append(
            ("holder_name", "holder_not_claimant", "benefits are paid into an account in the claimant's own name")
        )
    return out


def masked(card: str) -> str:
    """``6222 **** **** 1234``: the first four and last four digits, never the rest."""
    digits = card_number(card)
    return f"{digits[:4]} **** **** {digits[-4:]}"


@dataclass(frozen=True, slots=True)
class FileLine:
    line_no: int
    account: str
    holder: str
    amount: int  # fen
    month: dt.date


def bank_file(batch_id: int, bank_code: str, region: str, lines: list[FileLine], purpose: str = "失业保险金") -> bytes:
    """The batch's file for the bank, GB18030 CSV, the same bytes every time: two header lines (the batch and the
    SHA-256 of the body that follows), the lines in line order, and a totals line."""
    body = io.StringIO()
    w = csv.writer(body, lineterminator="\r\n")
    w.writerow(["batch_id", "line_no", "account", "holder_name", "amount", "purpose", "month"])
    for ln in sorted(lines, key=lambda x: x.line_no):
        w.writerow([batch_id, ln.line_no, ln.account, ln.holder, format_yuan(ln.amount), purpose, f"{ln.month:%Y-%m}"])
    w.writerow(["TOTAL", len(lines), "", "", format_yuan(sum(x.amount for x in lines)), "", ""])
    content = body.getvalue().encode("gb18030")
    header = (
        f"# batch {batch_id} bank {bank_code} region {region}\r\n# sha256 {hashlib.sha256(content).hexdigest()}\r\n"
    ).encode("gb18030")
    return header + content


@dataclass(frozen=True, slots=True)
class ReturnLine:
    line_no: int
    account: str
    amount: int
    paid: bool
    reason_code: str | None
    value_date: dt.date


RETURN_COLUMNS = ("line_no", "account", "amount", "status", "reason_code", "value_date")


def parse_return_file(content: bytes, today: dt.date) -> tuple[list[ReturnLine], list[FieldError]]:
    """The bank's answer, line by line; every bad line is named, and then nothing is applied."""
    errors: list[FieldError] = []
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != list(RETURN_COLUMNS):
        return [], [FieldError(field="body", code="bad_header", message="header: " + ",".join(RETURN_COLUMNS))]
    out: list[ReturnLine] = []
    for i, row in enumerate(rows[1:], 2):
        if not row or not any(c.strip() for c in row):
            continue
        ref = f"line[{i}]"
        if len(row) != len(RETURN_COLUMNS):
            errors.append(
                FieldError(field=ref, code="wrong_field_count", message=f"{len(RETURN_COLUMNS)} fields expected")
            )
            continue
        line_no, account, amount, status, reason, value_date = (c.strip() for c in row)
        bad = len(errors)
        if not (line_no.isascii() and line_no.isdigit()):
            errors.append(FieldError(field=f"{ref}.line_no", code="not_a_number", message="the batch's line number"))
        try:
            fen = parse_yuan(amount)
        except ValueError as exc:
            errors.append(FieldError(field=f"{ref}.amount", code="money_format", message=str(exc)))
            fen = 0
        if status not in ("paid", "failed"):
            errors.append(FieldError(field=f"{ref}.status", code="unknown_status", message="paid or failed"))
        if status == "failed" and reason not in return_reasons():
            errors.append(
                FieldError(
                    field=f"{ref}.reason_code", code="unknown_reason", message="one of " + ", ".join(return_reasons())
                )
            )
        try:
            day = dt.date.fromisoformat(value_date)
            if not LAW_START <= day <= today:
                raise ValueError
        except ValueError:
            errors.append(
                FieldError(field=f"{ref}.value_date", code="bad_value_date", message="an ISO date, not in the future")
            )
            day = today
        if len(errors) == bad:
            out.append(ReturnLine(int(line_no), card_number(account), fen, status == "paid", reason or None, day))
    return out, errors


@dataclass(frozen=True, slots=True)
class Expected:
    """What a file line sent to the bank was: the account, the amount, and its state now."""

    account: str
    amount: int
    status: str  # approved | pending | paid | failed | ...


def already_answered(lines: list[ReturnLine], expected: dict[int, Expected]) -> int | None:
    """The first line the file answers otherwise than an earlier file did (paid then failed, or the reverse)."""
    for ln in lines:
        e = expected.get(ln.line_no)
        if e is not None and e.status in ("paid", "failed") and (e.status == "paid") != ln.paid:
            return ln.line_no
    return None


def return_problems(lines: list[ReturnLine], expected: dict[int, Expected], what: str) -> list[FieldError]:
    """Each line of a return file must be one of the file's lines sent, once, with its account and amount."""
    errors: list[FieldError] = []
    seen: set[int] = set()
    for ln in lines:
        ref = f"line_no {ln.line_no}"
        e = expected.get(ln.line_no)
        if e is None:
            errors.append(FieldError(field=ref, code="not_in_batch", message=f"{what} has no line {ln.line_no}"))
            continue
        if ln.line_no in seen:
            errors.append(FieldError(field=ref, code="duplicate_line", message="a line is answered once per file"))
        seen.add(ln.line_no)
        if ln.account != e.account:
            errors.append(
                FieldError(field=f"{ref}.account", code="account_mismatch", message="not the account of this line")
            )
        if ln.amount != e.amount:
            errors.append(
                FieldError(
                    field=f"{ref}.amount", code="amount_mismatch", message=f"this line is {format_yuan(e.amount)}"
                )
            )
    if not lines and not errors:
        errors.append(FieldError(field="body", code="no_lines", message="the file answers no line"))
    return errors
