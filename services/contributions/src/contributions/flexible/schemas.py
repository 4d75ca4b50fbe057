import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import ActDate, LawDate, Money, MoneyOut, RegionCode, ResidentId

from ..declarations.schemas import DeclarationOut

Kind = Literal["licence", "agreement", "other"]
Status = Literal["working_flexibly", "reemployed", "unemployed"]


class FlexibleEmploymentIn(BaseModel):
    """灵活就业实名登记 (N§6 ¶1): 个体经营 (licence, 工商营业执照), 与街道/乡镇劳动保障机构签订灵活就业协议
    (agreement), 或其他 (other)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id_number": "11010519491231002X",
                    "name": "张三",
                    "region": "220100",
                    "kind": "agreement",
                    "start_date": "2026-03-01",
                    "agreement_no": "长劳协-2026-0317",
                    "agreement_end": "2027-02-28",
                }
            ]
        },
    )

    id_number: ResidentId
    name: str = Field(min_length=1, max_length=100, title="姓名")
    region: RegionCode = Field(title="登记地区")
    kind: Kind = Field(title="灵活就业形式")
    start_date: ActDate = Field(title="开始日期")
    end_date: ActDate | None = Field(default=None, title="结束日期 (已结束的补登)")
    ended_as: Literal["reemployed", "unemployed"] | None = Field(
        default=None, description="补登已结束的灵活就业时: 结束后的状态 (默认 unemployed)"
    )
    agreement_no: str | None = Field(default=None, min_length=1, max_length=60, title="灵活就业协议编号")
    agreement_end: LawDate | None = Field(default=None, title="协议期满日期")
    licence_no: str | None = Field(default=None, min_length=1, max_length=60, title="营业执照编号")
    document_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="协议或执照的扫描件: 先上传 (POST /documents), 此处填其 SHA-256",
    )


class StatusIn(BaseModel):
    """动态管理: 灵活就业人员状态变化, 自 ``on`` 起. 转为 reemployed 或 unemployed 即灵活就业结束于前一日."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "unemployed", "on": "2026-11-01"}]}
    )

    status: Literal["reemployed", "unemployed"]
    on: ActDate = Field(title="新状态开始日期")


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: Status
    status_on: dt.date
    recorded_by: str
    recorded_at: dt.datetime


class FlexibleEmploymentOut(BaseModel):
    """灵活就业登记及其状态历史."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    id_number: str
    region: str
    kind: Kind
    start_date: dt.date
    end_date: dt.date | None
    agreement_no: str | None
    agreement_end: dt.date | None
    licence_no: str | None
    document_id: str | None
    status: Status
    status_on: dt.date
    history: list[StatusChangeOut] = Field(default_factory=list)


class OwnDeclarationIn(BaseModel):
    """灵活就业人员本人申报 (已并轨, N§3(2), N§6 ¶1): 在缴费基数上下限之间自选基数, 养老与失业合并缴纳;
    按月 (monthly) 或按季 (quarterly, period 为季度首月)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"period": "2026-10", "frequency": "monthly", "base": "3000.00"}]},
    )

    period: str = Field(description="YYYY-MM; 按季申报时为季度首月 (01/04/07/10)")
    frequency: Literal["monthly", "quarterly"] = "monthly"
    base: Money = Field(description="自选缴费基数 (元), 在该地区当月的下限与上限之间")


class OwnDeclarationsOut(BaseModel):
    """本人申报结果: 每月一份申报 (按季申报为三份, 同一截止日)."""

    id_number: str
    declarations: list[DeclarationOut]
    total: MoneyOut


class OwnPaymentIn(BaseModel):
    """灵活就业人员本人缴费: 先清偿最早欠费及滞纳金 (C7, C13)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "660.00", "paid_on": "2026-11-10"}]}
    )

    amount: Money = Field(description="金额 (元), 大于零")
    paid_on: ActDate | None = Field(default=None, description="到账日期, 默认今天")


class BulkOut(BaseModel):
    """街道/乡镇劳动保障机构代收的整批结果."""

    lines: int
    people: int
    declarations: int
    payments: int
    declared: MoneyOut
    paid: MoneyOut
