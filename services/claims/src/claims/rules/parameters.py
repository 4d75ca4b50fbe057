"""Claims' dated parameters, each declared once: what it means, its unit, what a value must look like; and the rule
the whole set must keep (R18: the benefit lies strictly between the minimum-living standard and the minimum wage
of the same region, on every date). Defaults with their legal references are in ``parameters.json``."""

from collections.abc import Iterable

from insurance_shared import ParameterSpec, ParameterValue, whole_number, yuan

from .eligibility import band_problems
from .subsidy import share_problem


def _table(text: str) -> str | None:
    try:
        rows = [tuple(int(x) for x in part.split(":")) for part in text.split(",")]
    except ValueError:
        return "rows 'months:entitled' separated by commas, e.g. 12:12,60:18,120:24"
    if any(len(r) != 2 for r in rows) or sorted(rows) != rows or any(b < 0 for _, b in rows):
        return "rows 'months:entitled' in rising order of months, e.g. 12:12,60:18,120:24"
    return None


SPECS = {
    s.name: s
    for s in (
        ParameterSpec("minimum_months", "享受待遇所需累计缴费月数 (R14(1); SIL45)", "months", whole_number(1, 120)),
        ParameterSpec("short_job_window_months", "短期就业累计计算的期间 (N§3(3))", "months", whole_number(12, 120)),
        ParameterSpec("duration_table", "缴费月数与最长领取期限对照 (R17; SIL46)", "table", _table),
        ParameterSpec("max_total_months", "领取期限合计上限 (R17; SIL46)", "months", whole_number(1, 60)),
        ParameterSpec("benefit_amount", "失业保险金月标准 (R18)", "yuan", yuan),
        ParameterSpec("minimum_wage", "最低工资标准 (R18)", "yuan", yuan),
        ParameterSpec("living_standard", "城市居民最低生活保障标准 (R18)", "yuan", yuan),
        ParameterSpec("separation_filing_days", "离职名单报送期限 (R16; SIL50)", "days", whole_number(1, 60)),
        ParameterSpec(
            "unjustified_refusals_to_stop", "无正当理由拒绝介绍工作停发次数 (N§5 ¶2)", "count", whole_number(1, 10)
        ),
        ParameterSpec("funeral_subsidy", "丧葬补助金 (R19)", "yuan", yuan),
        ParameterSpec("survivors_pension_months", "抚恤金月数 (R19)", "months", whole_number(1, 60)),
        ParameterSpec("medical_subsidy", "医疗补助金月标准 (R19; 2011-07-01 前)", "yuan", yuan),
        ParameterSpec(
            "si_subsidy_share", "社会保险补贴: 按缴费基数下限计算的养老、失业保险费的比例 (N§6)", "share", share_problem
        ),
        ParameterSpec("si_subsidy_max_months", "社会保险补贴最长期限 (N§6)", "months", whole_number(1, 120)),
        ParameterSpec(
            "medical_contribution", "失业保险基金代缴基本医疗保险费, 每人每月 (SIL48; 2011-07-01 起)", "yuan", yuan
        ),
    )
}


def check(values: Iterable[ParameterValue]) -> list[tuple[str, str]]:
    """Problems of the whole set, each with the parameter it concerns."""
    return [("benefit_amount", p) for p in band_problems(values)]
