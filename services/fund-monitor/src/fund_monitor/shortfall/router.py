import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from insurance_shared import CriterionOut, Principal, RegionCode, Session, Write, problem_doc

from ..access import ObjectId, province_writer, readers
from . import service
from .models import ShortfallPlan
from .schemas import PlanLineOut, ShortfallPlanIn, ShortfallPlanOut, ShortfallPlanPage

router = APIRouter(tags=["shortfall"])


def out(p: ShortfallPlan) -> ShortfallPlanOut:
    return ShortfallPlanOut(
        id=p.id,
        region=p.region,
        year=p.year,
        income=p.income_fen,
        expenditure=p.expenditure_fen,
        gap=p.gap_fen,
        lines=[
            PlanLineOut(
                order=ln["order"],
                source=ln["source"],
                title=ln["title"],
                available=ln["available_fen"],
                drawn=ln["drawn_fen"],
            )
            for ln in json.loads(p.lines)
        ],
        uncovered=p.uncovered_fen,
        criteria=[CriterionOut(**c) for c in json.loads(p.decision)],
        created_by=p.created_by,
        created_at=p.created_at,
        transfer_entry_id=p.transfer_entry_id,
        transferred_at=p.transferred_at,
    )


@router.post(
    "/regions/{region}/shortfall-plans",
    status_code=201,
    response_model=ShortfallPlanOut,
    summary="编制收不抵支弥补方案 (N§4, 省)",
    responses={409: problem_doc("当年收入足以支付支出 (no_shortfall)")},
)
async def create_plan(
    region: Annotated[RegionCode, Path()], body: ShortfallPlanIn, w: Annotated[Write, Depends(province_writer)]
):
    plan = await service.create(w.session, w.principal, region, body, dt.date.today())
    w.audit("shortfall.planned", "shortfall_plan", str(plan.id), region)
    return await w.respond(201, out(plan), location=f"/shortfall-plans/{plan.id}")


@router.get("/regions/{region}/shortfall-plans", response_model=ShortfallPlanPage, summary="地区的弥补方案")
async def list_plans(
    region: Annotated[RegionCode, Path()], session: Session, principal: Annotated[Principal, Depends(readers)]
) -> ShortfallPlanPage:
    principal.ensure_readable(region, "region", region)
    rows = await service.plans_of(session, region)
    return ShortfallPlanPage(items=[out(p) for p in rows])


@router.get("/shortfall-plans/{plan_id}", response_model=ShortfallPlanOut, summary="查询弥补方案")
async def get_plan(
    plan_id: ObjectId, session: Session, principal: Annotated[Principal, Depends(readers)]
) -> ShortfallPlanOut:
    return out(await service.get_for(session, principal, plan_id))


@router.post(
    "/shortfall-plans/{plan_id}/adjustment-transfer",
    status_code=201,
    response_model=ShortfallPlanOut,
    summary="执行方案中的省级调剂金划拨 (记账: 调剂金 → 地区基金)",
    responses={
        409: problem_doc(
            "已划拨、无需划拨或调剂金余额不足 (already_transferred, nothing_to_transfer, insufficient_adjustment_fund)"
        )
    },
)
async def adjustment_transfer(plan_id: ObjectId, w: Annotated[Write, Depends(province_writer)]):
    plan = await service.transfer(w.session, w.principal, plan_id, dt.date.today())
    w.audit("shortfall.adjustment_transferred", "shortfall_plan", str(plan.id), plan.region)
    return await w.respond(201, out(plan), location=f"/shortfall-plans/{plan.id}")
