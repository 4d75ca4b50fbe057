import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from insurance_shared import CreditCode, RegionCode

from .models import UnitKind

_UNIT_EXAMPLE = {
    "credit_code": "91220101MA0Y3XXK87",
    "name": "长春市一汽配套零部件有限公司",
    "kind": "enterprise",
    "region": "220100",
    "home_region": None,
    "fully_budget_funded": False,
    "provincial_direct": False,
    "declared_staff": 120,
}


class UnitCreate(BaseModel):
    """用人单位登记."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_UNIT_EXAMPLE]})

    credit_code: CreditCode
    name: str = Field(min_length=1, max_length=200, title="单位名称")
    kind: UnitKind = Field(title="单位类型", description="企业、事业单位、非公经济组织、有雇工的个体工商户 (N§2)")
    region: RegionCode = Field(title="统筹地区", description="省直单位为 220000")
    home_region: RegionCode | None = Field(default=None, title="省直单位所属统筹地区 (划转失业保险费的去向)")
    fully_budget_funded: StrictBool = Field(default=False, title="全额拨款事业单位 (单位缴费由财政预算支付, N§2 ¶2)")
    provincial_direct: StrictBool = Field(default=False, title="省直行业统筹单位 (N§3(4))")
    declared_staff: int = Field(ge=0, le=10_000_000, title="申报职工总数")


class UnitOut(BaseModel):
    """用人单位."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [{**_UNIT_EXAMPLE, "created_at": "2026-01-05T08:00:00Z", "updated_at": "2026-01-05T08:00:00Z"}]
        },
    )

    credit_code: str
    name: str
    kind: UnitKind
    region: str
    home_region: str | None
    fully_budget_funded: bool
    provincial_direct: bool
    declared_staff: int
    created_at: dt.datetime
    updated_at: dt.datetime


class UnitPage(BaseModel):
    """一页用人单位; 用 next_cursor 取下一页."""

    items: list[UnitOut]
    next_cursor: str | None = Field(description="下一页游标; 为空表示没有更多", examples=["120"])


class UnitUpdate(BaseModel):
    """修改用人单位信息 (只改给出的字段). 统一社会信用代码与统筹地区不可改: 迁移请注销后重新登记."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "新名称", "declared_staff": 140}]}
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: UnitKind | None = None
    fully_budget_funded: StrictBool | None = None
    declared_staff: int | None = Field(default=None, ge=0, le=10_000_000)
