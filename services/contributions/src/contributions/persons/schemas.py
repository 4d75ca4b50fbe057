import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from insurance_shared import ActDate, CreditCode, Money, MoneyOut, RegionCode, ResidentId
from insurance_shared.contracts import SeparationReason


class EnrolmentIn(BaseModel):
    """参保登记: 养老与失业同时参保 (N§3(1)). 单位职工给出 unit_credit_code; 已并轨灵活就业人员 track=flexible 并给出 region."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id_number": "11010519491231002X",
                    "name": "张三",
                    "track": "unit",
                    "unit_credit_code": "91220101MA0Y3XXK87",
                    "start_date": "2025-09-01",
                    "wage": "4500.00",
                }
            ]
        },
    )

    id_number: ResidentId
    name: str = Field(min_length=1, max_length=100, title="姓名")
    track: Literal["unit", "flexible"] = Field(default="unit", title="参保方式")
    unit_credit_code: CreditCode | None = None
    region: RegionCode | None = Field(default=None, description="仅灵活就业人员: 参保地")
    start_date: ActDate = Field(title="参保开始日期")
    wage: Money = Field(title="工资 (元)")

    @model_validator(mode="after")
    def _track(self) -> "EnrolmentIn":
        if self.track == "unit" and self.unit_credit_code is None:
            raise ValueError("an enrolment with a unit names the unit (unit_credit_code)")
        if self.track == "flexible" and (self.unit_credit_code is not None or self.region is None):
            raise ValueError("a flexible worker's own enrolment names a region and no unit")
        return self


class EndEmploymentIn(BaseModel):
    """终止劳动关系."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"end_date": "2026-10-31", "separation_reason": "contract_expired_not_renewed"}]
        },
    )

    end_date: ActDate
    separation_reason: SeparationReason


class EmploymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_credit_code: str | None
    region: str
    track: str
    start_date: dt.date
    end_date: dt.date | None
    wage: MoneyOut
    separation_reason: str | None


class PersonOut(BaseModel):
    """参保人员及其参保关系."""

    id_number: str
    name: str
    employments: list[EmploymentOut]


class HistoryMonth(BaseModel):
    period: str
    unemployment: MoneyOut = Field(description="该月失业保险费 (单位+个人)")
    paid: bool
    declaration_id: int


class HistoryGroup(BaseModel):
    region: str
    unit_credit_code: str | None = Field(description="缴费单位; 灵活就业人员本人缴费的月份为空 (N§3(2))")
    months: list[HistoryMonth]
    paid_months: int


class HistoryOut(BaseModel):
    """缴费记录: 按地区与单位分组; 只有已缴月份计入待遇 (R14)."""

    id_number: str
    groups: list[HistoryGroup]
    paid_months_total: int
