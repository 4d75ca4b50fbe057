import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from insurance_shared import (
    Conflict,
    LawDate,
    Principal,
    RegionCode,
    Role,
    Session,
    Unprocessable,
    Write,
    require_roles,
    writer,
)

from ..rules.parameters import ALL_NAMES, in_force, validate_value
from .models import ParameterRow
from .service import all_values, forget_values

router = APIRouter(prefix="/parameters", tags=["parameters"])


class ParameterIn(BaseModel):
    """新增一个自某日起生效的参数值 (费率、缴费基数上下限、滞纳金日率、缴费截止日)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "unemployment_unit_rate", "region": "220100", "value": "0.015", "valid_from": "2027-01-01"}
            ]
        },
    )

    name: str = Field(description="参数名: " + ", ".join(ALL_NAMES))
    region: RegionCode
    value: str = Field(max_length=30, description="费率为小数(0.02), 基数为元(2500.00), due_day 为日")
    valid_from: LawDate = Field(description="生效日期, 不得早于今天: 已作出的申报不受影响")


class ParameterOut(BaseModel):
    name: str
    region: str | None = Field(description="为空表示全省默认值")
    value: str
    valid_from: dt.date
    clause: str


@router.get("", response_model=list[ParameterOut], summary="查询某地区某日生效的参数")
async def list_parameters(
    session: Session,
    principal: Annotated[Principal, Depends(require_roles(Role.SOCIAL_INSURANCE, Role.PROVINCE, Role.SERVICE))],
    region: Annotated[RegionCode | None, Query()] = None,
    on: Annotated[LawDate | None, Query(description="默认今天")] = None,
) -> list[ParameterOut]:
    region = region or principal.region
    values = await all_values(session)
    out = []
    for name in ALL_NAMES:
        v = in_force(values, name, region, on or dt.date.today())
        if v is not None:
            out.append(
                ParameterOut(name=v.name, region=v.region, value=v.value, valid_from=v.valid_from, clause=v.clause)
            )
    return out


@router.post("", status_code=201, response_model=ParameterOut, summary="新增参数值 (省级)")
async def add_parameter(body: ParameterIn, w: Annotated[Write, Depends(writer(Role.PROVINCE))]):
    problem = validate_value(body.name, body.value)
    if problem:
        raise Unprocessable("invalid_parameter_value", problem, field="body.value")
    if body.valid_from < dt.date.today():
        raise Unprocessable(
            "valid_from_in_past",
            "a new value applies from today or later, so no declaration already made changes",
            field="body.valid_from",
        )
    exists = await w.session.execute(
        select(ParameterRow.id).where(
            ParameterRow.name == body.name,
            ParameterRow.region == body.region,
            ParameterRow.valid_from == body.valid_from,
        )
    )
    if exists.first():
        raise Conflict("parameter_exists", f"{body.name} for {body.region} from {body.valid_from} is already set")
    w.session.add(
        ParameterRow(
            name=body.name, region=body.region, value=body.value, valid_from=body.valid_from, created_by=w.principal.sub
        )
    )
    await w.session.flush()
    forget_values(w.session)
    w.audit("parameter.added", "parameter", f"{body.name}:{body.region}:{body.valid_from}", body.region)
    return await w.respond(
        201,
        ParameterOut(
            name=body.name,
            region=body.region,
            value=body.value,
            valid_from=body.valid_from,
            clause="set by the province",
        ),
    )
