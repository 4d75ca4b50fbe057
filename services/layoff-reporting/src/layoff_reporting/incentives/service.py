"""The hiring incentive (N§7): a unit whose new hires are mostly people unemployed for long, on long contracts,
qualifies for re-employment support. The rule is rules.decisions.judge_incentive; here its facts are read."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import parameter_values

from ..rules.decisions import (
    ClaimSpan,
    Hire,
    IncentiveDecision,
    JobSpan,
    default_values,
    judge_incentive,
    parameters_on,
    unemployed_since,
)
from ..workforce.models import ClaimSeen, WorkforceEmployment


async def hiring_incentive(
    session: AsyncSession, unit_code: str, region: str, first: dt.date, last: dt.date, years: dict[str, Decimal]
) -> tuple[IncentiveDecision, list[Hire]]:
    """N§7's hiring incentive for the unit's hires from ``first`` to ``last``: each hire's continuous unemployment
    up to the hire (rules.decisions.unemployed_since), from every registration and employment of the people hired,
    read in two queries. ``years``: the contract years the unit stated, by the person's keyed hash."""
    hires = (
        await session.scalars(
            select(WorkforceEmployment)
            .where(
                WorkforceEmployment.unit_credit_code == unit_code,
                WorkforceEmployment.start_date >= first,
                WorkforceEmployment.start_date <= last,
            )
            .order_by(WorkforceEmployment.start_date, WorkforceEmployment.employment_id)
        )
    ).all()
    people = sorted({h.person_key for h in hires})
    claims: dict[str, list[ClaimSpan]] = defaultdict(list)
    jobs: dict[str, list[JobSpan]] = defaultdict(list)
    for i in range(0, len(people), 500):
        chunk = people[i : i + 500]
        for c in await session.scalars(select(ClaimSeen).where(ClaimSeen.person_key.in_(chunk))):
            claims[c.person_key].append(ClaimSpan(c.registered_on, c.stopped_on, c.stop_reason))
        for e in await session.scalars(select(WorkforceEmployment).where(WorkforceEmployment.person_key.in_(chunk))):
            jobs[e.person_key].append(JobSpan(e.start_date, e.end_date, e.unit_credit_code))
    judged = []
    for h in hires:
        since, interval = unemployed_since(h.start_date, unit_code, claims[h.person_key], jobs[h.person_key])
        judged.append(Hire(h.person_key, h.start_date, since, years.get(h.person_key), interval))
    return judge_incentive(
        judged, parameters_on(await parameter_values(session, default_values()), region, last)
    ), judged
