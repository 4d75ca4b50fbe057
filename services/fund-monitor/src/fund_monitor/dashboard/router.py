from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from insurance_shared import Principal, Problem, Session, format_yuan

from ..access import readers
from ..csv_response import CSV_DOC, csv_response
from . import service
from .cache import OverviewCache, current_version
from .schemas import (
    OverviewOut,
)

router = APIRouter(tags=["dashboard"])
STATIC = resources.files("fund_monitor").joinpath("dashboard/static")
# npm ci puts ECharts here (Makefile); a container image sets FUND_MONITOR_ECHARTS_JS instead
DEFAULT_ECHARTS = Path(__file__).resolve().parents[3] / "web/node_modules/echarts/dist/echarts.min.js"


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
            body = (await service.overview(session, principal)).model_dump_json().encode()
        cache.put(scope, body, version)
    return Response(body, media_type="application/json")


@router.get("/dashboard/overview.csv", response_class=Response, responses=CSV_DOC, summary="全省看板 (CSV)")
async def overview_csv(
    request: Request, session: Session, principal: Annotated[Principal, Depends(readers)]
) -> Response:
    o = await service.overview(session, principal)
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
