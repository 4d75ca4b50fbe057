"""Payment capacity (支付能力): balance ÷ average monthly expenditure over a trailing window (policy.md Fund
monitoring 2; N§8).

The window is the ``capacity_window_months`` months ending with the month the figure is for. Months before the
fund's first recorded month are left out of the divisor: a fund that opened three months ago is averaged over
three months, not over twelve of which nine are empty. With no expenditure at all in the window the capacity is
unbounded (``None``), which raises no alert.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from insurance_shared import Criterion, ParameterValue, format_yuan, round_half_up

from .months import add_months, format_month
from .parameters import as_int

CLAUSE = "N§8"


@dataclass(frozen=True, slots=True)
class Capacity:
    month: dt.date
    balance_fen: int
    window_expenditure_fen: int
    window_months: int  # months actually averaged over
    average_expenditure_fen: int  # rounded half up, for display; the ratio uses the exact average
    months: Decimal | None  # None: no expenditure in the window


def window(month: dt.date, size: int, first_month: dt.date | None) -> list[dt.date]:
    months = [add_months(month, -i) for i in range(size - 1, -1, -1)]
    if first_month is not None:
        months = [m for m in months if m >= first_month]
    return months or [month]


def payment_capacity(
    month: dt.date,
    balance_fen: int,
    expenditure_by_month: Mapping[dt.date, int],
    first_month: dt.date | None,
    params: Mapping[str, ParameterValue],
) -> Capacity:
    months = window(month, as_int(params["capacity_window_months"]), first_month)
    total = sum(expenditure_by_month.get(m, 0) for m in months)
    average = round_half_up(Decimal(total) / len(months))
    ratio = None
    if total:
        ratio = (Decimal(balance_fen) * len(months) / Decimal(total)).quantize(Decimal("0.01"), ROUND_DOWN)
    return Capacity(month, balance_fen, total, len(months), average, ratio)


def explain(cap: Capacity, params: Mapping[str, ParameterValue]) -> Criterion:
    if cap.months is None:
        text = f"no expenditure in the {cap.window_months} months to {format_month(cap.month)}: capacity unbounded"
        zh = f"截至{format_month(cap.month)}的{cap.window_months}个月内没有支出: 支付能力无上限"
    else:
        zh = (
            f"结余{format_yuan(cap.balance_fen)}元 ÷ 截至{format_month(cap.month)}的{cap.window_months}个月"
            f"月均支出{format_yuan(cap.average_expenditure_fen)}元 = {cap.months}个月"
        )
        text = (
            f"balance {format_yuan(cap.balance_fen)} ÷ average monthly expenditure "
            f"{format_yuan(cap.average_expenditure_fen)} over {cap.window_months} months to "
            f"{format_month(cap.month)} = {cap.months} months"
        )
    return Criterion(
        name="payment_capacity",
        met=True,
        clause=CLAUSE,
        explanation=text,
        values={
            "balance": format_yuan(cap.balance_fen),
            "window_expenditure": format_yuan(cap.window_expenditure_fen),
            "window_months": cap.window_months,
            "capacity_months": None if cap.months is None else str(cap.months),
        },
        parameters=(params["capacity_window_months"],),
        explanation_zh=zh,
    )
