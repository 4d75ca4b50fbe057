"""GET/POST /parameters for layoff-reporting's dated parameters (insurance_shared.parameter_api)."""

from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import ParameterValue, Role, no_cross_check, parameters_router
from insurance_shared.contracts import LayoffParameterSet
from insurance_shared.events import emit

from .rules.decisions import default_values
from .rules.parameters import SPECS


async def announce(session: AsyncSession, v: ParameterValue) -> None:
    assert v.region is not None
    await emit(
        session,
        LayoffParameterSet(name=v.name, region=v.region, value=v.value, valid_from=v.valid_from, reference=v.clause),
        subject=f"{v.region}:{v.name}",
        region=v.region,
    )


router = parameters_router(
    specs=SPECS,
    defaults=default_values,
    check=no_cross_check,
    announce=announce,
    readers=(Role.LABOR_DEPARTMENT, Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE),
)
