from pydantic import BaseModel, Field

from insurance_shared import CriterionOut, MoneyOut


class MonthOut(BaseModel):
    """一个月的基金收支与月末余额、支付能力."""

    month: str = Field(examples=["2026-10"])
    opening: MoneyOut = Field(description="本月录入的期初余额")
    income: dict[str, MoneyOut] = Field(examples=[{"contributions": "1200000.00", "remittance": "80000.00"}])
    expenditure: dict[str, MoneyOut] = Field(examples=[{"benefits": "950000.00"}])
    income_total: MoneyOut
    expenditure_total: MoneyOut
    closing_balance: MoneyOut
    average_expenditure: MoneyOut = Field(description="支付能力窗口内月均支出")
    capacity_months: str | None = Field(description="支付能力(月), 窗口内无支出时为 null", examples=["7.42"])


class MonthsOut(BaseModel):
    region: str
    items: list[MonthOut]


class CapacityOut(BaseModel):
    """当前支付能力及其计算过程、预警判定 (N§8)."""

    region: str
    month: str
    balance: MoneyOut
    average_expenditure: MoneyOut
    window_months: int
    capacity_months: str | None
    level: str = Field(description="ok | early_warning | critical | no_expenditure")
    criteria: list[CriterionOut]


class LayoffTermOut(BaseModel):
    filing_id: int
    unit_credit_code: str
    people: int = Field(description="计划裁减人数; 已实施的为实际裁减人数")
    executed: bool
    claim_share: str
    expected_claimants: int
    claimed: int = Field(description="已登记失业的被裁人员")
    remaining_claimants: int
    average_benefit: MoneyOut
    expected_months: int
    first_benefit_month: str
    total_expected_cost: MoneyOut
    cost_in_horizon: MoneyOut


class ProjectedMonthOut(BaseModel):
    month: str
    baseline_income: MoneyOut
    baseline_expenditure: MoneyOut
    layoff_cost: MoneyOut
    closing_balance: MoneyOut
    capacity_months: str | None


class ProjectionOut(BaseModel):
    """未来若干月的余额与支付能力, 含已报告未登记的裁员预计支出 (N§8)."""

    region: str
    as_of: str
    opening_balance: MoneyOut
    average_benefit: MoneyOut
    average_benefit_source: str = Field(description="payments: 本地区窗口内实际发放; parameter: 参数")
    runs_out: str | None = Field(
        description="基金用尽月份 (YYYY-MM): 余额已为负则为 as_of, 否则为预测期内首个月末余额为负的月份; 预测期内不会用尽为 null",
        examples=["2027-03"],
    )
    months: list[ProjectedMonthOut]
    layoffs: list[LayoffTermOut]
    criteria: list[CriterionOut]
