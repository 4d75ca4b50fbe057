import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from insurance_shared import (
    Principal,
    RegionCode,
    Session,
    Write,
    all_regions,
    get_region,
)

from ..access import MonthQuery, not_future_month, province_writer, readers
from ..csv_response import CSV_DOC, csv_response
from ..rules.months import format_month, month_of
from . import service
from .schemas import AllocationIn, AllocationOut, RegionUptakeOut, UptakeOut, uptake_out

router = APIRouter(tags=["reemployment_funds"])
POOLING = [r.code for r in all_regions() if not r.is_province]


async def _rows(session, principal: Principal, month: str | None):
    m = not_future_month(month, "query.month", dt.date.today()) or month_of(dt.date.today())
    return m, await service.uptake(session, [r for r in POOLING if principal.can_read(r)], m)


@router.get(
    "/reemployment-funds",
    response_model=UptakeOut,
    summary="再就业资金与社会保险补贴落实情况 (按地区, N§6)",
    description="Kept apart from the unemployment-insurance fund: the year's allocation, the subsidy paid from it, "
    "the share used, and a flag for a region that paid no subsidy in the whole of the last complete quarter.",
)
async def uptake(session: Session, principal: Annotated[Principal, Depends(readers)], month: MonthQuery = None):
    m, rows = await _rows(session, principal, month)
    return UptakeOut(
        month=format_month(m),
        regions=[
            RegionUptakeOut(region=u.region, name=get_region(u.region).name, **uptake_out(u).model_dump()) for u in rows
        ],
    )


@router.get("/reemployment-funds.csv", response_class=Response, responses=CSV_DOC, summary="社会保险补贴落实情况 (CSV)")
async def uptake_csv(session: Session, principal: Annotated[Principal, Depends(readers)], month: MonthQuery = None):
    m, rows = await _rows(session, principal, month)
    return csv_response(
        f"reemployment-funds-{format_month(m)}.csv",
        [
            "month",
            "region",
            "name",
            "year",
            "budget_fen",
            "spent_fen",
            "budget_used",
            "person_months",
            "people_last_run",
            "quarter",
            "quarter_fen",
            "uptake_zero",
        ],
        (
            [
                format_month(m),
                u.region,
                get_region(u.region).name,
                u.year,
                u.budget_fen,
                u.spent_fen,
                u.budget_used,
                u.person_months,
                u.people_last_run,
                u.quarter,
                u.quarter_fen,
                u.flagged,
            ]
            for u in rows
        ),
    )


@router.post(
    "/reemployment-funds/{region}/allocations",
    status_code=201,
    response_model=AllocationOut,
    summary="录入再就业资金安排 (省级)",
)
async def allocate(
    region: Annotated[RegionCode, Path()], body: AllocationIn, w: Annotated[Write, Depends(province_writer)]
):
    row = await service.allocate(w.session, w.principal, region, body.year, body.amount, body.reference)
    w.audit("reemployment_funds.allocated", "reemployment_allocation", str(row.id), region)
    return await w.respond(201, AllocationOut.model_validate(row))
