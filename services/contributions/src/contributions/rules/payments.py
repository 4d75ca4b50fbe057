"""Paying arrears (policy.md Contributions 5-7; C13).

* Late fee: 2‰ (a parameter) of the unpaid principal for each day after the due date (C13), split between the
  two ledgers in proportion to what each is owed, rounded half up per ledger.
* Allocation: a merged payment settles the oldest period first; within a period it is split between the pension
  and unemployment ledgers in proportion to what each is owed there (late fee included), so neither fund is
  starved by partial payment (a design decision of this project, policy.md C7). Within a ledger the late fee is
  settled before the principal. What is left over becomes the unit's credit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from insurance_shared import round_half_up


@dataclass(frozen=True, slots=True)
class Owed:
    """What one declared period still owes, per ledger."""

    key: int
    period: dt.date
    pension: int
    unemployment: int
    fee_pension: int = 0
    fee_unemployment: int = 0

    @property
    def total(self) -> int:
        return self.pension + self.unemployment + self.fee_pension + self.fee_unemployment


@dataclass(frozen=True, slots=True)
class Allocation:
    key: int
    pension: int
    unemployment: int
    fee_pension: int
    fee_unemployment: int

    @property
    def total(self) -> int:
        return self.pension + self.unemployment + self.fee_pension + self.fee_unemployment


def late_fee(principal: int, *, due: dt.date, from_date: dt.date, to_date: dt.date, daily_rate: Decimal) -> int:
    """The fee accrued on ``principal`` between ``from_date`` and ``to_date``, counting only days after ``due``."""
    start = max(from_date, due)
    days = (to_date - start).days
    if days <= 0 or principal <= 0:
        return 0
    return round_half_up(Decimal(principal) * daily_rate * days)


def accrue(owed: Owed, *, due: dt.date, accrued_until: dt.date, on: dt.date, daily_rate: Decimal) -> Owed:
    """``owed`` with the late fee from ``accrued_until`` to ``on`` added, per ledger."""
    return replace(
        owed,
        fee_pension=owed.fee_pension
        + late_fee(owed.pension, due=due, from_date=accrued_until, to_date=on, daily_rate=daily_rate),
        fee_unemployment=owed.fee_unemployment
        + late_fee(owed.unemployment, due=due, from_date=accrued_until, to_date=on, daily_rate=daily_rate),
    )


def _split(amount: int, pension_owed: int, unemployment_owed: int) -> tuple[int, int]:
    """``amount`` (at most the sum owed) between the two ledgers in proportion to what each is owed."""
    total = pension_owed + unemployment_owed
    if amount >= total:
        return pension_owed, unemployment_owed
    pension = round_half_up(Decimal(amount) * pension_owed / total)
    pension = min(pension, pension_owed)
    unemployment = amount - pension
    if unemployment > unemployment_owed:  # rounding pushed one fen too far: give it back to pension
        pension += unemployment - unemployment_owed
        unemployment = unemployment_owed
    return pension, unemployment


def allocate(amount: int, owed: Sequence[Owed]) -> tuple[list[Allocation], int]:
    """Allocate ``amount`` over ``owed`` (any order; oldest period first is applied). Returns the allocations
    and the remainder, which becomes credit."""
    left = amount
    out: list[Allocation] = []
    for o in sorted(owed, key=lambda o: (o.period, o.key)):
        if left <= 0:
            break
        if o.total <= 0:
            continue
        take = min(left, o.total)
        pension_part, unemployment_part = _split(take, o.pension + o.fee_pension, o.unemployment + o.fee_unemployment)
        fee_p = min(pension_part, o.fee_pension)
        fee_u = min(unemployment_part, o.fee_unemployment)
        out.append(Allocation(o.key, pension_part - fee_p, unemployment_part - fee_u, fee_p, fee_u))
        left -= take
    return out, left


def undo_late_fee(fee: int, fee_still_owed: int) -> tuple[int, int]:
    """A late fee of ``fee`` on one ledger of a declaration, overturned on appeal, while the declaration still owes
    ``fee_still_owed`` of late fee on that ledger: ``(cancelled, credited)``. What is still owed is cancelled first
    (the refund is set against the payer's debt to the same fund, as an agency offsets a refund against arrears);
    the rest was paid and becomes the payer's credit. Either way the fund gives up exactly ``fee``."""
    if fee < 0 or fee_still_owed < 0:
        raise ValueError("a fee and what is owed of it are never negative")
    cancelled = min(fee, fee_still_owed)
    return cancelled, fee - cancelled
