import json
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import func, select

from insurance_shared import Principal, Problem, Session, all_regions
from insurance_shared.bus import MessageBus
from insurance_shared.db import utcnow
from insurance_shared.money import format_yuan

from ..access import readers
from ..alerts.models import Alert, AlertRecipient
from ..csv_response import CSV_DOC, csv_response
from ..funds.models import RegionStatus
from ..funds.service import refresh_stale
from ..ledger.models import JournalLine
from ..ledger.postings import ADJUSTMENT_FUND, HELD_FOR_REGIONS
from ..reconciliation.models import ReconciliationAlert
from ..rules.months import format_month
from .cache import OverviewCache, current_version
from .schemas import (
    MismatchOut,
    OpenAlertOut,
    OverviewOut,
    ProvinceOverviewOut,
    RegionOverviewOut,
    TrendPoint,
)

router = APIRouter(tags=["dashboard"])
POOLING = [r for r in all_regions() if not r.is_province]
STATIC = resources.files("fund_monitor").joinpath("dashboard/static")
# npm ci puts ECharts here (Makefile); a container image sets FUND_MONITOR_ECHARTS_JS instead
DEFAULT_ECHARTS = Path(__file__).resolve().parents[3] / "web/node_modules/echarts/dist/echarts.min.js"


async def overview(session: Session, principal: Principal, bus: MessageBus) -> OverviewOut:
    if await refresh_stale(session):  # a new month moved every window: recompute once, for everyone
        await bus.dispatch(session)  # the recomputed figures' alerts
        await session.commit()
    visible = [r for r in POOLING if principal.can_read(r.code)]
    statuses = {s.region: s for s in (await session.scalars(select(RegionStatus))).all()}
    alerts = (await session.scalars(select(Alert).where(Alert.state == "open").order_by(Alert.id))).all()
    acks: dict[int, Counter[str]] = defaultdict(Counter)
    if alerts:
        rows = (
            await session.execute(
                select(AlertRecipient.alert_id, AlertRecipient.acknowledged_at.is_not(None)).where(
                    AlertRecipient.alert_id.in_([a.id for a in alerts])
                )
            )
        ).all()
        for alert_id, done in rows:
            acks[alert_id]["all"] += 1
            acks[alert_id]["done"] += bool(done)
    by_region: dict[str, list[OpenAlertOut]] = defaultdict(list)
    for a in alerts:
        by_region[a.region].append(
            OpenAlertOut(
                id=a.id,
                level=a.level,
                month=format_month(a.month),
                capacity_months=str(a.capacity_months),
                raised_at=a.raised_at,
                recipients=acks[a.id]["all"],
                acknowledged=acks[a.id]["done"],
            )
        )
    mismatches: dict[str, list[MismatchOut]] = defaultdict(list)
    for m in (
        await session.scalars(
            select(ReconciliationAlert).where(ReconciliationAlert.state == "open").order_by(ReconciliationAlert.id)
        )
    ).all():
        mismatches[m.region].append(
            MismatchOut(id=m.id, month=format_month(m.month), differences=m.differences, raised_at=m.raised_at)
        )
    regions = []
    for r in visible:
        s = statuses.get(r.code)
        regions.append(
            RegionOverviewOut(
                region=r.code,
                name=r.name,
                as_of=format_month(s.as_of) if s else None,
                balance=s.balance_fen if s else None,
                average_expenditure=s.average_expenditure_fen if s else None,
                capacity_months=None if s is None or s.capacity_months is None else str(s.capacity_months),
                level=s.level if s else "no_data",
                trend=[TrendPoint(month=m, balance=b, capacity_months=c) for m, b, c in json.loads(s.trend)]
                if s
                else [],
                open_alerts=by_region.get(r.code, []),
                reconciliation_mismatches=mismatches.get(r.code, []),
            )
        )
    province = None
    if principal.reads_all_regions:
        held = dict(
            (
                await session.execute(
                    select(JournalLine.account, func.sum(JournalLine.amount_fen))
                    .where(JournalLine.account.in_([ADJUSTMENT_FUND, HELD_FOR_REGIONS]))
                    .group_by(JournalLine.account)
                )
            ).all()
        )
        province = ProvinceOverviewOut(
            balance=sum(s.balance_fen for s in statuses.values()),
            adjustment_fund=int(held.get(ADJUSTMENT_FUND) or 0),
            held_for_regions=-int(held.get(HELD_FOR_REGIONS) or 0),
            regions_critical=sum(1 for s in statuses.values() if s.level == "critical"),
            regions_early_warning=sum(1 for s in statuses.values() if s.level == "early_warning"),
            open_alerts=len(alerts),
            reconciliation_mismatches=sum(len(v) for v in mismatches.values()),
        )
    return OverviewOut(generated_at=utcnow(), regions=regions, province=province)


@router.get(
    "/dashboard/overview",
    response_model=OverviewOut,
    summary="全省看板: 一次返回各地区余额、支付能力、趋势、预警",
    description="Answered from memory between changes; at most `dashboard_cache_seconds` old (see generated_at).",
)
async def get_overview(request: Request, principal: Annotated[Principal, Depends(readers)]) -> Response:
    app = request.app
    cache = getattr(app.state, "overview_cache", None)
    if cache is None:
        cache = app.state.overview_cache = OverviewCache(app.state.settings.dashboard_cache_seconds)
    scope = "all" if principal.reads_all_regions else principal.region
    body = cache.get(scope)
    if body is None:
        version = current_version()
        async with app.state.db.sessionmaker() as session:  # not a dependency: a cached answer needs no session
            body = (await overview(session, principal, app.state.bus)).model_dump_json().encode()
        cache.put(scope, body, version)
    return Response(body, media_type="application/json")


@router.get("/dashboard/overview.csv", response_class=Response, responses=CSV_DOC, summary="全省看板 (CSV)")
async def overview_csv(
    request: Request, session: Session, principal: Annotated[Principal, Depends(readers)]
) -> Response:
    o = await overview(session, principal, request.app.state.bus)
    return csv_response(
        "overview.csv",
        ["region", "name", "as_of", "balance", "average_expenditure", "capacity_months", "level", "open_alerts"],
        (
            [
                r.region,
                r.name,
                r.as_of,
                None if r.balance is None else format_yuan(r.balance),
                None if r.average_expenditure is None else format_yuan(r.average_expenditure),
                r.capacity_months,
                r.level,
                " ".join(f"{a.id}:{a.level}" for a in r.open_alerts),
            ]
            for r in o.regions
        ),
    )


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
async def page() -> HTMLResponse:
    return HTMLResponse(STATIC.joinpath("index.html").read_text("utf-8"))


_ASSETS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}


@router.get("/dashboard/assets/{name}", include_in_schema=False)
async def asset(name: str, request: Request) -> Response:
    if name == "echarts.min.js":
        configured = request.app.state.settings.echarts_js
        path = Path(configured) if configured else DEFAULT_ECHARTS
        if not path.is_file():
            raise Problem(
                503,
                "dashboard_assets_missing",
                "Service Unavailable",
                f"ECharts is not installed at {path}; run `make venv` (npm ci in services/fund-monitor/web) "
                "or set FUND_MONITOR_ECHARTS_JS",
            )
        return FileResponse(path, media_type="text/javascript", headers={"cache-control": "max-age=86400"})
    if name not in _ASSETS:
        raise Problem(404, "not_found", "Not Found", f"no dashboard asset {name}")
    return Response(STATIC.joinpath(name).read_text("utf-8"), media_type=_ASSETS[name])
