"""Covering a year's shortfall from the sources in the statutory order (policy.md Fund monitoring 3; N§4).

When a region's income in a year does not cover its expenditure, the gap is drawn from: the rolling balance
(滚存结余), the provincial adjustment fund (省级调剂金), state-owned asset income paid to the treasury
(上缴财政的国有资产经营收益), the local fiscal subsidy (地方财政补助) and bank loans (银行贷款), in that order, each up
to what is available from it; whatever is left is reported as uncovered.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from insurance_shared import Criterion, format_yuan

CLAUSE = "N§4"

# the statutory order: never reorder without a new notice
SOURCES: tuple[tuple[str, str], ...] = (
    ("rolling_balance", "滚存结余"),
    ("provincial_adjustment_fund", "省级调剂金"),
    ("state_asset_income", "上缴财政的国有资产经营收益"),
    ("local_fiscal_subsidy", "地方财政补助"),
    ("bank_loan", "银行贷款"),
)
SOURCE_NAMES = tuple(code for code, _ in SOURCES)


@dataclass(frozen=True, slots=True)
class PlanLine:
    order: int
    source: str
    title: str
    available_fen: int
    drawn_fen: int


@dataclass(frozen=True, slots=True)
class Plan:
    income_fen: int
    expenditure_fen: int
    gap_fen: int
    lines: tuple[PlanLine, ...]
    uncovered_fen: int
    criteria: tuple[Criterion, ...]


def gap(income_fen: int, expenditure_fen: int) -> int:
    return max(expenditure_fen - income_fen, 0)


def plan(income_fen: int, expenditure_fen: int, available_fen: Mapping[str, int]) -> Plan:
    """``available_fen``: what each source can give (missing means nothing); amounts are never negative."""
    unknown = set(available_fen) - set(SOURCE_NAMES)
    if unknown:
        raise ValueError(f"unknown shortfall sources {sorted(unknown)}")
    if any(v < 0 for v in available_fen.values()):
        raise ValueError("available amounts are never negative")
    need = gap(income_fen, expenditure_fen)
    remaining = need
    lines = []
    for order, (source, title) in enumerate(SOURCES, start=1):
        available = available_fen.get(source, 0)
        drawn = min(available, remaining)
        remaining -= drawn
        lines.append(PlanLine(order, source, title, available, drawn))
    criteria = (
        Criterion(
            name="income_covers_expenditure",
            met=need == 0,
            clause=CLAUSE,
            explanation=(
                f"income {format_yuan(income_fen)} against expenditure {format_yuan(expenditure_fen)}: "
                + ("covered" if need == 0 else f"shortfall {format_yuan(need)}")
            ),
            values={"income": format_yuan(income_fen), "expenditure": format_yuan(expenditure_fen)},
            explanation_zh=f"收入{format_yuan(income_fen)}元, 支出{format_yuan(expenditure_fen)}元: "
            + ("收入足以支付" if need == 0 else f"缺口{format_yuan(need)}元"),
        ),
        Criterion(
            name="statutory_order",
            met=remaining == 0,
            clause=CLAUSE,
            explanation=(
                "drawn in order: "
                + "; ".join(f"{ln.order}. {ln.source} {format_yuan(ln.drawn_fen)}" for ln in lines)
                + (f"; uncovered {format_yuan(remaining)}" if remaining else "; nothing uncovered")
            ),
            values={"uncovered": format_yuan(remaining)},
            explanation_zh="按法定顺序动用: "
            + "; ".join(f"{ln.order}. {ln.source} {format_yuan(ln.drawn_fen)}元" for ln in lines)
            + (f"; 仍有{format_yuan(remaining)}元未能弥补" if remaining else "; 已全部弥补"),
        ),
    )
    return Plan(income_fen, expenditure_fen, need, tuple(lines), remaining, criteria)
