"""GET/POST /parameters for contributions' dated parameters (insurance_shared.parameter_api): rates, the base's
floor and ceiling, the late fee's daily rate and the due day."""

from collections.abc import Iterable

from insurance_shared import ParameterSpec, ParameterValue, Role, in_force, parameters_router, parse_yuan
from insurance_shared.contracts import ContributionsParameterSet

from ..rules.parameters import ALL_NAMES, MONEY_NAMES, default_values, validate_value

DESCRIPTIONS = {
    "pension_unit_rate": ("养老保险单位缴费比例", "rate"),
    "pension_person_rate": ("养老保险个人缴费比例", "rate"),
    "unemployment_unit_rate": ("失业保险单位缴费比例 (R6)", "rate"),
    "unemployment_person_rate": ("失业保险个人缴费比例 (R6)", "rate"),
    "base_floor": ("缴费基数下限", "yuan"),
    "base_ceiling": ("缴费基数上限", "yuan"),
    "late_fee_daily_rate": ("滞纳金日率 (C13)", "rate"),
    "due_day": ("每月缴费截止日", "day"),
    "flexible_pension_rate": ("灵活就业人员养老保险缴费比例 (N§6)", "rate"),
    "flexible_unemployment_rate": ("灵活就业人员失业保险缴费比例 (N§3(2), N§6)", "rate"),
}
SPECS = {
    name: ParameterSpec(name, *DESCRIPTIONS[name], validate=lambda v, n=name: validate_value(n, v))
    for name in ALL_NAMES
}


def check(values: Iterable[ParameterValue]) -> list[tuple[str, str]]:
    """The base's floor lies below its ceiling in every region, from every date either changes."""
    values = tuple(values)
    out = []
    for v in values:
        if v.name not in MONEY_NAMES or v.region is None:
            continue
        floor = in_force(values, "base_floor", v.region, v.valid_from)
        ceiling = in_force(values, "base_ceiling", v.region, v.valid_from)
        if floor and ceiling and parse_yuan(floor.value) >= parse_yuan(ceiling.value):
            out.append(
                (
                    v.name,
                    f"region {v.region} on {v.valid_from}: the base floor {floor.value} (from {floor.valid_from}) must "
                    f"lie below the base ceiling {ceiling.value} (from {ceiling.valid_from})",
                )
            )
    return out


router = parameters_router(
    specs=SPECS,
    defaults=default_values,
    check=check,
    event=ContributionsParameterSet,
    readers=(Role.SOCIAL_INSURANCE,),
)
