"""Events the fund-monitor service emits (N§8)."""

import datetime as dt

from .catalogue import EventData, event_type


@event_type("fund_monitor.alert_raised.v1", source="fund-monitor")
class AlertRaised(EventData):
    """A region's payment capacity fell under a tier's threshold (critical: 2 months, N§8). Subject: the region."""

    alert_id: int
    region: str
    level: str  # critical | early_warning
    month: str  # YYYY-MM the figure is for
    capacity_months: str
    balance_fen: int
    average_expenditure_fen: int
    recipients: list[str]
    replaces: int | None = None  # the region's previous level's alert, closed as escalated or eased


@event_type("fund_monitor.alert_closed.v1", source="fund-monitor")
class AlertClosed(EventData):
    """The region's level changed: back at or above every threshold (``recovered``), or to another level
    (``escalated`` / ``eased``, ``superseded_by`` the new level's alert). Subject: the region."""

    alert_id: int
    region: str
    level: str
    capacity_months: str | None  # None: no expenditure left in the window
    reason: str = "recovered"  # recovered | escalated | eased
    superseded_by: int | None = None


@event_type("fund_monitor.reconciliation_mismatch.v1", source="fund-monitor")
class ReconciliationMismatch(EventData):
    """A region's month in fund-monitor's books differs from what contributions or claims say they moved. Addressed
    to the provincial labor department and social-insurance company. Subject: the region."""

    alert_id: int
    region: str
    month: str  # YYYY-MM
    differences: int
    problems: list[str]  # missing | unexpected | different_amount | misplaced
    recipients: list[str]


@event_type("fund_monitor.reconciliation_cleared.v1", source="fund-monitor")
class ReconciliationCleared(EventData):
    """A later check of the month found the books and the sources agree. Subject: the region."""

    alert_id: int
    region: str
    month: str


@event_type("fund_monitor.parameter_set.v1", source="fund-monitor")
class FundMonitorParameterSet(EventData):
    """The province set a value of one of fund-monitor's dated parameters from a date. Subject: ``<region>:<name>``."""

    name: str
    region: str
    value: str
    valid_from: dt.date
    reference: str
