import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import CriterionOut, Money, MoneyOut, criterion_dict

from ..rules.months import format_month
from .service import RegionUptake


class SubsidyUptakeOut(BaseModel):
    """社会保险补贴落实情况 (N§6 ¶2): 当年再就业资金安排、已支出、使用比例; 最近一期发放人数; 整季度未发放则标记."""

    year: int
    budget: MoneyOut = Field(description="当年再就业资金安排 (手工录入)")
    spent: MoneyOut = Field(description="当年已发放的社会保险补贴")
    budget_used: str | None = Field(description="已使用比例 (0.0000–); 无安排时为空")
    person_months: int = Field(description="当年补贴人月数")
    people_last_run: int = Field(description="最近一期发放的补贴人数")
    last_run_month: str | None
    quarter: str = Field(description="最近一个完整季度", examples=["2026-Q3"])
    quarter_amount: MoneyOut
    uptake_zero: bool = Field(description="整季度未发放: 标记 (再就业补助资金相应核减)")
    uptake: CriterionOut


class RegionUptakeOut(SubsidyUptakeOut):
    region: str
    name: str


class UptakeOut(BaseModel):
    month: str
    regions: list[RegionUptakeOut]


class AllocationIn(BaseModel):
    """再就业资金安排 (省级录入)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"year": 2026, "amount": "1200000.00", "reference": "吉财社〔2026〕12号"}]},
    )

    year: int = Field(ge=2005, le=2100)
    amount: Money
    reference: str = Field(min_length=1, max_length=200, description="拨款文件")


class AllocationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    region: str
    year: int
    amount: MoneyOut
    reference: str
    allocated_by: str
    allocated_at: dt.datetime


def uptake_out(u: RegionUptake) -> SubsidyUptakeOut:
    return SubsidyUptakeOut(
        year=u.year,
        budget=u.budget_fen,
        spent=u.spent_fen,
        budget_used=u.budget_used,
        person_months=u.person_months,
        people_last_run=u.people_last_run,
        last_run_month=format_month(u.last_run_month) if u.last_run_month else None,
        quarter=u.quarter,
        quarter_amount=u.quarter_fen,
        uptake_zero=u.flagged,
        uptake=CriterionOut(**criterion_dict(u.uptake)),
    )
