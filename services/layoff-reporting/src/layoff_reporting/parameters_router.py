"""GET/POST /parameters for layoff-reporting's dated parameters (insurance_shared.parameter_api)."""

from insurance_shared import Role, no_cross_check, parameters_router
from insurance_shared.contracts import LayoffParameterSet

from .rules.decisions import default_values
from .rules.parameters import SPECS

router = parameters_router(
    specs=SPECS,
    defaults=default_values,
    check=no_cross_check,
    event=LayoffParameterSet,
    readers=(Role.LABOR_DEPARTMENT, Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE),
)
