import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import CriterionOut, MoneyOut


class AddresseeOut(BaseModel):
    """An alert's recipient by name and whether it acknowledged (the dashboard's view: no note)."""

    recipient: str = Field(examples=["provincial_labor_department"])
    title: str = Field(examples=["省劳动保障厅"])
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None


class RecipientOut(AddresseeOut):
    note: str | None


class DeliveryOut(BaseModel):
    id: int
    recipient: str
    event: str = Field(description="raised | closed")
    state: str = Field(description="pending | delivered | failed | skipped")
    url: str
    attempts: int
    last_status: int | None
    last_error: str | None
    delivered_at: dt.datetime | None
    next_attempt_at: dt.datetime


class AlertOut(BaseModel):
    """支付能力预警 (N§8): 低于两个月报告当地政府并报省劳动保障厅、省社会保险公司备案. 每个地区同时只有一个未关闭的预警,
    即其当前级别; 级别变化时旧预警关闭 (escalated / eased), 新预警以 replaces 指向它."""

    id: int
    region: str
    level: str = Field(
        description="critical (低于参数 alert_threshold_months, N§8) | early_warning (低于 early_warning_threshold_months)"
    )
    state: str = Field(description="open | closed")
    month: str
    capacity_months: str
    balance: MoneyOut
    average_expenditure: MoneyOut
    raised_at: dt.datetime
    closed_at: dt.datetime | None
    closed_capacity_months: str | None
    closed_reason: str | None = Field(
        description="recovered (不再低于任何阈值) | escalated (升为更严重级别) | eased (降为较轻级别); 未关闭为 null"
    )
    replaces: int | None = Field(description="本地区上一级别的预警 (因本预警而关闭)")
    superseded_by: int | None = Field(description="接替本预警的新级别预警")
    recipients: list[RecipientOut]
    criteria: list[CriterionOut]


class AlertDetailOut(AlertOut):
    deliveries: list[DeliveryOut]


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class AcknowledgeIn(BaseModel):
    """收悉确认: 由令牌所代表的接收方确认 (当地政府、省劳动保障厅或省社会保险公司)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"note": "已收悉, 启动调剂程序"}]})
    note: str | None = Field(default=None, max_length=2000)
