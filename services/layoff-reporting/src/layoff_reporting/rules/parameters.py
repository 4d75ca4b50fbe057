"""Layoff-reporting's dated parameters, each declared once (defaults with their references in parameters.json)."""

from insurance_shared import ParameterSpec, share, whole_number

SPECS = {
    s.name: s
    for s in (
        ParameterSpec("layoff_share_threshold", "规模裁员比例阈值: 超过此比例须报告 (N§7)", "rate", share),
        ParameterSpec(
            "layoff_count_threshold", "规模裁员人数阈值: 超过此人数须报告 (N§7)", "count", whole_number(1, 100_000)
        ),
        ParameterSpec("notice_days", "提前报告天数 (N§7; LL27)", "days", whole_number(1, 365)),
        ParameterSpec("splitting_window_days", "合并判断拆分报告的期间 (设计参数)", "days", whole_number(1, 365)),
        ParameterSpec("rehire_window_months", "优先录用期限 (N§7; LL27)", "months", whole_number(1, 60)),
        ParameterSpec("incentive_share", "吸纳就业优惠: 长期失业人员占新招用人员比例 (N§7)", "rate", share),
        ParameterSpec("long_term_unemployed_days", "长期失业: 连续失业超过的天数 (N§7)", "days", whole_number(1, 3650)),
        ParameterSpec("incentive_contract_years", "吸纳就业优惠: 劳动合同最短年限 (N§7)", "years", whole_number(1, 50)),
    )
}
