import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import ActDate, CreditCode, CriterionOut, LawDate, ResidentId


class PersonIn(BaseModel):
    id_number: ResidentId
    name: str = Field(min_length=1, max_length=100)


class ConsultationIn(BaseModel):
    """征求工会或职工意见 (N§7)."""

    by: Literal["union", "staff_assembly", "staff"] = Field(description="工会、职代会或全体职工")
    on: ActDate
    opinion_summary: str = Field(min_length=1, max_length=4000)
    document_ref: str = Field(min_length=1, max_length=200, description="会议纪要等文件编号")
    minutes_document_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="会议纪要的存档文件: 先上传 (POST /documents?kind=consultation_minutes), 此处填其 SHA-256",
    )


Measure = Literal["shorter_hours", "lower_pay", "internal_early_retirement"]


class FilingIn(BaseModel):
    """规模裁员报告: 单位经所在市系统提交. 达到人数或比例阈值 (参数) 须按参数规定的天数提前报告并征求工会或职工意见 (N§7); 阈值见 GET /filings 返回的判定."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_credit_code": "91220101MA0Y3XXK87",
                    "planned_date": "2027-01-15",
                    "persons": [{"id_number": "11010519491231002X", "name": "张三"}],
                    "reasons": "生产经营发生严重困难",
                    "consultation": {
                        "by": "union",
                        "on": "2026-11-20",
                        "opinion_summary": "工会同意, 要求优先安排内部退养",
                        "document_ref": "工会〔2026〕12号",
                    },
                    "measures_tried": ["shorter_hours", "internal_early_retirement"],
                }
            ]
        },
    )

    unit_credit_code: CreditCode
    planned_date: LawDate = Field(description="计划裁员日期, 不得早于今天")
    persons: list[PersonIn] = Field(min_length=1, max_length=100_000)
    reasons: str = Field(min_length=1, max_length=4000)
    consultation: ConsultationIn | None = Field(default=None, description="未征求意见则不填, 将标记为不合规")
    measures_tried: list[Measure] = Field(default_factory=list, description="先行采取的措施 (N§7 二)")


class FilingOut(BaseModel):
    """裁员报告及其判定 (每一项标准、所用数值、参数及其生效日期、条款)."""

    id: int
    unit_credit_code: str
    region: str
    state: str
    filed_on: dt.date
    planned_date: dt.date
    persons: int
    reportable: bool
    late: bool
    consulted: bool
    possible_splitting: bool
    compliant: bool
    measures_tried: list[str]
    criteria: list[CriterionOut]
    executed_on: dt.date | None
    consultation_document_id: str | None = Field(default=None, description="会议纪要的存档文件 (GET /documents/{id})")
    decision_id: int | None = Field(default=None, description="判定的决定记录 (GET /decisions/{id}; 单位可申请复议)")


class FilingPage(BaseModel):
    items: list[FilingOut]
    next_cursor: str | None = Field(examples=["42"])


class ExecuteIn(BaseModel):
    """实施裁员: 实际解除劳动关系的人员 (可与计划不同)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"executed_on": "2027-01-15", "separated": ["11010519491231002X"]}]},
    )

    executed_on: ActDate
    separated: list[ResidentId] = Field(min_length=1, max_length=100_000)
