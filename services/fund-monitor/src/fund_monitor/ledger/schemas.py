import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import Money, MoneyOut

# the books this system keeps start with the notice (2005): an earlier date is a typing error
EARLIEST = dt.date(2005, 1, 1)


class OpeningBalanceIn(BaseModel):
    """期初余额: 系统接管账目时基金的余额 (省级地区 220000 为省级调剂金)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"as_of": "2024-01-01", "amount": "52000000.00"}]},
    )
    as_of: dt.date = Field(ge=EARLIEST, description="余额所属日期, 不得晚于今天")
    amount: Money


class IncomeIn(BaseModel):
    """手工录入的基金收入: 利息、财政补贴."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "interest", "amount": "125000.00", "booked_on": "2026-06-30", "reference": "2026Q2-interest"}
            ]
        },
    )
    kind: Literal["interest", "fiscal_subsidy"]
    amount: Money = Field(description="大于零")
    booked_on: dt.date = Field(ge=EARLIEST)
    reference: str = Field(
        min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._\-]+$", description="凭证号, 同一地区同一种收入内唯一"
    )


class LineOut(BaseModel):
    account: str = Field(examples=["fund:220100"])
    amount: MoneyOut = Field(description="借方为正, 贷方为负")


class EntryOut(BaseModel):
    id: int
    region: str
    kind: str
    booked_on: dt.date = Field(ge=EARLIEST)
    source: str
    description: str
    lines: list[LineOut]


class EntryPage(BaseModel):
    items: list[EntryOut]
    next_cursor: str | None


class AccountBalanceOut(BaseModel):
    account: str
    balance: MoneyOut


class TrialBalanceOut(BaseModel):
    """试算平衡: 借方合计恒等于贷方合计."""

    debits: MoneyOut
    credits: MoneyOut
    balanced: bool
    accounts: list[AccountBalanceOut]
