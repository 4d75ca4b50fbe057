import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import ResidentId


class ContractIn(BaseModel):
    id_number: ResidentId
    contract_years: Decimal = Field(
        ge=0,
        le=100,
        decimal_places=1,
        description="劳动合同年限, 至多一位小数",
        # what is accepted, exactly: a number, or a decimal string of at most one place ("3", "3.5")
        json_schema_extra={
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 100},
                {"type": "string", "pattern": r"^(100(\.0)?|[0-9]{1,2}(\.[0-9])?)$"},
            ]
        },
    )


class IncentiveIn(BaseModel):
    """吸纳就业优惠认定: 期间新招用人员中长期失业且签订较长期限合同者的比例是否超过参数规定 (N§7; 参数 incentive_share, long_term_unemployed_days, incentive_contract_years)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "from_date": "2026-01-01",
                    "to_date": "2026-10-31",
                    "contracts": [{"id_number": "11010519491231002X", "contract_years": "3"}],
                }
            ]
        },
    )

    from_date: dt.date
    to_date: dt.date
    contracts: list[ContractIn] = Field(default_factory=list, description="单位申报的合同年限; 未申报者按不满足计")


class HireOut(BaseModel):
    id_number: str | None = Field(
        description="the hire's identity number as the unit gave it in contracts; null if not given"
    )
    person: str = Field(description="the keyed hash this system names the person by (the same in every service)")
    hired_on: dt.date
    counted: bool
    reason: str


class IncentiveOut(BaseModel):
    qualifies: bool
    hires: int
    counted: int
    share: Decimal
    clause: str
    parameters: list[dict[str, str]]
    decisions: list[HireOut]
