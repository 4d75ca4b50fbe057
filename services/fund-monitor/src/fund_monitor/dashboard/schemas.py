import datetime as dt

from pydantic import BaseModel, Field

from insurance_shared import MoneyOut

from ..alerts.schemas import AddresseeOut


class TrendPoint(BaseModel):
    month: str
    balance: MoneyOut
    capacity_months: str | None


class OpenAlertOut(BaseModel):
    id: int
    level: str
    month: str
    capacity_months: str
    raised_at: dt.datetime
    recipients: int
    acknowledged: int
    addressed_to: list[AddresseeOut] = Field(description="接收方及其确认 (POST /alerts/{id}/acknowledgements)")
    replaces: int | None = Field(description="本地区上一级别的预警")


class MismatchOut(BaseModel):
    """对账差异预警 (reconciliation_mismatch): 账簿与来源服务不一致的月份."""

    id: int
    month: str
    differences: int
    raised_at: dt.datetime


class RegionOverviewOut(BaseModel):
    region: str
    name: str
    as_of: str | None = Field(description="数字所属月份; 无基金数据时为 null")
    balance: MoneyOut | None
    average_expenditure: MoneyOut | None
    capacity_months: str | None
    level: str = Field(description="ok | early_warning | critical | no_expenditure | no_data")
    trend: list[TrendPoint] = Field(description="近 12 个月月末余额与支付能力 (展示窗口, 非政策参数)")
    open_alerts: list[OpenAlertOut]
    reconciliation_mismatches: list[MismatchOut] = Field(description="未消除的对账差异 (GET /reconciliation/alerts)")


class ProvinceOverviewOut(BaseModel):
    balance: MoneyOut = Field(description="各统筹地区基金余额合计")
    adjustment_fund: MoneyOut = Field(description="省级调剂金余额")
    held_for_regions: MoneyOut = Field(description="省直单位已收未划拨的失业保险费")
    regions_critical: int
    regions_early_warning: int
    open_alerts: int
    reconciliation_mismatches: int = Field(description="未消除的对账差异预警数")


class OverviewOut(BaseModel):
    """全省看板: 各地区余额、支付能力、趋势与未关闭预警 (N§8)."""

    generated_at: dt.datetime
    regions: list[RegionOverviewOut]
    province: ProvinceOverviewOut | None = Field(description="仅省级令牌")
