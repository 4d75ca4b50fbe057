"""Money: an integer number of fen (分) inside, yuan as a decimal string on the wire.

Floats never touch money. Input is refused, not repaired, when it is ambiguous: a JSON number (its binary value
may already be wrong), a sign, an exponent, or more than two decimal places. Computed amounts (a rate times a base)
are rounded to the fen half up, as the policy requires per line (policy.md, Contributions 2).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = ["MAX_FEN", "Money", "MoneyOut", "format_yuan", "parse_yuan", "round_half_up", "share_of"]

# 9,999,999,999,999.99 yuan: far beyond any fund, and fits a 64-bit column with room to sum many lines.
MAX_FEN = 10**15 - 1
_YUAN = re.compile(r"(?P<yuan>0|[1-9]\d{0,12})(?:\.(?P<fen>\d{1,2}))?", re.ASCII)
_OVER_PRECISE = re.compile(r"\d+\.\d{3,}", re.ASCII)


def parse_yuan(value: object) -> int:
    """``"1234.5"`` → ``123450`` fen. Raises ``PydanticCustomError`` with a stable code."""
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise PydanticCustomError(
            "money_not_string",
            'money is a decimal string in yuan with at most two places, e.g. "1234.50"',
        )
    if not isinstance(value, str):
        raise PydanticCustomError("money_not_string", "money is a decimal string in yuan")
    return _parse_text(value)


@lru_cache(maxsize=65_536)  # uploads repeat the same amounts (a wage, month after month); refusals are not cached
def _parse_text(value: str) -> int:
    text = value.strip()
    if text.startswith("-"):
        raise PydanticCustomError("money_negative", "money may not be negative")
    match = _YUAN.fullmatch(text)
    if match is None:
        if _OVER_PRECISE.fullmatch(text):
            raise PydanticCustomError("money_precision", "money has at most two decimal places (fen)")
        raise PydanticCustomError(
            "money_format", 'money is written as digits with an optional point and two places, e.g. "1234.50"'
        )
    fen = int(match["yuan"]) * 100 + int((match["fen"] or "0").ljust(2, "0"))
    if fen > MAX_FEN:
        raise PydanticCustomError("money_too_large", "the amount is larger than any fund could hold")
    return fen


def format_yuan(fen: int) -> str:
    """``123450`` → ``"1234.50"``; negative balances keep their sign."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


def round_half_up(value: Decimal) -> int:
    """A computed amount in fen, rounded to a whole fen, half away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def share_of(fen: int, rate: Decimal) -> int:
    """``rate`` (e.g. ``Decimal("0.02")``) of an amount in fen, rounded half up to the fen.

    Exactly ``round_half_up(Decimal(fen) * rate)``, in integers: a rate is a ratio of integers, so the share is
    too, and rounding it half away from zero needs no Decimal. It runs four times per declaration line."""
    num, den = _ratio(rate)
    whole = (2 * abs(fen) * abs(num) + den) // (2 * den)
    return -whole if (fen < 0) != (num < 0) else whole


@lru_cache(maxsize=1024)
def _ratio(rate: Decimal) -> tuple[int, int]:
    return rate.as_integer_ratio()


Money = Annotated[
    int,
    BeforeValidator(parse_yuan),
    PlainSerializer(format_yuan, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(0|[1-9]\d{0,12})(\.\d{1,2})?$",
            "description": "金额, 单位元, 最多两位小数, 以字符串表示",
            "examples": ["1234.50"],
        }
    ),
]
"""An amount in fen inside Python; a yuan string such as ``"1234.50"`` in JSON."""


def _fen(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("money_not_fen", "an amount computed by the system is a whole number of fen")
    return value


MoneyOut = Annotated[
    int,
    BeforeValidator(_fen),
    PlainSerializer(format_yuan, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?(0|[1-9]\d*)\.\d{2}$",
            "description": "金额, 单位元, 两位小数, 以字符串表示",
            "examples": ["1234.50"],
        }
    ),
]
"""An amount the system computed (int fen), shown as a yuan string: for responses. Requests use ``Money``."""
