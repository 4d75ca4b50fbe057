from fastapi import FastAPI

from insurance_shared import Database
from insurance_shared.app import build_service_app

from .settings import Settings


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    return build_service_app(
        name="fund-monitor",
        package="fund_monitor",
        title="基金监测服务 (fund-monitor)",
        description=(
            "失业保险基金收支、支付能力、低于两个月预警、缺口弥补方案、全省监测 (N§2, N§4, N§8). "
            "Fund flows, payment capacity, alerts, shortfall plans, provincial dashboard."
        ),
        settings=settings or Settings(),
        database=database,
        routers=[],
        tags=[],
    )
