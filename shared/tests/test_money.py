"""Money: integer fen inside, yuan strings outside; computed amounts rounded half up per line (policy.md C2)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from insurance_shared import Money, format_yuan, parse_yuan, round_half_up, share_of
from insurance_shared.money import MAX_FEN


class Payment(BaseModel):
    amount: Money


@pytest.mark.parametrize(
    ("text", "fen"),
    [("0", 0), ("0.00", 0), ("1234.5", 123450), ("1234.50", 123450), ("0.01", 1), (" 7.07 ", 707)],
)
def test_accepted(text: str, fen: int) -> None:
    assert Payment(amount=text).amount == fen


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0.005", "money_precision"),
        ("12.345", "money_precision"),
        ("-1", "money_negative"),
        ("-0.01", "money_negative"),
        ("1e3", "money_format"),
        ("1E3", "money_format"),
        ("NaN", "money_format"),
        ("Infinity", "money_format"),
        ("01.00", "money_format"),
        ("1.", "money_format"),
        (".5", "money_format"),
        ("", "money_format"),
        ("١٢", "money_format"),  # non-ASCII digits
        ("10000000000000.00", "money_format"),
        (12.5, "money_not_string"),  # JSON numbers are refused: their binary value may already be off
        (12, "money_not_string"),
        (True, "money_not_string"),
        (None, "money_not_string"),
    ],
)
def test_refused(value: object, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        Payment(amount=value)
    (err,) = info.value.errors()
    assert err["type"] == code
    assert err["loc"] == ("amount",)


def test_serialised_as_yuan_string() -> None:
    assert Payment(amount="1234.5").model_dump_json() == '{"amount":"1234.50"}'
    assert Payment.model_json_schema()["properties"]["amount"]["type"] == "string"


@pytest.mark.parametrize(("fen", "text"), [(0, "0.00"), (5, "0.05"), (123450, "1234.50"), (-250, "-2.50")])
def test_format(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


@pytest.mark.parametrize(
    ("value", "fen"),
    [(Decimal("2.5"), 3), (Decimal("2.49"), 2), (Decimal("-2.5"), -3), (Decimal("0.5"), 1), (Decimal("1.5"), 2)],
)
def test_round_half_up(value: Decimal, fen: int) -> None:
    assert round_half_up(value) == fen


@pytest.mark.parametrize(
    ("base", "rate", "fen"),
    [
        (125, Decimal("0.02"), 3),
        (10001, Decimal("0.02"), 200),
        (450000, Decimal("0.08"), 36000),
        (150, Decimal("0.01"), 2),
    ],
)
def test_share_of(base: int, rate: Decimal, fen: int) -> None:
    assert share_of(base, rate) == fen


@given(
    st.integers(min_value=-MAX_FEN, max_value=MAX_FEN),
    st.decimals(min_value=Decimal("-1"), max_value=Decimal("1"), places=6, allow_nan=False, allow_infinity=False),
)
def test_share_of_is_the_decimal_product_rounded_half_up(fen: int, rate: Decimal) -> None:
    # share_of works in integers for speed; it must agree with the Decimal definition everywhere
    assert share_of(fen, rate) == round_half_up(Decimal(fen) * rate)


@given(st.integers(min_value=0, max_value=MAX_FEN))
def test_round_trip(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen
