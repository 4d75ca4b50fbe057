"""Identity numbers (policy.md, Actors and places): checksum-valid, real birth date, masked in public output."""

import datetime as dt

import pytest
from pydantic import BaseModel, ValidationError

from insurance_shared import CreditCode, ResidentId, mask_id_number, mask_name


class Person(BaseModel):
    id_number: ResidentId


class Unit(BaseModel):
    credit_code: CreditCode


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("220102199001011238", "resident_id_checksum"),  # last digit should be 9
        ("22010219900101123", "resident_id_length"),
        ("2201021990010112398", "resident_id_length"),
        ("22010219900101A238", "resident_id_format"),
        ("220102199002301238", "resident_id_component"),  # 30 February, checksum valid
        ("220102209901011230", "resident_id_component"),  # born in 2099, checksum valid
        ("", "resident_id_length"),
    ],
)
def test_bad_resident_ids_are_refused_with_the_field(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        Person(id_number=value)
    (err,) = info.value.errors()
    assert err["loc"] == ("id_number",)
    assert err["type"] == code


def test_resident_id_is_normalised() -> None:
    assert Person(id_number=" 11010519491231002x ").id_number == "11010519491231002X"
    assert Person(id_number="220102199001011239").id_number == "220102199001011239"


def test_resident_id_refuses_numbers() -> None:
    with pytest.raises(ValidationError) as info:
        Person(id_number=220102199001011239)  # type: ignore[arg-type]
    assert info.value.errors()[0]["type"] == "string_type"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91220101MA0Y3XXK88", "credit_code_checksum"),
        ("91220101MA0Y3XXK8", "credit_code_length"),
        ("91220101MA0Y3XXKI7", "credit_code_format"),  # I is not used in credit codes
        ("9122010IMA0Y3XXK87", "credit_code_format"),
    ],
)
def test_bad_credit_codes_are_refused(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        Unit(credit_code=value)
    (err,) = info.value.errors()
    assert err["loc"] == ("credit_code",)
    assert err["type"] == code


def test_good_credit_code_is_upper_cased() -> None:
    assert Unit(credit_code="91220101ma0y3xxk87").credit_code == "91220101MA0Y3XXK87"


def test_credit_code_answers_are_the_same_when_asked_again() -> None:
    # validation is cached per code (a roster names its unit on every line): a refusal is never remembered as
    # an answer, and a good code asked again is the same code
    for _ in range(3):
        with pytest.raises(ValidationError) as info:
            Unit(credit_code="91220101MA0Y3XXK88")
        assert info.value.errors()[0]["type"] == "credit_code_checksum"
        assert Unit(credit_code=" 91220101ma0y3xxk87").credit_code == "91220101MA0Y3XXK87"


def test_masks() -> None:
    assert mask_id_number("220102199001011239") == "220102********1239"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李*"


def test_birth_date_today_is_allowed() -> None:
    from insurance_shared.ids import validate_resident_id

    assert validate_resident_id("220102199001011239", today=dt.date(1990, 1, 1))
