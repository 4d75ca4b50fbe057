"""This service's dated parameters, read from ``parameters.json`` once."""

import datetime as dt
from decimal import Decimal
from functools import cache

from insurance_shared import ParameterValue, in_force_all, load_parameter_file, parse_yuan

NAMES = (
    "capacity_window_months",
    "alert_threshold_months",
    "early_warning_threshold_months",
    "projection_months",
    "layoff_claim_share",
    "layoff_expected_months",
    "average_monthly_benefit",
)


@cache
def all_values() -> tuple[ParameterValue, ...]:
    return load_parameter_file("fund_monitor", "rules/parameters.json")


@cache
def _first_day() -> dt.date:
    return min(v.valid_from for v in all_values())


def in_force(region: str, on: dt.date, values: tuple[ParameterValue, ...] | None = None) -> dict[str, ParameterValue]:
    """The values in force on ``on`` (of ``values``: the defaults and those set at run time; default the defaults
    alone); for a month before the first dated value (money booked from older records), the first values: a figure
    is never refused for want of a parameter."""
    return in_force_all(values or all_values(), NAMES, region, max(on, _first_day()))


def as_int(p: ParameterValue) -> int:
    return int(p.value)


def as_decimal(p: ParameterValue) -> Decimal:
    return Decimal(p.value)


def as_fen(p: ParameterValue) -> int:
    return parse_yuan(p.value)
