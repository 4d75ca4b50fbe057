"""Separations the units file (R16; SIL50): who left, when and why; the claims feature reads the latest."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    SYSTEM,
    Criterion,
    Unprocessable,
    ensure_document,
    parameter_values,
    person_key,
    record_decision,
)
from insurance_shared.contracts import is_involuntary

from ..rules.eligibility import default_values, parameters_on, separation_deadline
from .models import Separation
from .schemas import SeparationsIn

_LATEST = (
    select(Separation)
    .where(Separation.person_key == bindparam("person_key"), Separation.separation_date <= bindparam("on"))
    .order_by(Separation.separation_date.desc(), Separation.id.desc())
)


def classify(reason: str) -> bool:
    return is_involuntary(reason)


async def latest(session: AsyncSession, id_number: str, on: dt.date) -> Separation | None:
    """The latest separation of the person filed for a date on or before ``on``."""
    return (await session.execute(_LATEST, {"person_key": person_key(id_number), "on": on})).scalars().first()


@dataclass(frozen=True, slots=True)
class Filed:
    separation: Separation
    deadline: Criterion  # the filing deadline of the law in force on the separation date, met or not
    decision_id: int | None  # the late-filing finding's record, when late


async def file(session: AsyncSession, body: SeparationsIn, today: dt.date) -> list[Filed]:
    """Each person's separation, checked and stored; one filed late is a finding against the unit, which it may
    contest (an appeal), so it is recorded with its clause and dates. Nothing is written if one is refused: the
    caller's transaction holds them all."""
    out = []
    for i, p in enumerate(body.persons):
        if p.separation_date > today:
            raise Unprocessable(
                "date_in_future",
                "a separation is filed once it has happened",
                field=f"body.persons[{i}].separation_date",
            )
        if p.certificate_document_id is not None:
            await ensure_document(
                session, body.region, p.certificate_document_id, f"body.persons[{i}].certificate_document_id"
            )
        # the deadline of the law in force on the separation date (R16, or SIL50 for separations from 2011-07-01)
        days = parameters_on(await parameter_values(session, default_values()), body.region, p.separation_date)[
            "separation_filing_days"
        ]
        in_time = separation_deadline(p.separation_date, today, days)
        row = Separation(
            unit_credit_code=body.unit_credit_code,
            region=body.region,
            person_key=person_key(p.id_number),
            id_number=p.id_number,
            name=p.name,
            separation_date=p.separation_date,
            reason=p.reason.value,
            involuntary=classify(p.reason),
            filed_on=today,
            late=not in_time.met,
            certificate_document_id=p.certificate_document_id,
        )
        session.add(row)
        await session.flush()
        decision_id = None
        if row.late:
            decision_id = await record_decision(
                session,
                kind="separation.late_filing",
                subject=("separation", row.id),
                region=body.region,
                person=row.id_number,
                unit=row.unit_credit_code,
                outcome="late",
                clause=in_time.clause,
                explanation=in_time.explanation,
                decided_by=SYSTEM,
                rule="claims.rules.eligibility.separation_deadline",
                criteria=[in_time],
                documents=(row.certificate_document_id,),
                effective_date=today,
            )
        out.append(Filed(row, in_time, decision_id))
    return out
