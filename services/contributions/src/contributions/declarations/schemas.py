import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import Money, MoneyOut, ResidentId


class LineIn(BaseModel):
    id_number: ResidentId
    base: Money = Field(description="缴费基数 (元); 低于下限或高于上限按上下限计")


class DeclarationIn(BaseModel):
    """月度申报: 一个单位、一个所属期、每人一个缴费基数. 合并申报养老与失业 (N§3 ¶1)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "period": "2026-10",
                    "kind": "regular",
                    "lines": [{"id_number": "11010519491231002X", "base": "4500.00"}],
                }
            ]
        },
    )

    period: str = Field(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="所属期 YYYY-MM")
    kind: Literal["regular", "adjustment"] = Field(
        default="regular",
        description="regular: 正常申报(未缴可重报替换); adjustment: 已缴期的补充申报, 每行给出更正后的基数",
    )
    lines: list[LineIn] = Field(min_length=1, max_length=20_000, description="更多行请用 /declarations/bulk")


class UsedParameterOut(BaseModel):
    name: str
    value: str
    valid_from: dt.date
    clause: str


class DeclarationOut(BaseModel):
    """申报结果: 四项金额合计、欠缴、所用参数 (及其生效日期)."""

    id: int
    unit_credit_code: str | None = Field(description="申报单位; 灵活就业人员本人申报时为空 (N§3(2))")
    period: str
    kind: str
    region: str = Field(description="征收地区 (省直单位为220000)")
    home_region: str = Field(description="失业保险费归属的统筹地区")
    lines: int
    clamped_lines: int = Field(description="按基数上下限调整的行数")
    unit_share_payer: str = Field(
        description="unit, fiscal_budget (全额拨款事业单位, N§2 ¶2) 或 person (灵活就业人员本人缴纳全部, N§6)"
    )
    pension_unit: MoneyOut
    pension_person: MoneyOut
    unemployment_unit: MoneyOut
    unemployment_person: MoneyOut
    total: MoneyOut
    owed_pension: MoneyOut
    owed_unemployment: MoneyOut
    fee_pension: MoneyOut
    fee_unemployment: MoneyOut
    due_date: dt.date
    paid: bool
    parameters: list[UsedParameterOut] = Field(default_factory=list)
