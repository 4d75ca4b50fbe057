"""GET/POST /parameters for claims' dated parameters (insurance_shared.parameter_api)."""

from insurance_shared import Role, parameters_router
from insurance_shared.contracts import ClaimsParameterSet

from .rules.eligibility import default_values
from .rules.parameters import SPECS, check

router = parameters_router(
    specs=SPECS,
    defaults=default_values,
    check=check,
    event=ClaimsParameterSet,
    readers=(Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE, Role.COMMUNITY, Role.LABOR_DEPARTMENT),
)
