"""A year's shortfall is covered from the sources in the statutory order, each up to what it has (N§4)."""

import pytest

from fund_monitor.rules.shortfall import SOURCE_NAMES, plan


def test_statutory_order() -> None:
    assert SOURCE_NAMES == (
        "rolling_balance",
        "provincial_adjustment_fund",
        "state_asset_income",
        "local_fiscal_subsidy",
        "bank_loan",
    )


@pytest.mark.parametrize(
    ("case", "income", "spend", "available", "drawn", "uncovered"),
    [
        ("N§4 covered by the rolling balance alone", 100, 150, {"rolling_balance": 80}, [50, 0, 0, 0, 0], 0),
        (
            "N§4 rolling balance first, then the adjustment fund",
            100,
            300,
            {"rolling_balance": 80, "provincial_adjustment_fund": 500, "bank_loan": 999},
            [80, 120, 0, 0, 0],
            0,
        ),
        (
            "N§4 every source in turn, the rest uncovered",
            0,
            1_000,
            {k: 100 for k in SOURCE_NAMES},
            [100, 100, 100, 100, 100],
            500,
        ),
        (
            "N§4 a later source is not drawn before an earlier one",
            0,
            50,
            {"bank_loan": 50, "local_fiscal_subsidy": 50},
            [0, 0, 0, 50, 0],
            0,
        ),
        ("N§4 no gap, nothing drawn", 500, 400, {"rolling_balance": 100}, [0, 0, 0, 0, 0], 0),
    ],
)
def test_plan(case, income, spend, available, drawn, uncovered) -> None:
    p = plan(income, spend, available)
    assert [ln.drawn_fen for ln in p.lines] == drawn, case
    assert p.uncovered_fen == uncovered, case
    assert p.gap_fen == sum(drawn) + uncovered
    assert all(c.clause == "N§4" for c in p.criteria)


def test_negative_or_unknown_sources_refused() -> None:
    with pytest.raises(ValueError):
        plan(0, 10, {"rolling_balance": -1})
    with pytest.raises(ValueError):
        plan(0, 10, {"lottery": 5})
