"""GET/POST /parameters for fund-monitor's dated parameters (insurance_shared.parameter_api)."""

from collections.abc import Iterable

from insurance_shared import ParameterSpec, ParameterValue, Role, in_force, parameters_router, share, whole_number, yuan
from insurance_shared.contracts import FundMonitorParameterSet

from .rules.parameters import all_values

SPECS = {
    s.name: s
    for s in (
        ParameterSpec("capacity_window_months", "支付能力: 平均月支出的计算期间 (N§8)", "months", whole_number(1, 60)),
        ParameterSpec("alert_threshold_months", "预警线: 支付能力低于此月数 (N§8)", "months", whole_number(1, 60)),
        ParameterSpec("early_warning_threshold_months", "关注线 (设计参数)", "months", whole_number(1, 120)),
        ParameterSpec("projection_months", "预测月数", "months", whole_number(1, 36)),
        ParameterSpec("layoff_claim_share", "被裁人员预计申领比例", "rate", share),
        ParameterSpec("layoff_expected_months", "被裁人员预计领取月数", "months", whole_number(1, 24)),
        ParameterSpec("average_monthly_benefit", "无历史数据时的月人均待遇", "yuan", yuan),
    )
}


def check(values: Iterable[ParameterValue]) -> list[tuple[str, str]]:
    """The early-warning line lies above the statutory one, at every date and region a value was set for."""
    values = tuple(values)
    out = []
    for v in values:
        if v.name not in ("alert_threshold_months", "early_warning_threshold_months") or v.region is None:
            continue
        low = in_force(values, "alert_threshold_months", v.region, v.valid_from)
        high = in_force(values, "early_warning_threshold_months", v.region, v.valid_from)
        if low and high and int(high.value) <= int(low.value):
            out.append(
                (
                    v.name,
                    f"region {v.region} on {v.valid_from}: the early-warning line {high.value} (from {high.valid_from}) "
                    f"must lie above the alert line {low.value} (from {low.valid_from}) (N§8)",
                )
            )
    return out


router = parameters_router(
    specs=SPECS,
    defaults=all_values,
    check=check,
    event=FundMonitorParameterSet,
    readers=(Role.LABOR_DEPARTMENT, Role.SOCIAL_INSURANCE, Role.LOCAL_GOVERNMENT, Role.EMPLOYMENT_SERVICE),
)
