"""Identity numbers: resident identity numbers (公民身份号码) and Unified Social Credit Codes (统一社会信用代码).

The checksum and format rules are python-stdnum's (``stdnum.cn.ric`` and ``stdnum.cn.uscc``): a well-kept
implementation that also knows the administrative-division codes. We add only what the law of this system adds:
a birth date may not lie in the future, and the pydantic types turn every failure into a stable error code.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError
from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

__all__ = [
    "CreditCode",
    "ResidentId",
    "bank_card_problem",
    "birth_date",
    "birth_place_known",
    "mask_id_number",
    "mask_name",
    "validate_credit_code",
    "validate_resident_id",
]

_RIC_REASONS: dict[type[ValidationError], tuple[str, str]] = {
    InvalidLength: ("resident_id_length", "a resident identity number has 18 characters"),
    InvalidFormat: ("resident_id_format", "the first 17 characters must be digits, the last a digit or X"),
    InvalidChecksum: ("resident_id_checksum", "the check digit does not match (GB 11643)"),
    InvalidComponent: (
        "resident_id_component",
        "the birth date is impossible or the area code is unknown",
    ),
}

_USCC_REASONS: dict[type[ValidationError], tuple[str, str]] = {
    InvalidLength: ("credit_code_length", "a Unified Social Credit Code has 18 characters"),
    InvalidFormat: ("credit_code_format", "only digits and the capital letters allowed by GB 32100"),
    InvalidChecksum: ("credit_code_checksum", "the check character does not match (GB 32100)"),
    InvalidComponent: ("credit_code_component", "a part of the code is invalid"),
}


def _reason(table: dict[type[ValidationError], tuple[str, str]], exc: ValidationError) -> tuple[str, str]:
    for kind, reason in table.items():
        if isinstance(exc, kind):
            return reason
    return next(iter(table.values()))


@lru_cache(maxsize=65_536)
def birth_place_known(area_and_year: str) -> bool:
    """Whether the number's first ten characters (area code and birth year) name a place stdnum knows then."""
    # stdnum's place lookup walks its area-code table on every call (most of a validation's time); the answer
    # depends only on the area code and the birth year, so bulk uploads ask it once per pair
    try:
        ric.get_birth_place(area_and_year + "01010000")
    except (ValidationError, KeyError):  # stdnum's table has area codes without a county entry
        return False
    return True


_COMPACT_RIC = re.compile(r"[0-9]{17}[0-9X]")


@lru_cache(maxsize=65_536)
def _ric_validate(number: str) -> tuple[str, dt.date]:
    """``stdnum.cn.ric.validate``, step for step, without its repeated clean-ups (most of its cost on numbers
    that are already compact) and with the place lookup cached. Returns the number and the birth date. Cached
    itself (a failure is not): a year of declarations names each person twelve times."""
    if not _COMPACT_RIC.fullmatch(number):
        number = ric.compact(number)
        if len(number) != 18:
            raise InvalidLength()
        if not _COMPACT_RIC.fullmatch(number):
            raise InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidComponent() from None
    if not birth_place_known(number[:10]):
        raise InvalidComponent()
    return number, born


# a birth date before this is in the past whenever the process runs: today need not be read for it
_SURELY_PAST = dt.date.today() - dt.timedelta(days=2)


def validate_resident_id(value: str, *, today: dt.date | None = None) -> str:
    """Return the compact, upper-case number or raise ``PydanticCustomError`` with a stable code."""
    if not isinstance(value, str):
        raise PydanticCustomError("resident_id_type", "a resident identity number is a string")
    try:
        number, born = _ric_validate(value.strip().upper())
    except ValidationError as exc:
        code, message = _reason(_RIC_REASONS, exc)
        raise PydanticCustomError(code, message) from None
    if (today is not None or born > _SURELY_PAST) and born > (today or dt.date.today()):
        raise PydanticCustomError("resident_id_component", "the birth date lies in the future")
    return number


@lru_cache(maxsize=65_536)
def _uscc_validate(code: str) -> str:
    """``stdnum.cn.uscc.validate``, cached (a failure is not): about 9 µs a call here, and a roster or a bank's
    return file names the same few units on every line."""
    return uscc.validate(code)


def validate_credit_code(value: str) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("credit_code_type", "a credit code is a string")
    try:
        return _uscc_validate(value.strip().upper())
    except ValidationError as exc:
        code, message = _reason(_USCC_REASONS, exc)
        raise PydanticCustomError(code, message) from None


def birth_date(resident_id: str) -> dt.date:
    return ric.get_birth_date(resident_id)


def mask_id_number(number: str) -> str:
    """``220102199001011234`` → ``220102********1234``: area code and last four stay, the birth date goes."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """``张三`` → ``张*``; only the family name's first character stays."""
    name = name.strip()
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


ResidentId = Annotated[
    str,
    BeforeValidator(lambda v: v if not isinstance(v, str) else v.strip()),
    AfterValidator(validate_resident_id),
    Field(
        title="公民身份号码",
        description="18位公民身份号码, 校验位按GB 11643核对",
        examples=["11010519491231002X"],
        json_schema_extra={"pattern": r"^\d{17}[\dXx]$"},
    ),
]

CreditCode = Annotated[
    str,
    AfterValidator(validate_credit_code),
    Field(
        title="统一社会信用代码",
        description="18位统一社会信用代码, 校验位按GB 32100核对",
        examples=["91220101MA0Y3XXK87"],
        # registration authority and kind, the six-digit division code, the rest (stdnum's uscc checks the same)
        json_schema_extra={"pattern": r"^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$"},
    ),
]


def bank_card_problem(number: str) -> tuple[str, str] | None:
    """``(code, message)`` for a bank card number that cannot be one, or None: 12 to 19 digits whose last is the
    Luhn check digit (python-stdnum's ``luhn``, as for the other identifiers here)."""
    digits = "".join(number.split())
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return "card_number_format", "a bank card number has 12 to 19 digits"
    if not luhn.is_valid(digits):
        return "card_number_checksum", "the card number's check digit does not match (Luhn)"
    return None
