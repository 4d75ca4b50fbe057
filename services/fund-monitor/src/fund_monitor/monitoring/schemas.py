from pydantic import BaseModel, Field

from insurance_shared import CriterionOut

from ..reemployment.schemas import SubsidyUptakeOut


class RegionMonthOut(BaseModel):
    """一个地区一个月的失业监测指标 (N§8)."""

    region: str
    name: str
    registered_unemployed: int = Field(description="月末登记失业且未停发的人数")
    new_claims: int = Field(description="当月新登记")
    drawing_benefits: int = Field(description="当月领取失业保险金人数")
    filed_layoffs: int = Field(description="当月报告的规模裁员 (不含撤回)")
    layoff_people: int = Field(description="上述裁员计划人数")
    insured: int = Field(description="月末参保人数")
    insured_year_ago: int = Field(description="一年前同月末参保人数")
    insured_change: int
    insured_not_rising: bool = Field(description="参保人数同比未增加: 标记 (N§2)")
    coverage: CriterionOut
    si_subsidy: SubsidyUptakeOut | None = Field(
        default=None, description="社会保险补贴落实情况 (N§6); 全省合计行为空, 见 GET /reemployment-funds"
    )


class MonitoringOut(BaseModel):
    month: str = Field(examples=["2026-10"])
    regions: list[RegionMonthOut]
    province: RegionMonthOut | None = Field(description="全省合计 (仅省级令牌)")
