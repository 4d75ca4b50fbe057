from fastapi import FastAPI

from insurance_shared import AppealSupport, Database, build_service_app
from insurance_shared.contracts import LayoffAppealStep

from .filings.router import router as filings_router
from .incentives.router import router as incentives_router
from .models import load_all
from .parameters_router import router as parameters_router
from .rehire.consumers import handlers
from .rehire.router import router as units_router
from .settings import Settings

load_all()


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
        routers=[filings_router, units_router, incentives_router, parameters_router],
        handlers=handlers,
        # a unit may appeal a filing's judgement or a rehire breach: overturned, the decision is replaced on the
        # record (the breach then no longer stands against the unit); nothing else follows from them here
        appeals=AppealSupport(LayoffAppealStep),
        tags=[
            {"name": "filings", "description": "规模裁员报告: 阈值、提前报告、征求意见、状态 (N§7)"},
            {"name": "units", "description": "单位职工、优先录用名单与违规、吸纳就业认定 (N§7; LL27)"},
            {"name": "parameters", "description": "参数: 按日期生效, 含依据与历史; 省级可新增"},
        ],
    )
