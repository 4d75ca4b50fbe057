import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from insurance_shared import ActDate, CriterionOut, LawDate, MoneyOut, RegionCode, ResidentId


class RegistrationIn(BaseModel):
    """失业登记 (就业服务机构): 求职声明与登记日期; 待遇自登记之日起计算 (R16)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id_number": "11010519491231002X",
                    "name": "张三",
                    "region": "220100",
                    "registered_on": "2026-11-25",
                    "job_seeking": True,
                }
            ]
        },
    )

    id_number: ResidentId
    name: str = Field(min_length=1, max_length=100)
    region: RegionCode
    registered_on: ActDate
    job_seeking: StrictBool = Field(description="本人已作求职声明 (R14(3)); true 或 false")
    community: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description=(
            "登记时即请该街道、社区劳动保障服务机构核实 (N§5 ¶2; 其令牌的 sub): 符合条件的申领直接进入 "
            "verification_requested, 同 POST /claims/{id}/verification-request; 不符合条件的不送核实"
        ),
    )


class CheckIn(BaseModel):
    """资格试算: 不写入任何数据."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id_number": "11010519491231002X", "region": "220100", "on": "2026-11-25", "job_seeking": True}
            ]
        },
    )

    id_number: ResidentId
    region: RegionCode
    on: LawDate | None = None
    job_seeking: StrictBool = True


class DecisionOut(BaseModel):
    """资格判定: 每一项标准是否满足、所用数值、参数 (及生效日期)、条款."""

    eligible: bool
    months_counted: int
    entitled_months: int
    carried_over: int
    total_months: int
    monthly_amount: MoneyOut
    criteria: list[CriterionOut]


class ClaimOut(BaseModel):
    id: int
    id_number: str
    name: str
    region: str
    registered_on: dt.date
    state: str
    eligible: bool
    total_months: int
    monthly_amount: MoneyOut
    entitlement_end: dt.date | None
    community: str | None
    certificate_no: str | None
    certificate_document_id: str | None = Field(default=None, description="核实证明的存档文件 (GET /documents/{id})")
    stopped_on: dt.date | None
    stop_reason: str | None
    stop_evidence: str | None = Field(default=None, description="停发依据的文书及条款 (如灵活就业协议编号, R15; N§5)")
    months_left: int
    decision: DecisionOut
    decision_id: int | None = Field(
        default=None, description="决定记录: 申领当前状态所依据的最新决定 (GET /decisions/{id}; 可申请复议)"
    )


class VerificationRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"community": "community-220102-001"}]})

    community: str = Field(min_length=1, max_length=200, description="街道、社区劳动保障服务机构 (其令牌的 sub)")


class VerifyIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"certificate_no": "长南社证〔2026〕0815号"}]}
    )

    certificate_no: str = Field(min_length=1, max_length=100)
    certificate_document_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="证明的扫描件: 先上传 (POST /documents?kind=verification_certificate), 此处填其 SHA-256",
    )


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "核实发现已在个体经营"}]})

    reason: str = Field(min_length=1, max_length=2000)


class StopIn(BaseModel):
    """停止发放失业保险金及其他待遇 (R15, N§5)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "reemployed_business_licence", "effective_date": "2026-12-01"}]},
    )

    reason: Literal[
        "reemployed_business_licence",
        "reemployed_flexible_agreement",
        "reemployed_other_income",
        "conscription",
        "emigration",
        "pension",
        "imprisonment",
        "death",
    ]
    effective_date: LawDate
    agreement_end: LawDate | None = Field(default=None, description="灵活就业协议的截止日 (须未到期)")
    document_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="停发所依据的文书 (如营业执照、协议): 先上传 (POST /documents), 此处填其 SHA-256",
    )


class ReferralIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"employer": "长春某物流公司", "job": "仓库管理员", "referred_on": "2026-12-03"}]
        },
    )

    employer: str = Field(min_length=1, max_length=200)
    job: str = Field(min_length=1, max_length=200)
    referred_on: ActDate


class ReferralOutcomeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"outcome": "refused_unjustified", "reason": "无正当理由拒绝"}]}
    )

    outcome: Literal["accepted", "refused_justified", "refused_unjustified"]
    reason: str | None = Field(default=None, max_length=2000)
    answered_on: ActDate | None = Field(
        default=None, description="当事人答复 (接受或拒绝) 之日, 默认今天; 停发自此日起"
    )


class ReferralOut(BaseModel):
    id: int
    claim_id: int
    employer: str
    job: str
    referred_on: dt.date
    outcome: str | None
    claim_stopped: bool = False
    decision_id: int | None = Field(default=None, description="停发的决定记录 (第二次无正当理由拒绝时)")


class SubsidyIn(BaseModel):
    """领取失业保险金期间的医疗补助金 (R19), 按地区标准 (参数 medical_subsidy) 发放, 不由经办人填写金额.
    2011-07-01 起不再发放: 失业保险基金代缴基本医疗保险费 (SIL48), 随月度计发划转."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"paid_on": "2011-06-10"}]})

    paid_on: ActDate


class FuneralChoiceIn(BaseModel):
    """遗属对丧葬补助金的选择 (SIL49 第二款): 2011-07-01 起, 死亡同时符合基本养老保险、工伤保险和失业保险丧葬补助金
    条件的, 遗属只能选择领取其中一项. 选择失业保险的, 按死亡之日本地区标准发放; 选择其他的, 失业保险基金不支付."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"chosen": "unemployment_insurance"}]})

    chosen: Literal["unemployment_insurance", "basic_pension", "work_injury"] = Field(
        description="遗属选择领取的丧葬补助金: unemployment_insurance 失业保险, basic_pension 基本养老保险, "
        "work_injury 工伤保险"
    )
    paid_on: ActDate | None = Field(default=None, description="发放日期, 默认今日")


class StandardOut(BaseModel):
    name: str
    value: str
    valid_from: dt.date
    clause: str


class SubsidyOut(BaseModel):
    id: int
    claim_id: int
    kind: str
    amount: MoneyOut
    month: dt.date
    paid_on: dt.date
    standard: StandardOut = Field(description="所用标准及其生效日期、依据")
    clause: str = Field(examples=["R19"])
    decision_id: int | None = Field(default=None, description="决定记录 (GET /decisions/{id})")


class FuneralChoiceOut(BaseModel):
    claim_id: int
    death: dt.date
    chosen: str
    paid_here: bool = Field(description="失业保险基金是否支付丧葬补助金")
    clause: str = Field(examples=["SIL49"])
    explanation: str
    explanation_zh: str
    decision_id: int = Field(description="遗属选择的决定记录 (GET /decisions/{id})")
    payment: SubsidyOut | None = Field(description="失业保险基金支付的丧葬补助金; 选择其他基金时为 null")


class PaymentOut(BaseModel):
    id: int
    claim_id: int
    kind: str
    amount: MoneyOut
    month: dt.date
    paid_on: dt.date
