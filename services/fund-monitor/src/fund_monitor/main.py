import asyncio
import contextlib
import logging

from fastapi import FastAPI

from insurance_shared import Database, MessageBus, build_service_app

from .alerts.metrics import alert_gauges
from .alerts.router import router as alerts_router
from .alerts.service import on_figures
from .alerts.webhooks import run_forever
from .consumers import handlers
from .dashboard.cache import on_overview_changed
from .dashboard.router import router as dashboard_router
from .funds.router import router as funds_router
from .funds.service import keep_months_current, on_funds_moved
from .ledger.router import router as ledger_router
from .messages import FiguresRecomputed, FundsMoved, OverviewChanged
from .models import load_all
from .monitoring.router import router as monitoring_router
from .parameters_router import router as parameters_router
from .reconciliation.router import router as reconciliation_router
from .reconciliation.service import run_forever as reconcile_forever
from .reemployment.router import router as reemployment_router
from .settings import DEV_WEBHOOK_SECRET, Settings
from .shortfall.router import router as shortfall_router

load_all()
log = logging.getLogger(__name__)

# money moved → figures recomputed → alerts evaluated → overview dropped: each feature publishes, the one above
# handles; the wiring lives here so that imports only go down
bus = MessageBus()
bus.on(FundsMoved, on_funds_moved)
bus.on(FiguresRecomputed, on_figures)
bus.on(OverviewChanged, on_overview_changed)
handlers.at_batch_end(bus.dispatch)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.webhook_secret.get_secret_value() == DEV_WEBHOOK_SECRET and settings.alert_webhooks:
        log.warning("fund-monitor signs webhooks with the development secret; set FUND_MONITOR_WEBHOOK_SECRET")

    async def start_webhooks(app: FastAPI) -> None:
        app.state.webhook_task = None
        app.state.reconciliation_task = None
        app.state.month_turn_task = None
        if settings.background_tasks:
            app.state.month_turn_task = asyncio.create_task(
                keep_months_current(app.state.db, bus, settings.month_turn_check_seconds)
            )
        if settings.background_tasks and settings.reconciliation_interval_seconds > 0:
            app.state.reconciliation_task = asyncio.create_task(
                reconcile_forever(app.state.db, app.state, settings.reconciliation_interval_seconds)
            )
        if settings.background_tasks:
            app.state.webhook_task = asyncio.create_task(
                run_forever(
                    app.state.db,
                    settings.alert_webhooks,
                    secret=settings.webhook_secret.get_secret_value(),
                    interval_seconds=settings.webhook_poll_seconds,
                    max_attempts=settings.webhook_max_attempts,
                    base_delay=settings.webhook_base_delay_seconds,
                )
            )

    async def stop_webhooks(app: FastAPI) -> None:
        for task in (app.state.webhook_task, app.state.reconciliation_task, app.state.month_turn_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return build_service_app(
        name="fund-monitor",
        package="fund_monitor",
        title="基金监测服务 (fund-monitor)",
        description=(
            "失业保险基金收支、支付能力、低于两个月预警、缺口弥补方案、全省监测 (N§2, N§4, N§8). "
            "Fund flows, payment capacity, alerts, shortfall plans, provincial dashboard (page at /dashboard)."
        ),
        settings=settings,
        database=database,
        routers=[
            dashboard_router,
            funds_router,
            alerts_router,
            shortfall_router,
            monitoring_router,
            ledger_router,
            reconciliation_router,
            reemployment_router,
            parameters_router,
        ],
        handlers=handlers,
        bus=bus,
        on_startup=[start_webhooks],
        on_shutdown=[stop_webhooks],
        on_scrape=[alert_gauges],
        tags=[
            {"name": "dashboard", "description": "全省看板: 一次返回各地区余额、支付能力、趋势、预警; CSV 导出"},
            {"name": "funds", "description": "地区基金逐月收支、余额、支付能力 (N§8) 及六个月预测"},
            {"name": "alerts", "description": "支付能力低于两个月预警: 三方接收、确认、推送记录 (N§8)"},
            {"name": "shortfall", "description": "收不抵支弥补方案, 按法定顺序 (N§4)"},
            {"name": "monitoring", "description": "失业监测: 登记失业、新登记、领金人数、裁员、参保同比 (N§2, N§8)"},
            {"name": "ledger", "description": "复式记账: 期初余额、利息与财政补贴、分录、试算平衡"},
            {"name": "parameters", "description": "参数: 按日期生效, 含依据与历史; 省级可新增"},
            {
                "name": "reemployment_funds",
                "description": "再就业资金: 与失业保险基金分开, 当年安排、社会保险补贴支出、落实情况 (N§6)",
            },
            {"name": "reconciliation", "description": "对账: 账簿与缴费、待遇服务所称收付逐笔核对, 差异预警"},
        ],
    )
