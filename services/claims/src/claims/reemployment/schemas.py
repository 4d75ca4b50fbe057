import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import ActDate, CriterionOut, LawDate, MoneyOut, RegionCode, ResidentId


class CategoryOut(BaseModel):
    code: str
    name: str
    clause: str


class HardToEmployIn(BaseModel):
    """就业困难人员认定 (N§6 ¶2): 类别 (见 GET /hard-to-employ/categories)、认定日期、复核日期."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id_number": "11010519491231002X",
                    "name": "张三",
                    "region": "220100",
                    "categories": ["over_40_women", "long_term_unemployed"],
                    "certified_on": "2026-06-01",
                    "review_on": "2027-05-31",
                }
            ]
        },
    )

    id_number: ResidentId
    name: str = Field(min_length=1, max_length=100)
    region: RegionCode
    categories: list[str] = Field(min_length=1, max_length=10)
    certified_on: ActDate
    review_on: LawDate = Field(description="复核日期: 认定在此日之前有效")


class HardToEmployOut(BaseModel):
    id: int
    id_number: str
    name: str
    region: str
    categories: list[CategoryOut]
    certified_by: str
    certified_on: dt.date
    review_on: dt.date


class SubsidyApplicationIn(BaseModel):
    """社会保险补贴申请 (N§6): 灵活就业、就业困难、本人缴费、未超过最长期限, 逐项判定."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id_number": "11010519491231002X", "name": "张三", "region": "220100", "applied_on": "2026-10-08"}
            ]
        },
    )

    id_number: ResidentId
    name: str = Field(min_length=1, max_length=100)
    region: RegionCode
    applied_on: ActDate


class SubsidyPaymentOut(BaseModel):
    id: int
    run_id: int
    line_no: int = Field(description="该批发放文件中的行号")
    period: dt.date = Field(description="补贴对应的本人已缴费月份 (首日)")
    floor_fen: int = Field(description="该月按缴费基数下限计算的养老、失业保险费 (分)")
    amount: MoneyOut
    state: Literal["draft", "approved", "paid", "failed"]
    bank_code: str
    account: str = Field(description="脱敏账号")
    attempts: int
    failure_code: str | None
    paid_on: dt.date | None = Field(description="银行入账日")


class SubsidyPayeeOut(BaseModel):
    subsidy_id: int
    bank_code: str
    account: str = Field(description="脱敏账号", examples=["6222 **** **** 5679"])
    holder_name: str
    updated_at: dt.datetime


class SubsidyReturnOut(BaseModel):
    return_id: int
    run_id: int
    paid: int
    failed: int
    replayed: bool


class SubsidyOut(BaseModel):
    """补贴决定及其发放."""

    id: int
    id_number: str
    region: str
    applied_on: dt.date
    state: Literal["approved", "ended"]
    approved: bool
    criteria: list[CriterionOut]
    months_left: int = Field(description="决定时尚可补贴的月数")
    first_period: dt.date
    flexible_employment_id: int | None
    certification_id: int | None
    ended_on: dt.date | None
    end_reason: str | None
    decided_by: str
    payments: list[SubsidyPaymentOut] = Field(default_factory=list)


class RunIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"region": "220100", "month": "2026-11"}]}
    )

    region: RegionCode
    month: str = Field(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM")


class RunOut(BaseModel):
    """社会保险补贴月度发放: 第二名经办人审核后按银行出文件, 以银行回盘确认入账; 从再就业资金列支."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    region: str
    month: dt.date
    state: Literal["draft", "approved"]
    lines: int
    people: int
    amount: MoneyOut
    awaiting_account: int = Field(description="已批准但尚无收款账户的补贴数: 待账户登记后在以后的发放中支付")
    reissued: int = Field(description="以前失败、账户已更正后在本批重发的行数")
    made_by: str
    approved_by: str | None
    approved_at: dt.datetime | None
    payments: list[SubsidyPaymentOut] = Field(default_factory=list)


class RosterImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    region: str
    lines: int
    sha256: str
    imported_by: str
    created_at: dt.datetime


class ReferralOut(BaseModel):
    """低保名单上的失业人员与就业困难人员: 优先推荐就业 (N§6 ¶2)."""

    id_number: str
    name: str
    claim_id: int | None
    hard_to_employ_id: int | None


class SubsidyMonthOut(BaseModel):
    """一个月的补贴: 本人已缴费的月份按缴费基数下限计算的养老、失业保险费乘以补贴比例 (N§6)."""

    subsidy_id: int
    period: str
    floor_fen: int
    share: str = Field(description="补贴比例 (参数 si_subsidy_share)")
    amount: MoneyOut
    clause: str = "N§6 ¶2"
    payment: SubsidyPaymentOut | None = Field(description="已列入发放的, 其发放记录; 否则为空 (下一次发放时支付)")
