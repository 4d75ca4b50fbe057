"""Medical treatment while benefits are drawn: the medical subsidy before 2011-07-01 (R19), the fund paying the
basic medical-insurance contribution from that date (SIL48). Each case cites its clause."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.rules.eligibility import default_values
from claims.rules.medical import covered, subsidy_on, transfer_for, treatment_on
from insurance_shared import ParameterValue

V = default_values()


@pytest.mark.parametrize(
    ("on", "form", "clause"),
    [
        (dt.date(2005, 1, 1), "medical_subsidy", "R19"),
        (dt.date(2011, 6, 30), "medical_subsidy", "R19"),  # the last day of the 1999 Regulation's form
        (dt.date(2011, 7, 1), "medical_contribution", "SIL48"),  # the Social Insurance Law in force
        (dt.date(2026, 12, 1), "medical_contribution", "SIL48"),
    ],
)
def test_the_form_of_medical_treatment_follows_the_law_in_force(on, form, clause) -> None:
    variant = treatment_on(on)
    assert (variant.formula, variant.reference) == (form, clause)


def test_a_date_before_the_law_start_has_no_treatment() -> None:
    with pytest.raises(LookupError):
        treatment_on(dt.date(2004, 12, 31))


@pytest.mark.parametrize(
    ("on", "amount", "clause"),
    [
        (dt.date(2011, 6, 15), 15000, "R19"),  # the default standard, 150.00 a month
        (dt.date(2011, 7, 1), None, "SIL48"),  # replaced: the fund pays the contribution with the run
    ],
)
def test_the_medical_subsidy_is_the_standard_until_sil48_replaces_it(on, amount, clause) -> None:
    s = subsidy_on(V, "220100", on)
    assert (s.amount, s.clause) == (amount, clause)
    assert (s.parameter is None) == (amount is None)


def test_a_regions_own_standard_beats_the_provinces() -> None:
    own = ParameterValue("medical_subsidy", "220800", "90.00", dt.date(2008, 1, 1), "白城市 2008年标准")
    assert subsidy_on((*V, own), "220800", dt.date(2009, 3, 1)).amount == 9000
    assert subsidy_on((*V, own), "220100", dt.date(2009, 3, 1)).amount == 15000
    assert subsidy_on((*V, own), "220800", dt.date(2007, 12, 31)).amount == 15000  # before its valid_from


@pytest.mark.parametrize(
    ("month", "people", "expected"),
    [
        (dt.date(2011, 6, 1), 10, None),  # R19 month: no transfer, the subsidy applies
        (dt.date(2011, 7, 1), 10, 120000),  # SIL48: 10 × 120.00
        (dt.date(2026, 11, 1), 0, 0),  # nobody drew benefits: a zero transfer, nothing owed
    ],
)
def test_the_transfer_to_the_medical_insurance_fund(month, people, expected) -> None:
    t = transfer_for(V, "220100", month, people)
    assert (t.amount if t else None) == expected
    if t:
        assert (t.clause, t.parameter.name, t.parameter.clause) == ("SIL48", "medical_contribution", "SIL48")


def test_a_part_month_of_benefit_is_a_month_of_contribution() -> None:
    assert covered(1) and covered(31) and not covered(0)


def test_no_contribution_standard_in_force_is_a_gap_not_a_zero() -> None:
    without = tuple(v for v in V if v.name != "medical_contribution")
    with pytest.raises(LookupError, match="medical_contribution"):
        transfer_for(without, "220100", dt.date(2012, 1, 1), 3)


dates = st.dates(dt.date(2005, 1, 1), dt.date(2030, 12, 31))


@given(dates)
def test_exactly_one_form_applies_on_every_date(on) -> None:
    """Never both the subsidy and the contribution for the same date, and never neither (R19 / SIL48)."""
    subsidy = subsidy_on(V, "220100", on).amount is not None
    transfer = transfer_for(V, "220100", on.replace(day=1), 1) is not None
    assert subsidy != transfer


@given(dates, st.integers(0, 100_000), st.integers(0, 100_000))
def test_the_transfer_is_each_beneficiarys_contribution_and_grows_with_them(on, a, b) -> None:
    month = on.replace(day=1)
    ta, tb = transfer_for(V, "220100", month, a), transfer_for(V, "220100", month, b)
    if ta is None or tb is None:
        return
    assert ta.amount == a * ta.per_person  # conserved: no rounding, each person's contribution whole
    assert (a <= b) == (ta.amount <= tb.amount) or ta.per_person == 0
