import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..rules.parameters import ContributionParameters, MissingParameter, ParameterValue, default_values, parameters_for
from .models import ParameterRow


async def all_values(session: AsyncSession) -> tuple[ParameterValue, ...]:
    rows = (await session.execute(select(ParameterRow))).scalars().all()
    added = tuple(ParameterValue(r.name, r.region, r.value, r.valid_from, "set by the province") for r in rows)
    return default_values() + added


async def parameters_on(session: AsyncSession, region: str, on: dt.date) -> ContributionParameters:
    return parameters_for(await all_values(session), region, on)


__all__ = ["MissingParameter", "all_values", "parameters_on"]
