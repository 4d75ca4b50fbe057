"""What the contribution history tells the features above it (insurance_shared.bus)."""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReemploymentSeen:
    """Evidence that people work again (R15): ``(id_number, kind, date)`` with kind ``paid_month`` (a month paid
    for them, its first day) or ``new_job`` (a job that began that day). The claims feature stops open claims it
    shows re-employment on (rules.stops)."""

    evidence: tuple[tuple[str, str, dt.date], ...]
