import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import CriterionOut, Money, MoneyOut


class AvailableIn(BaseModel):
    """各来源可用金额 (省录入). rolling_balance 省略时取该年初基金余额."""

    model_config = ConfigDict(extra="forbid")
    rolling_balance: Money | None = Field(default=None, description="滚存结余; 省略则取年初余额, 不得超过年初余额")
    provincial_adjustment_fund: Money = Field(default=0, description="省级调剂金")
    state_asset_income: Money = Field(default=0, description="上缴财政的国有资产经营收益")
    local_fiscal_subsidy: Money = Field(default=0, description="地方财政补助")
    bank_loan: Money = Field(default=0, description="银行贷款")


class ShortfallPlanIn(BaseModel):
    """为某地区某年度收不抵支编制弥补方案 (N§4)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "available": {
                        "provincial_adjustment_fund": "3000000.00",
                        "state_asset_income": "500000.00",
                        "local_fiscal_subsidy": "1000000.00",
                        "bank_loan": "2000000.00",
                    },
                }
            ]
        },
    )
    year: int = Field(ge=1990, le=2099)
    available: AvailableIn = Field(default_factory=AvailableIn)


class PlanLineOut(BaseModel):
    order: int
    source: str = Field(examples=["provincial_adjustment_fund"])
    title: str = Field(examples=["省级调剂金"])
    available: MoneyOut
    drawn: MoneyOut


class ShortfallPlanOut(BaseModel):
    id: int
    region: str
    year: int
    income: MoneyOut = Field(description="当年经常性收入 (不含调剂金等弥补来源)")
    expenditure: MoneyOut
    gap: MoneyOut
    lines: list[PlanLineOut] = Field(description="按法定顺序 (N§4)")
    uncovered: MoneyOut
    criteria: list[CriterionOut]
    created_by: str
    created_at: dt.datetime
    transfer_entry_id: int | None = Field(description="已执行的省级调剂金划拨分录")
    transferred_at: dt.datetime | None


class ShortfallPlanPage(BaseModel):
    items: list[ShortfallPlanOut]
