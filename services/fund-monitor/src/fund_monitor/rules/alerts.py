"""Which alert tiers a payment capacity calls for (N§8).

``critical``: under ``alert_threshold_months`` (2): reported to the local government and filed with the provincial
labor department and the provincial social-insurance company (N§8). ``early_warning``: under
``early_warning_threshold_months`` (6), so a region is watched before it reaches the statutory line.

A region has one current level, the most severe tier due (:func:`level_due`), and at most one open alert, of that
level: when the level changes the open alert is closed as ``escalated`` or ``eased`` and the new level's alert
names the one it replaces, so the history reads as one sequence; when no tier is due it closes as ``recovered``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from insurance_shared import Criterion, ParameterValue

from .parameters import as_decimal

CRITICAL = "critical"
EARLY_WARNING = "early_warning"
LEVELS = (CRITICAL, EARLY_WARNING)

# who an alert of each tier is addressed to; ``local_government`` is the alert region's own government
RECIPIENTS: dict[str, tuple[str, ...]] = {
    CRITICAL: ("local_government", "provincial_labor_department", "provincial_social_insurance"),
    EARLY_WARNING: ("local_government", "provincial_labor_department"),
}

_THRESHOLD = {CRITICAL: "alert_threshold_months", EARLY_WARNING: "early_warning_threshold_months"}


ESCALATED, EASED, RECOVERED = "escalated", "eased", "recovered"


@dataclass(frozen=True, slots=True)
class TierDecision:
    level: str
    due: bool
    criterion: Criterion


def tiers(capacity_months: Decimal | None, params: Mapping[str, ParameterValue]) -> list[TierDecision]:
    out = []
    for level in LEVELS:
        p = params[_THRESHOLD[level]]
        threshold = as_decimal(p)
        due = capacity_months is not None and capacity_months < threshold
        if capacity_months is None:
            text, zh = "no expenditure in the window: no alert", "计算期内没有支出: 不预警"
        elif due:
            text = f"capacity {capacity_months} months is under {threshold} months"
            zh = f"支付能力{capacity_months}个月, 低于{threshold}个月"
        else:
            text = f"capacity {capacity_months} months is at least {threshold} months"
            zh = f"支付能力{capacity_months}个月, 不低于{threshold}个月"
        out.append(
            TierDecision(
                level,
                due,
                Criterion(
                    name=f"capacity_under_{_THRESHOLD[level].removesuffix('_months')}",
                    met=due,
                    clause=p.clause,
                    explanation=text,
                    values={"capacity_months": None if capacity_months is None else str(capacity_months)},
                    parameters=(p,),
                    explanation_zh=zh,
                ),
            )
        )
    return out


def level_due(decisions: list[TierDecision]) -> str | None:
    """The region's current alert level: the most severe tier due, or None."""
    due = {d.level for d in decisions if d.due}
    return next((level for level in LEVELS if level in due), None)


def closing_reason(closed: str, wanted: str | None) -> str:
    """Why an open alert of level ``closed`` closes when the region's level becomes ``wanted``."""
    if wanted is None:
        return RECOVERED
    return ESCALATED if LEVELS.index(wanted) < LEVELS.index(closed) else EASED
