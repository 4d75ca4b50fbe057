"""Uptake of the social-insurance subsidy per region (N§6 ¶2): the year's allocation, what was spent, the share
used, the latest run's people, and the flag for a whole quarter without any."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Criterion, Principal, Unprocessable

from ..rules.uptake import budget_used, last_whole_quarter, uptake_criterion
from .models import ReemploymentAllocation, SubsidySpending


@dataclasses.dataclass(frozen=True, slots=True)
class RegionUptake:
    region: str
    year: int
    budget_fen: int
    spent_fen: int  # in the year, to the month asked
    person_months: int
    runs: int  # months with confirmed subsidy payments in the year
    people_last_run: int  # people in the latest such month (a person paid by two return files counts twice)
    last_run_month: dt.date | None
    budget_used: str | None
    quarter: str
    quarter_fen: int
    uptake: Criterion

    @property
    def flagged(self) -> bool:
        return not self.uptake.met


async def uptake(session: AsyncSession, regions: Sequence[str], month: dt.date) -> list[RegionUptake]:
    year_start = dt.date(month.year, 1, 1)
    budgets = dict(
        (
            await session.execute(
                select(ReemploymentAllocation.region, func.sum(ReemploymentAllocation.amount))
                .where(ReemploymentAllocation.region.in_(regions), ReemploymentAllocation.year == month.year)
                .group_by(ReemploymentAllocation.region)
            )
        ).all()
    )
    runs = (
        await session.execute(
            select(SubsidySpending)
            .where(SubsidySpending.region.in_(regions), SubsidySpending.month <= month)
            .order_by(SubsidySpending.month, SubsidySpending.source)
        )
    ).scalars()
    by_region: dict[str, list[SubsidySpending]] = {r: [] for r in regions}
    for s in runs:
        by_region[s.region].append(s)
    q_first, q_last, label = last_whole_quarter(month)
    out = []
    for region in regions:
        rows = by_region[region]
        year = [s for s in rows if s.month >= year_start]
        quarter = [s for s in rows if q_first <= s.month <= q_last]
        spent, budget = sum(s.amount for s in year), int(budgets.get(region) or 0)
        last = max((r.month for r in rows), default=None)
        out.append(
            RegionUptake(
                region=region,
                year=month.year,
                budget_fen=budget,
                spent_fen=spent,
                person_months=sum(s.months for s in year),
                runs=len({r.month for r in year}),
                people_last_run=sum(r.people for r in rows if r.month == last),
                last_run_month=last,
                budget_used=budget_used(spent, budget),
                quarter=label,
                quarter_fen=sum(s.amount for s in quarter),
                uptake=uptake_criterion(sum(s.amount for s in quarter), len({s.month for s in quarter}), label),
            )
        )
    return out


async def allocate(
    session: AsyncSession, principal: Principal, region: str, year: int, amount: int, reference: str
) -> ReemploymentAllocation:
    if amount == 0:
        raise Unprocessable("amount_zero", "an allocation moves money: not zero", field="body.amount")
    row = ReemploymentAllocation(
        region=region, year=year, amount=amount, reference=reference, allocated_by=principal.sub
    )
    session.add(row)
    await session.flush()
    return row
