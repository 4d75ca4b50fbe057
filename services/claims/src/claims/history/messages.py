"""What the contribution history tells the features above it (insurance_shared.bus)."""

import datetime as dt
from dataclasses import dataclass

from ..rules.stops import FlexibleSpell


@dataclass(frozen=True, slots=True)
class ReemploymentSeen:
    """Evidence that people work again (R15): ``(person_key, kind, date)`` with kind ``paid_month`` (a month paid
    for them, its first day) or ``new_job`` (a job that began that day). The claims feature stops open claims it
    shows re-employment on (rules.stops)."""

    evidence: tuple[tuple[str, str, dt.date], ...]


@dataclass(frozen=True, slots=True)
class FlexibleWorkSeen:
    """Spells of flexible employment registered or changed: ``(person_key, flexible_employment_id, spell)``. The
    claims feature stops a claim on a licence or an unexpired agreement (R15; N§5); the subsidy ends with the spell
    (N§6)."""

    spells: tuple[tuple[str, int, FlexibleSpell], ...]
