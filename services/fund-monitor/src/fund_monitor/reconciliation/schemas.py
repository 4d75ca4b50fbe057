import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import MoneyOut

from ..access import MONTH_PATTERN


class SumOut(BaseModel):
    region: str
    month: str
    kind: str
    booked: MoneyOut = Field(description="本服务账上")
    source: MoneyOut = Field(description="来源服务所称 (contributions / claims)")
    difference: MoneyOut = Field(description="账上减来源")


class DifferenceOut(BaseModel):
    problem: str = Field(description="missing | unexpected | different_amount | misplaced")
    key: str = Field(description="款项的记账来源键, 如 contributions:payment:41:unemployment")
    kind: str
    region: str
    month: str
    booked: MoneyOut | None
    source: MoneyOut | None
    explanation: str


class ReconciliationOut(BaseModel):
    """对账: 本服务账簿与缴费、待遇服务各自所称收付款项, 按地区、月份、种类, 逐笔列出差异."""

    from_month: str
    to_month: str
    region: str | None
    balanced: bool = Field(description="无任何差异")
    sums: list[SumOut]
    differences: list[DifferenceOut]


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"from": "2026-10", "to": "2026-11"}]})

    from_month: str = Field(alias="from", pattern=MONTH_PATTERN)
    to_month: str = Field(alias="to", pattern=MONTH_PATTERN)


class CheckOut(BaseModel):
    raised: int = Field(description="新发出的 reconciliation_mismatch 预警")
    closed: int = Field(description="因差异消除而关闭的预警")
    report: ReconciliationOut


class MismatchAlertOut(BaseModel):
    id: int
    region: str
    month: str
    state: str
    differences: int
    raised_at: dt.datetime
    checked_at: dt.datetime
    closed_at: dt.datetime | None
    detail: list[DifferenceOut]
