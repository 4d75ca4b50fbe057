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

from insurance_shared import bank_card_problem, format_yuan


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


def bank_file(batch_id: int, bank_code: str, region: str, lines: list[FileLine]) -> bytes:
    """The batch's file for the bank, GB18030 CSV, the same bytes every time: two header lines (the batch and the
    SHA-256 of the body that follows), the lines in line order, and a totals line."""
    body = io.StringIO()
    w = csv.writer(body, lineterminator="\r\n")
    w.writerow(["batch_id", "line_no", "account", "holder_name", "amount", "purpose", "month"])
    for ln in sorted(lines, key=lambda x: x.line_no):
        w.writerow(
            [batch_id, ln.line_no, ln.account, ln.holder, format_yuan(ln.amount), "失业保险金", f"{ln.month:%Y-%m}"]
        )
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
