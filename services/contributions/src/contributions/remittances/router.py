import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import MoneyOut, Role, Unprocessable, Write, writer

from ..rules.periods import format_period, parse_period
from . import service

router = APIRouter(prefix="/remittances", tags=["remittances"])


class RunIn(BaseModel):
    """省直单位失业保险费划转: 按月执行, 同月重复执行不重复划转 (N§3(4))."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"month": "2026-10"}]})

    month: str = Field(
        pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="划转所含收款截至的月份 YYYY-MM, 须已结束"
    )


class RemittanceOut(BaseModel):
    id: int
    month: str
    home_region: str
    amount: MoneyOut
    allocation_ids: list[int] = Field(description="所含缴费分配 (可追溯到每笔收款)")


class RunOut(BaseModel):
    month: str
    created: bool = Field(description="false: 本月此前已执行, 返回已有结果")
    remittances: list[RemittanceOut]


@router.post("/run", response_model=RunOut, summary="执行月度划转 (省级)")
async def run(body: RunIn, w: Annotated[Write, Depends(writer(Role.PROVINCE))]):
    month = parse_period(body.month)
    if month >= dt.date.today().replace(day=1):
        raise Unprocessable("month_not_ended", f"{body.month} has not ended yet", field="body.month")
    remittances, created = await service.run(w.session, month)
    out = []
    for r in remittances:
        ids = await service.allocation_ids(w.session, r.id)
        out.append(
            RemittanceOut(
                id=r.id,
                month=format_period(r.month),
                home_region=r.home_region,
                amount=r.amount,
                allocation_ids=list(ids),
            )
        )
    w.audit("remittance.run", "remittance_month", body.month, "220000")
    return await w.respond(200, RunOut(month=body.month, created=created, remittances=out))
