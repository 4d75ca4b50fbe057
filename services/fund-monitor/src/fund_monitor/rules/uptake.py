"""Social-insurance subsidy uptake (docs/policy.md Re-employment support 2; N§6 ¶2): a region that does not carry
out the subsidy has its re-employment subsidy funds reduced, so monitoring flags a region that paid none in a whole
calendar quarter. Pure functions."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from insurance_shared import Criterion

from .months import add_months


def last_whole_quarter(month: dt.date) -> tuple[dt.date, dt.date, str]:
    """The latest calendar quarter that ended before ``month`` began: (first month, last month, ``2026-Q3``)."""
    first_of_current = dt.date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    first = add_months(first_of_current, -3)
    return first, add_months(first, 2), f"{first.year}-Q{(first.month - 1) // 3 + 1}"


def uptake_criterion(amount_fen: int, runs: int, quarter: str) -> Criterion:
    """Met when the region paid any social-insurance subsidy in the quarter (N§6 ¶2)."""
    met = amount_fen > 0
    return Criterion(
        "si_subsidy_uptake",
        met,
        "N§6 ¶2",
        f"{amount_fen / 100:.2f} yuan of social-insurance subsidy paid in {quarter}"
        if met
        else f"no social-insurance subsidy paid in the whole of {quarter}: the region's re-employment subsidy funds "
        "are to be reduced accordingly",
        {"quarter": quarter, "amount_fen": amount_fen, "runs": runs},
        explanation_zh=f"{quarter}发放社会保险补贴{amount_fen / 100:.2f}元"
        if met
        else f"{quarter}整季未发放社会保险补贴: 应相应核减该地区的再就业补助资金",
    )


def budget_used(spent_fen: int, budget_fen: int) -> str | None:
    """The share of the year's allocation spent, to four places (``"0.1250"``); None with no allocation."""
    if budget_fen <= 0:
        return None
    return str((Decimal(spent_fen) / Decimal(budget_fen)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
