from fastapi import FastAPI

from insurance_shared import Database
from insurance_shared.app import build_service_app

from .settings import Settings


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    return build_service_app(
        name="layoff-reporting",
        package="layoff_reporting",
        title="裁员报告服务 (layoff-reporting)",
        description=(
            "企业规模裁员提前30日报告、征求工会意见、优先录用、吸纳就业激励 (N§7, LL27). "
            "Mass-layoff filings, thresholds, consultation, rehire priority, hiring incentives."
        ),
        settings=settings or Settings(),
        database=database,
        routers=[],
        tags=[],
    )
