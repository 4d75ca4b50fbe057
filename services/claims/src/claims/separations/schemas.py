import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, RootModel

from insurance_shared import ActDate, CreditCode, CriterionOut, RegionCode, ResidentId
from insurance_shared.contracts import SeparationReason


class SeparatedPerson(BaseModel):
    id_number: ResidentId
    name: str = Field(min_length=1, max_length=100)
    separation_date: ActDate
    reason: SeparationReason
    certificate_document_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="离职证明的存档文件 (R16): 先上传 (POST /documents?kind=separation_certificate), 此处填其 SHA-256",
    )


class SeparationsIn(BaseModel):
    """单位报送终止劳动关系人员名单, 期限按离职之日适用的法规 (R16; 2011-07-01起 SIL50), 见参数 separation_filing_days."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "unit_credit_code": "91220101MA0Y3XXK87",
                    "region": "220100",
                    "persons": [
                        {
                            "id_number": "11010519491231002X",
                            "name": "张三",
                            "separation_date": "2026-11-20",
                            "reason": "contract_expired_not_renewed",
                        }
                    ],
                }
            ]
        },
    )

    unit_credit_code: CreditCode
    region: RegionCode
    persons: list[SeparatedPerson] = Field(min_length=1, max_length=10_000)


class SeparationOut(BaseModel):
    id: int
    id_number: str
    separation_date: dt.date
    reason: str
    involuntary: bool = Field(description="非因本人意愿 (R14(2))")
    filed_on: dt.date
    late: bool = Field(description="逾期报送: 超过离职之日适用的期限 (见 filing_deadline)")
    certificate_document_id: str | None = Field(default=None, description="离职证明的存档文件 (GET /documents/{id})")
    filing_deadline: CriterionOut = Field(
        description="报送期限的判定: 适用的天数参数 (R16 或 SIL50)、截止日、逾期天数、条款"
    )
    decision_id: int | None = Field(
        default=None, description="逾期报送的决定记录 (GET /decisions/{id}); 按期报送时为空"
    )


SeparationsOut = RootModel[list[SeparationOut]]
