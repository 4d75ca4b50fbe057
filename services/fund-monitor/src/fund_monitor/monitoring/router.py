import dataclasses
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from insurance_shared import (
    PROVINCE,
    CriterionOut,
    Principal,
    RegionCode,
    Session,
    all_regions,
    criterion_dict,
    get_region,
)

from ..access import MonthQuery, not_future_month, readers
from ..csv_response import CSV_DOC, csv_response
from ..reemployment import service as reemployment
from ..reemployment.schemas import uptake_out
from ..rules.months import format_month, month_of
from . import service
from .schemas import MonitoringOut, RegionMonthOut

router = APIRouter(tags=["monitoring"])

POOLING = [r.code for r in all_regions() if not r.is_province]


def out(r: service.RegionMonth, subsidy: reemployment.RegionUptake | None = None) -> RegionMonthOut:
    return RegionMonthOut(
        region=r.region,
        name=get_region(r.region).name,
        registered_unemployed=r.registered_unemployed,
        new_claims=r.new_claims,
        drawing_benefits=r.drawing_benefits,
        filed_layoffs=r.filed_layoffs,
        layoff_people=r.layoff_people,
        insured=r.insured,
        insured_year_ago=r.insured_year_ago,
        insured_change=r.insured - r.insured_year_ago,
        insured_not_rising=r.insured_flagged,
        coverage=CriterionOut(**criterion_dict(r.coverage)),
        si_subsidy=uptake_out(subsidy) if subsidy is not None else None,
    )


async def _figures(session: Session, principal: Principal, month: str | None) -> tuple[dt.date, list, object, dict]:
    today = dt.date.today()
    m = not_future_month(month, "query.month", today) or month_of(today)
    regions = [r for r in POOLING if principal.can_read(r)]
    rows = await service.month_figures(session, regions, m)
    total = service.province_total(rows) if principal.reads_all_regions else None
    subsidies = {u.region: u for u in await reemployment.uptake(session, regions, m)}
    return m, rows, total, subsidies


@router.get("/monitoring", response_model=MonitoringOut, summary="失业监测: 各地区及全省 (N§8)")
async def monitoring(
    session: Session, principal: Annotated[Principal, Depends(readers)], month: MonthQuery = None
) -> MonitoringOut:
    m, rows, total, subsidies = await _figures(session, principal, month)
    return MonitoringOut(
        month=format_month(m),
        regions=[out(r, subsidies.get(r.region)) for r in rows],
        province=out(total) if total else None,
    )


@router.get("/monitoring.csv", response_class=Response, responses=CSV_DOC, summary="失业监测 (CSV)")
async def monitoring_csv(
    session: Session, principal: Annotated[Principal, Depends(readers)], month: MonthQuery = None
) -> Response:
    m, rows, total, subsidies = await _figures(session, principal, month)
    fields = [f.name for f in dataclasses.fields(service.RegionMonth) if f.name != "coverage"]

    def subsidy(region: str) -> list[object]:
        u = subsidies.get(region)
        return [u.spent_fen, u.people_last_run, u.budget_used, u.flagged] if u else [None, None, None, None]

    return csv_response(
        f"monitoring-{format_month(m)}.csv",
        [
            "month",
            *fields,
            "name",
            "insured_not_rising",
            "si_subsidy_spent_fen",
            "si_subsidy_people_last_run",
            "si_subsidy_budget_used",
            "si_subsidy_uptake_zero",
        ],
        (
            [
                format_month(m),
                *(getattr(r, f) for f in fields),
                get_region(r.region).name,
                r.insured_flagged,
                *subsidy(r.region),
            ]
            for r in [*rows, *([total] if total else [])]
        ),
    )


@router.get("/regions/{region}/monitoring", response_model=RegionMonthOut, summary="一个地区的失业监测指标")
async def region_monitoring(
    region: Annotated[RegionCode, Path()],
    session: Session,
    principal: Annotated[Principal, Depends(readers)],
    month: MonthQuery = None,
) -> RegionMonthOut:
    principal.ensure_readable(region, "region", region)
    m = not_future_month(month, "query.month", dt.date.today()) or month_of(dt.date.today())
    if region == PROVINCE:
        return out(service.province_total(await service.month_figures(session, POOLING, m)))
    (subsidy,) = await reemployment.uptake(session, [region], m)
    return out((await service.month_figures(session, [region], m))[0], subsidy)
