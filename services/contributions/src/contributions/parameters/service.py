import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import parameter_values as dated_values

from ..rules.parameters import ContributionParameters, MissingParameter, ParameterValue, default_values, parameters_for


async def all_values(session: AsyncSession, *, rows: int | None = None) -> tuple[ParameterValue, ...]:
    """Every value in force at any date: the defaults and those the province set (GET/POST /parameters); read once
    per session (a request), since one payment or upload asks for the parameters of many periods. ``rows``: the
    values' version read in the caller's own statement (see ``insurance_shared.parameters_version``)."""
    return await dated_values(session, default_values(), rows=rows)


async def parameters_on(session: AsyncSession, region: str, on: dt.date) -> ContributionParameters:
    values = await all_values(session)
    # derived from the values read in this session: a value set since (POST /parameters drops them) starts afresh
    read_from, known = session.info.get("parameters_on", (None, {}))
    if read_from is not values:
        known = {}
        session.info["parameters_on"] = (values, known)
    if (region, on) not in known:
        known[(region, on)] = parameters_for(values, region, on)
    return known[(region, on)]


__all__ = ["MissingParameter", "all_values", "parameters_on"]
