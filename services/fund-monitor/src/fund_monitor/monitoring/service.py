"""Counting what N§8 monitoring reports, per region and month, from the projected events."""

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Criterion

from ..rules.coverage import insured_not_rising
from ..rules.months import add_months
from .models import Beneficiaries, InsuredEmployment, Layoff, SeenClaim


@dataclasses.dataclass(frozen=True, slots=True)
class RegionMonth:
    region: str
    registered_unemployed: int  # registered and not stopped at the month's end
    new_claims: int
    drawing_benefits: int  # people paid for the month
    filed_layoffs: int
    layoff_people: int
    insured: int
    insured_year_ago: int
    coverage: Criterion

    @property
    def insured_flagged(self) -> bool:
        return not self.coverage.met


async def _counts(session: AsyncSession, stmt, regions: Sequence[str]) -> dict[str, int]:
    return {r: int(n) for r, n in (await session.execute(stmt)).all() if r in regions}


async def _insured(session: AsyncSession, regions: Sequence[str], on: dt.date) -> dict[str, int]:
    stmt = (
        select(InsuredEmployment.region, func.count(func.distinct(InsuredEmployment.person_key)))
        .where(
            InsuredEmployment.region.in_(regions),
            InsuredEmployment.start_date <= on,
            or_(InsuredEmployment.end_date.is_(None), InsuredEmployment.end_date >= on),
        )
        .group_by(InsuredEmployment.region)
    )
    return await _counts(session, stmt, regions)


async def month_figures(session: AsyncSession, regions: Sequence[str], month: dt.date) -> list[RegionMonth]:
    end = add_months(month, 1) - dt.timedelta(days=1)
    registered = await _counts(
        session,
        select(SeenClaim.region, func.count())
        .where(
            SeenClaim.region.in_(regions),
            SeenClaim.eligible.is_(True),
            SeenClaim.registered_on <= end,
            or_(SeenClaim.stopped_on.is_(None), SeenClaim.stopped_on > end),
        )
        .group_by(SeenClaim.region),
        regions,
    )
    new = await _counts(
        session,
        select(SeenClaim.region, func.count())
        .where(SeenClaim.region.in_(regions), and_(SeenClaim.registered_on >= month, SeenClaim.registered_on <= end))
        .group_by(SeenClaim.region),
        regions,
    )
    drawing = await _counts(
        session,
        select(Beneficiaries.region, func.sum(Beneficiaries.claims))
        .where(Beneficiaries.region.in_(regions), Beneficiaries.month == month)
        .group_by(Beneficiaries.region),
        regions,
    )
    layoff_rows = (
        await session.execute(
            select(Layoff.region, func.count(), func.sum(Layoff.expected_count))
            .where(
                Layoff.region.in_(regions),
                Layoff.filed_on >= month,
                Layoff.filed_on <= end,
                Layoff.state != "withdrawn",
            )
            .group_by(Layoff.region)
        )
    ).all()
    layoffs = {r: (int(n), int(p or 0)) for r, n, p in layoff_rows}
    insured_now = await _insured(session, regions, end)
    insured_before = await _insured(session, regions, add_months(month, -11) - dt.timedelta(days=1))
    out = []
    for region in regions:
        now, before = insured_now.get(region, 0), insured_before.get(region, 0)
        out.append(
            RegionMonth(
                region=region,
                registered_unemployed=registered.get(region, 0),
                new_claims=new.get(region, 0),
                drawing_benefits=drawing.get(region, 0),
                filed_layoffs=layoffs.get(region, (0, 0))[0],
                layoff_people=layoffs.get(region, (0, 0))[1],
                insured=now,
                insured_year_ago=before,
                coverage=insured_not_rising(now, before),
            )
        )
    return out


def province_total(rows: Sequence[RegionMonth]) -> RegionMonth:
    def total(name: str) -> int:
        return sum(getattr(r, name) for r in rows)

    return RegionMonth(
        region="220000",
        registered_unemployed=total("registered_unemployed"),
        new_claims=total("new_claims"),
        drawing_benefits=total("drawing_benefits"),
        filed_layoffs=total("filed_layoffs"),
        layoff_people=total("layoff_people"),
        insured=total("insured"),
        insured_year_ago=total("insured_year_ago"),
        coverage=insured_not_rising(total("insured"), total("insured_year_ago")),
    )
