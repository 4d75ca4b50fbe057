"""The pricing rule and the identity-number check digit over columns equal their one-line definitions (#27):
the bulk path prices and checks a column at a time (policy.md Contributions 2; R6; GB 11643)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from contributions.declarations.columnar import AMOUNT_COLUMNS, amounts_columns, check_digit
from contributions.rules.amounts import line_amounts
from contributions.rules.parameters import default_values, parameters_for

P = parameters_for(default_values(), "220100", dt.date(2026, 10, 1))
MAX_FEN = 10**15 - 1

rates = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)


@given(
    bases=st.lists(st.integers(min_value=1, max_value=MAX_FEN), min_size=1, max_size=50),
    floor=st.integers(min_value=0, max_value=10**9),
    ceiling=st.integers(min_value=0, max_value=MAX_FEN),
    four=st.tuples(rates, rates, rates, rates),
)
def test_amounts_in_columns_are_the_per_line_amounts(bases, floor, ceiling, four) -> None:
    """Any bases, any floor and ceiling (even crossed, even so large the 64-bit path must give way), any rates
    of four places: every amount to the fen as the per-line rule gives it, half up."""
    p = dataclasses.replace(
        P,
        base_floor=floor,
        base_ceiling=ceiling,
        pension_unit_rate=four[0],
        pension_person_rate=four[1],
        unemployment_unit_rate=four[2],
        unemployment_person_rate=four[3],
    )
    got = amounts_columns(pl.Series(bases, dtype=pl.Int64), p)
    want = [line_amounts(b, p) for b in bases]
    assert got.columns == list(AMOUNT_COLUMNS)
    assert got.rows() == [
        (a.declared_base, a.base, a.pension_unit, a.pension_person, a.unemployment_unit, a.unemployment_person)
        for a in want
    ]
    assert [d != b for d, b in got.select("declared_base", "base").rows()] == [a.clamped is not None for a in want]


def test_half_up_at_the_half_fen() -> None:
    """R6 at 1%: 3450.50 yuan gives 34.505, which is 34.51 (half up), as on the per-line table."""
    p = dataclasses.replace(P, unemployment_person_rate=Decimal("0.01"))
    assert amounts_columns(pl.Series([345_050]), p)["unemployment_person"].to_list() == [3_451]


@given(st.lists(st.text(alphabet="0123456789", min_size=17, max_size=17), min_size=1, max_size=50))
def test_check_digit_in_columns_is_stdnums(first17s) -> None:
    got = pl.select(check_digit(pl.lit(pl.Series(first17s)))).to_series().to_list()
    assert got == [ric.calc_check_digit(n + "0") for n in first17s]
