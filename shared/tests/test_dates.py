"""The date bounds every request type carries (#20), and the test clock's special days."""

import datetime as dt

import pytest
from pydantic import BaseModel, ValidationError

from insurance_shared import LAW_START, ActDate, LawDate
from insurance_shared.dates import check_bookable
from insurance_shared.testing.plugin import _moved_today


class Body(BaseModel):
    act: ActDate | None = None
    law: LawDate | None = None


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("act", "1398-08-12", "date_before_law"),
        ("act", "0275-10-04", "date_before_law"),
        ("act", "2004-12-31", "date_before_law"),
        ("act", str(dt.date.today() + dt.timedelta(days=1)), "date_in_future"),
        ("law", "0001-01-01", "date_before_law"),
    ],
)
def test_refused_with_a_stable_code(field: str, value: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Body.model_validate({field: value})
    (error,) = caught.value.errors()
    assert (error["loc"], error["type"]) == ((field,), code)
    assert value in error["msg"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("act", str(LAW_START)), ("act", str(dt.date.today())), ("law", str(LAW_START)), ("law", "2099-01-01")],
)
def test_accepted_on_the_bounds(field: str, value: str) -> None:
    assert getattr(Body.model_validate({field: value}), field) == dt.date.fromisoformat(value)


def test_a_consumer_refuses_to_book_before_the_law() -> None:
    check_bookable(LAW_START, "paid on")
    with pytest.raises(ValueError, match="paid on 1398-08-12 lies before 2005-01-01"):
        check_bookable(dt.date(1398, 8, 12), "paid on")


@pytest.mark.parametrize(
    ("value", "today", "moved"),
    [
        ("year-end", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        ("leap-day", dt.date(2026, 12, 1), dt.date(2028, 2, 29)),
        ("leap-day", dt.date(2028, 2, 29), dt.date(2028, 2, 29)),
        ("leap-day", dt.date(2028, 3, 1), dt.date(2032, 2, 29)),
        ("2027-02-28", dt.date(2026, 12, 1), dt.date(2027, 2, 28)),
    ],
)
def test_the_test_clock_days(value: str, today: dt.date, moved: dt.date) -> None:
    assert _moved_today(value, today) == moved


@pytest.mark.parametrize("value", [0, 20261125, "2026-11-25T00:00:00", "25.11.2026", True])
def test_only_an_iso_date_is_a_date(value) -> None:
    """#24 defect 5: ``on=0`` was read as a date (1970-01-01)."""
    with pytest.raises(ValidationError) as caught:
        Body.model_validate({"law": value})
    assert caught.value.errors()[0]["type"] == "date_format"
