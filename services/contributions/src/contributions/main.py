from fastapi import FastAPI

from insurance_shared import Database
from insurance_shared.app import build_service_app

from .settings import Settings
from .units.router import router as units_router


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    return build_service_app(
        name="contributions",
        package="contributions",
        title="缴费服务 (contributions)",
        description=(
            "养老保险费与失业保险费合并征收、分别记账 (吉政办发〔2005〕58号 三); 用人单位登记、参保、申报、缴费、"
            "省直单位划转、欠费与扩面. Merged collection into separate pension and unemployment ledgers."
        ),
        settings=settings or Settings(),
        database=database,
        routers=[units_router],
        tags=[{"name": "units", "description": "用人单位登记与查询 (N§2)"}],
    )
