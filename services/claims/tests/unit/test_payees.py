"""Paying into the claimant's own account (N§4; docs/policy.md Claims 10): the account rules and the bank file."""

import datetime as dt
import hashlib

import pytest

from claims.rules.payees import FileLine, account_problems, bank_file, masked


@pytest.mark.parametrize(
    ("clause", "bank", "card", "holder", "codes"),
    [
        ("N§4: a paying bank, a valid card, the claimant's name", "ICBC", "6222 0202 0011 2345 679", "张三", []),
        ("N§4: a bank that does not pay benefits here", "CITI", "6222020200112345679", "张三", ["unknown_bank"]),
        ("Luhn: the check digit", "ICBC", "6222020200112345678", "张三", ["card_number_checksum"]),
        ("too short", "ICBC", "12345", "张三", ["card_number_format"]),
        ("N§4: the claimant's own account", "ICBC", "6222020200112345679", "李四", ["holder_not_claimant"]),
    ],
)
def test_account_rules(clause, bank, card, holder, codes) -> None:
    assert [c for _, c, _ in account_problems(bank, card, holder, "张三")] == codes, clause


def test_masked_shows_only_four_and_four() -> None:
    assert masked("6222 0202 0011 2345 679") == "6222 **** **** 5679"


def test_the_bank_file_is_the_same_bytes_and_carries_its_digest() -> None:
    lines = [
        FileLine(2, "6222020200112345687", "李四", 67_500, dt.date(2026, 11, 1)),
        FileLine(1, "6222020200112345679", "张三", 135_000, dt.date(2026, 11, 1)),
    ]
    one, two = bank_file(7, "ICBC", "220100", lines), bank_file(7, "ICBC", "220100", list(reversed(lines)))
    assert one == two
    header, digest, body = one.split(b"\r\n", 2)
    assert header == b"# batch 7 bank ICBC region 220100"
    assert digest == b"# sha256 " + hashlib.sha256(body).hexdigest().encode()
    rows = body.decode("gb18030").splitlines()
    assert rows[1] == "7,1,6222020200112345679,张三,1350.00,失业保险金,2026-11"
    assert rows[-1] == "TOTAL,2,,,2025.00,,"
