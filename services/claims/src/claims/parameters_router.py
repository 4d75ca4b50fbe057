"""GET/POST /parameters for claims' dated parameters (insurance_shared.parameter_api)."""

from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import ParameterValue, Role, parameters_router
from insurance_shared.contracts import ClaimsParameterSet
from insurance_shared.events import emit

from .rules.eligibility import default_values
from .rules.parameters import SPECS, check


async def announce(session: AsyncSession, v: ParameterValue) -> None:
    assert v.region is not None
    await emit(
        session,
        ClaimsParameterSet(name=v.name, region=v.region, value=v.value, valid_from=v.valid_from, reference=v.clause),
        subject=f"{v.region}:{v.name}",
        region=v.region,
    )


router = parameters_router(
    specs=SPECS,
    defaults=default_values,
    check=check,
    announce=announce,
    readers=(Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE, Role.COMMUNITY, Role.LABOR_DEPARTMENT),
)
