"""Events the layoff-reporting service emits (N§7; LL27)."""

import datetime as dt

from .appeals import AppealStep
from .catalogue import EventData, event_type


@event_type("layoff_reporting.layoff_filed.v1", source="layoff-reporting")
class LayoffFiled(EventData):
    """规模裁员报告. Subject: the unit's credit code. fund-monitor projects the expected claims."""

    filing_id: int
    unit_credit_code: str
    region: str
    expected_count: int
    planned_date: dt.date
    reportable: bool
    compliant: bool


@event_type("layoff_reporting.layoff_executed.v1", source="layoff-reporting")
class LayoffExecuted(EventData):
    """裁员已实施 (the actual separations may differ from the plan). Subject: the unit's credit code."""

    filing_id: int
    unit_credit_code: str
    region: str
    executed_on: dt.date
    separated_count: int


@event_type("layoff_reporting.layoff_withdrawn.v1", source="layoff-reporting")
class LayoffWithdrawn(EventData):
    """裁员计划撤回. Subject: the unit's credit code."""

    filing_id: int
    unit_credit_code: str
    region: str


@event_type("layoff_reporting.rehire_priority_breach.v1", source="layoff-reporting")
class RehirePriorityBreach(EventData):
    """裁员后六个月内录用人员, 未优先录用被裁人员 (N§7; LL27). Subject: the unit's credit code."""

    unit_credit_code: str
    region: str
    filing_id: int
    hired_on: dt.date
    priority_list_size: int


@event_type("layoff_reporting.appeal_step.v1", source="layoff-reporting")
class LayoffAppealStep(AppealStep):
    """An appeal against one of layoff-reporting's decisions (a filing's judgement, a rehire breach) was lodged or
    decided (行政复议)."""


@event_type("layoff_reporting.parameter_set.v1", source="layoff-reporting")
class LayoffParameterSet(EventData):
    """The province set a value of one of layoff-reporting's dated parameters from a date. Subject: ``<region>:<name>``."""

    name: str
    region: str
    value: str
    valid_from: dt.date
    reference: str
