import dataclasses
import datetime as dt
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from insurance_shared import Forbidden, Principal, RegionCode, Session, Write, all_regions, month_range, problem_doc

from ..access import MONTH_PATTERN, province_writer, readers
from ..rules.months import format_month, month_of
from . import repository, service
from .schemas import CheckIn, CheckOut, DifferenceOut, MismatchAlertOut, ReconciliationOut, SumOut

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"])
_unreachable = {503: problem_doc("来源服务不可达 (source_unreachable): 未作比较")}


def _region_for(principal: Principal, region: str | None) -> str | None:
    if region is None:
        return None if principal.reads_all_regions else principal.region
    if not principal.can_read(region):
        raise Forbidden("region_forbidden", f"a token of region {principal.region} may not read region {region}")
    return region


def report_out(result: service.Report) -> ReconciliationOut:
    return ReconciliationOut(
        from_month=format_month(result.first),
        to_month=format_month(month_of(result.after - dt.timedelta(days=1))),
        region=result.region,
        balanced=not result.differences,
        sums=[
            SumOut(
                region=s.region,
                month=s.month,
                kind=s.kind,
                booked=s.booked_fen,
                source=s.source_fen,
                difference=s.difference_fen,
            )
            for s in result.sums
        ],
        differences=[_difference(dataclasses.asdict(d)) for d in result.differences],
    )


def _difference(d: dict) -> DifferenceOut:
    return DifferenceOut(
        problem=d["problem"],
        key=d["key"],
        kind=d["kind"],
        region=d["region"],
        month=d["month"],
        booked=d["booked_fen"],
        source=d["source_fen"],
        explanation=d["explanation"],
    )


@router.get(
    "",
    response_model=ReconciliationOut,
    summary="对账: 账簿与来源服务逐笔核对 (只读)",
    description=(
        "Compares, per region, month and kind, what fund-monitor booked with what contributions and claims say they "
        "collected or paid (their `GET /totals`, read now over HTTP), movement by movement: every difference is "
        "named (missing, unexpected, different_amount, misplaced) with the journal key of the movement. Writes "
        "nothing; `POST /reconciliation/checks` records alerts. A city's token sees its own region."
    ),
    responses=_unreachable,
)
async def reconciliation(
    request: Request,
    session: Session,
    principal: Annotated[Principal, Depends(readers)],
    from_month: Annotated[str, Query(alias="from", pattern=MONTH_PATTERN, examples=["2026-10"])],
    to_month: Annotated[str, Query(alias="to", pattern=MONTH_PATTERN, examples=["2026-11"])],
    region: Annotated[RegionCode | None, Query()] = None,
) -> ReconciliationOut:
    first, after = month_range(from_month, to_month)
    result = await service.report(session, request.app.state, first, after, _region_for(principal, region))
    return report_out(result)


@router.post(
    "/checks",
    response_model=CheckOut,
    summary="对账并记录预警 (省级; 定时任务亦按上月执行)",
    description=(
        "Runs the reconciliation for every region over the months and records the outcome: a region's month with "
        "differences raises a `reconciliation_mismatch` alert to the provincial labor department and social-"
        "insurance company (event `fund_monitor.reconciliation_mismatch.v1`), kept up to date by later checks and "
        "closed when one finds no difference. Role `province`."
    ),
    responses=_unreachable,
)
async def check(body: CheckIn, request: Request, w: Annotated[Write, Depends(province_writer)]):
    first, after = month_range(body.from_month, body.to_month)
    result = await service.report(w.session, request.app.state, first, after, None)
    raised, closed = await service.record(w.session, result, [r.code for r in all_regions()])
    w.audit("reconciliation.checked", "reconciliation", f"{body.from_month}..{body.to_month}", None)
    return await w.respond(200, CheckOut(raised=raised, closed=closed, report=report_out(result)))


@router.get("/alerts", response_model=list[MismatchAlertOut], summary="对账差异预警")
async def alerts(
    session: Session,
    principal: Annotated[Principal, Depends(readers)],
    state: Annotated[Literal["open", "closed"] | None, Query()] = "open",
    region: Annotated[RegionCode | None, Query()] = None,
) -> list[MismatchAlertOut]:
    return [
        MismatchAlertOut(
            id=a.id,
            region=a.region,
            month=format_month(a.month),
            state=a.state,
            differences=a.differences,
            raised_at=a.raised_at,
            checked_at=a.checked_at,
            closed_at=a.closed_at,
            detail=[_difference(d) for d in json.loads(a.detail)],
        )
        for a in await repository.alerts(session, _region_for(principal, region), state)
    ]
