import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import ActDate, Money, MoneyOut


class PaymentIn(BaseModel):
    """单位缴费: 一笔合并金额, 先清偿最早欠费, 同期内按两项基金应缴比例分配 (policy.md C7); 多缴转为余额."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"amount": "3100.00", "paid_on": "2026-11-10", "payer": "unit"}]},
    )

    amount: Money = Field(description="金额 (元), 大于零")
    paid_on: ActDate | None = Field(default=None, description="到账日期, 默认今天; 滞纳金计至此日 (C13)")
    payer: Literal["unit", "fiscal_budget"] = Field(
        default="unit", description="fiscal_budget: 全额拨款事业单位的单位部分由财政预算支付 (N§2 ¶2)"
    )


class AllocationOut(BaseModel):
    declaration_id: int
    period: str
    pension: MoneyOut
    unemployment: MoneyOut
    fee_pension: MoneyOut
    fee_unemployment: MoneyOut
    period_paid: bool


class PaymentOut(BaseModel):
    """缴费结果: 各期分配、滞纳金、余额."""

    id: int
    unit_credit_code: str | None = Field(description="缴费单位; 灵活就业人员本人缴费时为空")
    amount: MoneyOut
    payer: str = Field(description="unit, fiscal_budget 或 person (灵活就业人员本人)")
    paid_on: dt.date
    late_fee_charged: MoneyOut = Field(description="本次计收的滞纳金 (C13: 每日万分之二十)")
    late_fee_decision_id: int | None = Field(
        default=None,
        description="计收滞纳金的决定记录 (GET /decisions/{id}: 各期的期限、逾期天数、日费率); 未计收时为空",
    )
    credit_used: MoneyOut
    credit_created: MoneyOut
    allocations: list[AllocationOut]


class UsedParameterOut(BaseModel):
    name: str = Field(examples=["late_fee_daily_rate"])
    value: str = Field(examples=["0.002"])
    valid_from: dt.date
    clause: str = Field(examples=["C13"])


class ArrearsPeriod(BaseModel):
    declaration_id: int
    period: str
    kind: str
    due_date: dt.date
    owed_pension: MoneyOut
    owed_unemployment: MoneyOut
    late_fee: MoneyOut = Field(description="截至查询日的滞纳金 (未入账部分已计入)")
    days_late: int
    fee_from: dt.date = Field(description="滞纳金起算日: 缴费期限的次日")
    late_fee_rule: UsedParameterOut = Field(description="所用日费率: 查询日有效的参数及其依据 (C13)")


class ArrearsOut(BaseModel):
    """欠费 (截至某日)."""

    unit_credit_code: str | None = Field(description="欠费单位; 灵活就业人员本人欠费时为空")
    as_of: dt.date
    periods: list[ArrearsPeriod]
    total: MoneyOut
    credit: MoneyOut


class BulkPaymentOut(BaseModel):
    line: int = Field(description="上传文件中的行号 (表头为第1行)")
    payment_id: int
    unit_credit_code: str
    amount: MoneyOut
    paid_on: dt.date
    late_fee_charged: MoneyOut
    credit_created: MoneyOut
    periods_paid: list[str] = Field(description="本笔缴清的所属期")


class BulkPaymentsOut(BaseModel):
    """批量入账结果: 每行一笔缴费, 按文件顺序入账."""

    payments: int
    amount: MoneyOut
    late_fees: MoneyOut
    items: list[BulkPaymentOut]


class LateFeeRefundOut(BaseModel):
    """复议撤销滞纳金决定后的退还: 尚欠部分予以核销, 已缴部分转为缴费人余额并从基金退出 (C13)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    decision_id: int = Field(description="被撤销的滞纳金决定 (contributions.late_fee)")
    appeal_id: int
    payment_id: int = Field(description="计收该滞纳金的缴费")
    declaration_id: int
    unit_credit_code: str | None
    payer_id_number: str | None = Field(None, description="灵活就业人员本人: 查询所用的身份证号")
    region: str
    home_region: str
    via_province: bool = Field(description="省直单位: 失业保险部分从省级待划拨款中退出, 下次划拨相应减少 (N§3(4))")
    cancelled_pension: MoneyOut = Field(description="核销的尚欠滞纳金 (养老)")
    cancelled_unemployment: MoneyOut = Field(description="核销的尚欠滞纳金 (失业)")
    credited_pension: MoneyOut = Field(description="已缴滞纳金转为余额 (养老)")
    credited_unemployment: MoneyOut = Field(description="已缴滞纳金转为余额 (失业)")
    refunded_on: dt.date
    remittance_id: int | None = Field(description="省直单位: 冲减的划拨")
