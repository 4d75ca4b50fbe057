import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from insurance_shared import CriterionOut, Principal, RegionCode, Session, Unprocessable, criterion_dict, format_yuan

from ..access import FromMonthQuery, MonthQuery, not_future_month, readers
from ..csv_response import CSV_DOC, csv_response
from ..rules import alerts as alert_rules
from ..rules import parameters as P
from ..rules.capacity import explain
from ..rules.months import format_month
from . import service
from .schemas import CapacityOut, LayoffTermOut, MonthOut, MonthsOut, ProjectedMonthOut, ProjectionOut

router = APIRouter(tags=["funds"])
RegionPath = Annotated[RegionCode, Path()]


def _criteria(items) -> list[CriterionOut]:
    return [CriterionOut(**criterion_dict(c)) for c in items]


def month_out(row: service.MonthRow) -> MonthOut:
    cap = row.capacity
    assert cap is not None
    return MonthOut(
        month=format_month(row.month),
        opening=row.opening_fen,
        income=row.income,
        expenditure=row.expenditure,
        income_total=row.income_fen,
        expenditure_total=row.expenditure_fen,
        closing_balance=row.closing_balance_fen,
        average_expenditure=cap.average_expenditure_fen,
        capacity_months=None if cap.months is None else str(cap.months),
    )


async def _months(
    session: Session, principal: Principal, region: str, from_: str | None, to: str | None
) -> list[service.MonthRow]:
    principal.ensure_readable(region, "region", region)
    today = dt.date.today()
    first = not_future_month(from_, "query.from", today)
    last = not_future_month(to, "query.to", today)
    if first and last and first > last:
        raise Unprocessable("empty_range", f"from {from_} is after to {to}", field="query.from")
    hist = await service.history(session, region, today)
    return [r for r in hist.rows if (first is None or r.month >= first) and (last is None or r.month <= last)]


@router.get("/regions/{region}/months", response_model=MonthsOut, summary="地区基金逐月收支、余额与支付能力")
async def months(
    region: RegionPath,
    session: Session,
    principal: Annotated[Principal, Depends(readers)],
    from_: FromMonthQuery = None,
    to: MonthQuery = None,
) -> MonthsOut:
    return MonthsOut(region=region, items=[month_out(r) for r in await _months(session, principal, region, from_, to)])


@router.get(
    "/regions/{region}/months.csv", response_class=Response, responses=CSV_DOC, summary="地区基金逐月收支 (CSV)"
)
async def months_csv(
    region: RegionPath,
    session: Session,
    principal: Annotated[Principal, Depends(readers)],
    from_: FromMonthQuery = None,
    to: MonthQuery = None,
) -> Response:
    rows = await _months(session, principal, region, from_, to)
    kinds_in = sorted({k for r in rows for k in r.income})
    kinds_out = sorted({k for r in rows for k in r.expenditure})
    header = ["month", "opening", *(f"income_{k}" for k in kinds_in), *(f"expenditure_{k}" for k in kinds_out)]
    header += ["income_total", "expenditure_total", "closing_balance", "average_expenditure", "capacity_months"]
    return csv_response(
        f"fund-months-{region}.csv",
        header,
        (
            [
                format_month(r.month),
                format_yuan(r.opening_fen),
                *(format_yuan(r.income.get(k, 0)) for k in kinds_in),
                *(format_yuan(r.expenditure.get(k, 0)) for k in kinds_out),
                format_yuan(r.income_fen),
                format_yuan(r.expenditure_fen),
                format_yuan(r.closing_balance_fen),
                format_yuan(r.capacity.average_expenditure_fen),
                r.capacity.months,
            ]
            for r in rows
            if r.capacity is not None
        ),
    )


@router.get("/regions/{region}/capacity", response_model=CapacityOut, summary="地区当前支付能力及预警判定 (N§8)")
async def capacity(
    region: RegionPath, session: Session, principal: Annotated[Principal, Depends(readers)]
) -> CapacityOut:
    principal.ensure_readable(region, "region", region)
    today = dt.date.today()
    hist = await service.history(session, region, today)
    if not hist.rows:
        raise Unprocessable("no_fund_data", f"region {region} has no fund movements yet", field="path.region")
    last = hist.rows[-1]
    assert last.capacity is not None
    params = P.in_force(region, today, await service.parameter_values(session))
    decisions = alert_rules.tiers(last.capacity.months, params)
    return CapacityOut(
        region=region,
        month=format_month(last.month),
        balance=last.closing_balance_fen,
        average_expenditure=last.capacity.average_expenditure_fen,
        window_months=last.capacity.window_months,
        capacity_months=None if last.capacity.months is None else str(last.capacity.months),
        level=service.level_of(last.capacity, decisions),
        criteria=_criteria([explain(last.capacity, params), *(d.criterion for d in decisions)]),
    )


@router.get(
    "/regions/{region}/projection", response_model=ProjectionOut, summary="未来六个月预测, 含已报告裁员的预计支出"
)
async def projection(
    region: RegionPath, session: Session, principal: Annotated[Principal, Depends(readers)]
) -> ProjectionOut:
    principal.ensure_readable(region, "region", region)
    p = await service.projection(session, region)
    return ProjectionOut(
        region=region,
        as_of=format_month(p.as_of),
        opening_balance=p.opening_balance_fen,
        average_benefit=p.average_benefit_fen,
        average_benefit_source=p.average_benefit_source,
        runs_out=None if p.runs_out is None else format_month(p.runs_out),
        months=[
            ProjectedMonthOut(
                month=format_month(m.month),
                baseline_income=m.baseline_income_fen,
                baseline_expenditure=m.baseline_expenditure_fen,
                layoff_cost=m.layoff_cost_fen,
                closing_balance=m.closing_balance_fen,
                capacity_months=None if m.capacity_months is None else str(m.capacity_months),
            )
            for m in p.months
        ],
        layoffs=[
            LayoffTermOut(
                filing_id=t.filing_id,
                unit_credit_code=t.unit_credit_code,
                people=t.people,
                executed=t.executed,
                claim_share=str(t.claim_share),
                expected_claimants=t.expected_claimants,
                claimed=t.claimed,
                remaining_claimants=t.remaining_claimants,
                average_benefit=t.average_benefit_fen,
                expected_months=t.expected_months,
                first_benefit_month=format_month(t.first_benefit_month),
                total_expected_cost=t.total_expected_cost_fen,
                cost_in_horizon=t.cost_in_horizon_fen,
            )
            for t in p.layoffs
        ],
        criteria=_criteria(p.criteria),
    )
