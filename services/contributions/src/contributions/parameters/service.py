import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..rules.parameters import ContributionParameters, MissingParameter, ParameterValue, default_values, parameters_for
from .models import ParameterRow


async def all_values(session: AsyncSession) -> tuple[ParameterValue, ...]:
    """Every value in force at any date; read once per session (a request), since one payment or upload asks
    for the parameters of many periods. Setting a value forgets them (forget_values)."""
    cached = session.info.get("parameter_values")
    if cached is None:
        rows = (await session.execute(select(ParameterRow))).scalars().all()
        added = tuple(ParameterValue(r.name, r.region, r.value, r.valid_from, "set by the province") for r in rows)
        cached = session.info["parameter_values"] = default_values() + added
    return cached


def forget_values(session: AsyncSession) -> None:
    session.info.pop("parameter_values", None)
    session.info.pop("parameters_on", None)


async def parameters_on(session: AsyncSession, region: str, on: dt.date) -> ContributionParameters:
    known: dict = session.info.setdefault("parameters_on", {})
    if (region, on) not in known:
        known[(region, on)] = parameters_for(await all_values(session), region, on)
    return known[(region, on)]


__all__ = ["MissingParameter", "all_values", "forget_values", "parameters_on"]
