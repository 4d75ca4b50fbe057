"""Everything a decision reads about one person, in one round trip.

A decision needs the person's paid months, employments, latest separation, the claim that last drew benefits,
their flexible-employment spells and how many parameter values are set; read one statement each, that was seven
statements a check, and the statements' own cost in the driver and SQLAlchemy (not the database's work) was most
of an eligibility check's time (#27, profiled). Here the seven are one ``UNION ALL`` whose rows carry their kind:
each part keeps its own ``WHERE`` and ``ORDER BY``, so what is read is what the seven read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Date, String, bindparam, cast, exists, literal_column, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from insurance_shared import parameters_version

from ..history.models import ContributionMonth, EmploymentSeen, FlexibleSeen
from ..rules.eligibility import PaidMonth
from ..rules.stops import FlexibleSpell
from ..separations.models import Separation
from .models import BenefitPayment, Claim

__all__ = ["Employment", "FiledSeparation", "PersonRecord", "read"]


@dataclass(frozen=True, slots=True)
class Employment:
    unit: str | None
    track: str
    start: dt.date
    end: dt.date | None
    reason: str | None
    region: str


@dataclass(frozen=True, slots=True)
class FiledSeparation:
    unit: str
    date: dt.date
    reason: str
    region: str


@dataclass(frozen=True, slots=True)
class PersonRecord:
    known: bool  # a paid month, an employment or a separation, of any date, is known
    months: list[PaidMonth]
    employments: list[Employment]  # by start date
    separation: FiledSeparation | None  # the latest filed for a date on or before the day asked
    previous: tuple[dt.date, int] | None  # the latest claim before the day that drew benefits: its date, months left
    spells: list[FlexibleSpell]
    parameters_set: int  # rows in dated_parameters (insert-only): the version of the values set at run time


_DATES, _TEXTS, _NUMBERS = 3, 4, 1


def _part(
    kind: str, dates: tuple[Any, ...] = (), texts: tuple[Any, ...] = (), numbers: tuple[Any, ...] = ()
) -> list[ColumnElement[Any]]:
    """One kind's columns in the common shape: the kind, three dates, four texts, one number (typed NULLs pad it,
    so PostgreSQL can type each column of the union)."""
    columns: list[ColumnElement[Any]] = [literal_column(f"'{kind}'", String).label("kind")]
    for prefix, given, width, type_ in (
        ("d", dates, _DATES, Date),
        ("t", texts, _TEXTS, String),
        ("n", numbers, _NUMBERS, BigInteger),
    ):
        padded = [*given, *(cast(null(), type_) for _ in range(width - len(given)))]
        columns += [c.label(f"{prefix}{i}") for i, c in enumerate(padded)]
    return columns


def _one(stmt: Select[Any]) -> Select[Any]:
    """A part read with ORDER BY … LIMIT 1, wrapped so that both PostgreSQL and SQLite accept it in a union."""
    sub = stmt.limit(1).subquery()
    return select(*sub.c)


_KEY = bindparam("person_key")
_ON = bindparam("on", type_=Date)
_STATEMENT = union_all(
    # the months paid by the day decided: a later job's months belong to a later claim
    select(
        *_part("m", (ContributionMonth.period,), (ContributionMonth.region, ContributionMonth.unit_credit_code))
    ).where(ContributionMonth.person_key == _KEY, ContributionMonth.period <= _ON),
    select(
        *_part(
            "e",
            (EmploymentSeen.start_date, EmploymentSeen.end_date),
            (
                EmploymentSeen.unit_credit_code,
                EmploymentSeen.track,
                EmploymentSeen.separation_reason,
                EmploymentSeen.region,
            ),
            (EmploymentSeen.employment_id,),
        )
    ).where(EmploymentSeen.person_key == _KEY),
    _one(
        select(
            *_part(
                "s", (Separation.separation_date,), (Separation.unit_credit_code, Separation.reason, Separation.region)
            )
        )
        .where(Separation.person_key == _KEY, Separation.separation_date <= _ON)
        .order_by(Separation.separation_date.desc(), Separation.id.desc())
    ),
    # known at all, of any date (the months above are only those paid by the day): what decides 404 or a decision
    select(*_part("k")).where(
        or_(*(exists().where(m.person_key == _KEY) for m in (ContributionMonth, EmploymentSeen, Separation)))
    ),
    # the restart point (R17/SIL46): the latest earlier claim that drew benefits; one refused, rejected at
    # verification or withdrawn before any payment used no months and restarts nothing. Earlier than the day
    # decided: a claim is not its own previous unemployment (re-deciding a paid claim counted 0 months), nor is one
    # registered later
    _one(
        select(*_part("c", (Claim.registered_on,), (), (Claim.months_left,)))
        .where(
            Claim.person_key == _KEY,
            Claim.registered_on < _ON,
            # a benefit computed for it and not failed or returned to the fund: the claim drew (or is drawing) it
            exists().where(
                BenefitPayment.claim_id == Claim.id,
                BenefitPayment.kind == "benefit",
                BenefitPayment.status.not_in(("failed", "returned")),
            ),
        )
        .order_by(Claim.registered_on.desc(), Claim.id.desc())
    ),
    select(
        *_part(
            "f",
            (FlexibleSeen.start_date, FlexibleSeen.end_date, FlexibleSeen.agreement_end),
            (FlexibleSeen.kind, FlexibleSeen.document_ref, FlexibleSeen.document_id),
        )
    ).where(FlexibleSeen.person_key == _KEY),
    select(*_part("p", (), (), (parameters_version,))),
)


async def read(session: AsyncSession, key: str, on: dt.date) -> PersonRecord:
    """The record of the person with keyed hash ``key`` as a decision for ``on`` sees it."""
    months: list[PaidMonth] = []
    employments: list[tuple[int, Employment]] = []
    spells: list[FlexibleSpell] = []
    separation = previous = None
    known = False
    parameters_set = 0
    for kind, d0, d1, d2, t0, t1, t2, t3, n0 in await session.execute(_STATEMENT, {"person_key": key, "on": on}):
        if kind == "m":
            months.append(PaidMonth(d0, t0, t1 or None))
        elif kind == "e":
            employments.append((n0, Employment(t0, t1, d0, d1, t2, t3)))
        elif kind == "f":
            spells.append(FlexibleSpell(t0, d0, d1, d2, t1, t2))
        elif kind == "s":
            separation = FiledSeparation(t0, d0, t1, t2)
        elif kind == "k":
            known = True
        elif kind == "c":
            previous = (d0, n0)
        elif kind == "p":
            parameters_set = n0
    employments.sort(key=lambda e: (e[1].start, e[0]))
    return PersonRecord(
        known=known,
        months=months,
        employments=[e for _, e in employments],
        separation=separation,
        previous=previous,
        spells=spells,
        parameters_set=parameters_set,
    )
