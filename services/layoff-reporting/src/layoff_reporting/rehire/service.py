"""Rehire priority (N§7; LL27): for a window after an executed layoff, the unit offers new jobs to the people it
laid off who are still unemployed; hiring someone else first is flagged, with the list as it stood that day."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import SYSTEM, Criterion, parameter_values, record_decision
from insurance_shared.contracts import PersonEnrolled, RehirePriorityBreach
from insurance_shared.events import emit

from ..filings.models import Filing, FilingPerson
from ..rules.decisions import (
    default_values,
    parameters_on,
)
from ..workforce.models import WorkforceEmployment
from .models import RehireBreach, RehireOffer


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class Listed:
    person_key: str
    id_number: str
    name: str
    filing_id: int
    separated_on: dt.date
    offered_on: dt.date | None
    offer_outcome: str | None


async def priority_list(session: AsyncSession, credit_code: str, region: str, on: dt.date) -> list[Listed]:
    months = int(
        parameters_on(await parameter_values(session, default_values()), region, on)["rehire_window_months"].value
    )
    filings = [
        f
        for f in (
            await session.execute(
                select(Filing).where(
                    Filing.unit_credit_code == credit_code, Filing.state == "executed", Filing.executed_on <= on
                )
            )
        ).scalars()
        if f.executed_on is not None and on < add_months(f.executed_on, months)
    ]
    out: list[Listed] = []
    for f in filings:
        people = (
            await session.execute(
                select(FilingPerson).where(FilingPerson.filing_id == f.id, FilingPerson.separated.is_(True))
            )
        ).scalars()
        for p in people:
            # still unemployed: no job of any kind begun on or after the layoff day and by this day
            later_job = await session.execute(
                select(WorkforceEmployment.employment_id).where(
                    WorkforceEmployment.person_key == p.person_key,
                    WorkforceEmployment.start_date >= f.executed_on,
                    WorkforceEmployment.start_date <= on,
                )
            )
            if later_job.first() is not None:
                continue
            offer = (
                (
                    await session.execute(
                        select(RehireOffer)
                        .where(
                            RehireOffer.unit_credit_code == credit_code,
                            RehireOffer.person_key == p.person_key,
                            RehireOffer.offered_on <= on,
                        )
                        .order_by(RehireOffer.offered_on.desc(), RehireOffer.id.desc())
                    )
                )
                .scalars()
                .first()
            )
            out.append(
                Listed(
                    p.person_key,
                    p.id_number,
                    p.name,
                    f.id,
                    f.executed_on,
                    offer.offered_on if offer else None,
                    offer.outcome if offer else None,
                )  # type: ignore[arg-type]
            )
    return out


async def units_with_executed_layoffs(session: AsyncSession, credit_codes: set[str]) -> set[str]:
    """Those of the units that have executed a layoff: only a hire into one of them can breach a rehire priority."""
    found: set[str] = set()
    codes = sorted(credit_codes)
    for i in range(0, len(codes), 500):
        found |= set(
            (
                await session.scalars(
                    select(Filing.unit_credit_code).where(
                        Filing.unit_credit_code.in_(codes[i : i + 500]), Filing.state == "executed"
                    )
                )
            ).all()
        )
    return found


async def check_hire(session: AsyncSession, hire: PersonEnrolled) -> RehireBreach | None:
    """Called for every enrolment: a hire of someone off the list, while listed people had no offer, is a breach."""
    if hire.unit_credit_code is None:
        return None
    listed = await priority_list(session, hire.unit_credit_code, hire.region, hire.start_date)
    if not listed or hire.person in {x.person_key for x in listed}:
        return None
    not_offered = [x for x in listed if x.offered_on is None]
    if not not_offered:
        return None
    if (
        await session.execute(select(RehireBreach.id).where(RehireBreach.hired_employment_id == hire.employment_id))
    ).first():
        return None
    breach = RehireBreach(
        unit_credit_code=hire.unit_credit_code,
        region=hire.region,
        filing_id=not_offered[0].filing_id,
        hired_employment_id=hire.employment_id,
        hired_on=hire.start_date,
        priority_list=json.dumps(
            [
                {
                    "id_number": x.id_number,
                    "name": x.name,
                    "filing_id": x.filing_id,
                    "separated_on": x.separated_on.isoformat(),
                }
                for x in not_offered
            ],
            ensure_ascii=False,
        ),
    )
    session.add(breach)
    await session.flush()
    window = parameters_on(await parameter_values(session, default_values()), hire.region, hire.start_date)[
        "rehire_window_months"
    ]
    await record_decision(
        session,
        kind="layoff.rehire_breach",
        subject=("rehire_breach", breach.id),
        region=hire.region,
        unit=hire.unit_credit_code,
        outcome="breach",
        clause=window.clause,
        explanation=(
            f"the unit hired someone not on its rehire list on {hire.start_date} while {len(not_offered)} people it "
            f"laid off (filing {breach.filing_id}) were still unemployed and had not been offered a job"
        ),
        decided_by=SYSTEM,
        rule="layoff_reporting.rehire.service.check_hire",
        criteria=[
            Criterion(
                "rehire_priority_honoured",
                False,
                window.clause,
                f"within {window.value} months of an executed layoff, the people laid off and still unemployed are "
                "offered new jobs first",
                {
                    "hired_on": hire.start_date,
                    "hired_employment_id": hire.employment_id,
                    "not_offered": len(not_offered),
                    "filings": sorted({x.filing_id for x in not_offered}),
                },
                (window,),
                f"实施裁员后{window.value}个月内录用人员的, 应优先录用被裁减且仍未就业的人员; "
                f"{hire.start_date}录用了名单外的人员, 名单上仍有{len(not_offered)}人未获岗位",
            )
        ],
        references={"filing_id": breach.filing_id, "employment_id": hire.employment_id},
        effective_date=hire.start_date,
    )
    await emit(
        session,
        RehirePriorityBreach(
            unit_credit_code=hire.unit_credit_code,
            region=hire.region,
            filing_id=breach.filing_id,
            hired_on=hire.start_date,
            priority_list_size=len(not_offered),
        ),
        subject=hire.unit_credit_code,
        region=hire.region,
    )
    return breach
