from fastapi import FastAPI

from insurance_shared import Database, MessageBus, build_service_app

from .appeals import APPEALS
from .claims.messages import ClaimStoppedFor
from .claims.router import router as claims_router
from .claims.service import stop_on_flexible_work, stop_on_reemployment
from .history.consumers import handlers
from .history.messages import FlexibleWorkSeen, ReemploymentSeen
from .models import load_all
from .parameters_router import router as parameters_router
from .payments.metrics import payment_gauges
from .payments.router import router as payments_router
from .payments.service import withdraw_after_stop
from .reemployment.router import router as reemployment_router
from .reemployment.subsidies import end_on_flexible_work
from .separations.router import router as separations_router
from .settings import Settings
from .subsidies.router import router as subsidies_router
from .subsidies.service import on_claim_stopped
from .totals.router import router as totals_router

load_all()

# what lower features publish, handled by higher ones (imports only go down; the wiring lives here)
bus = MessageBus()
bus.on(ReemploymentSeen, stop_on_reemployment)
bus.on(FlexibleWorkSeen, stop_on_flexible_work)
bus.on(FlexibleWorkSeen, end_on_flexible_work)
bus.on(ClaimStoppedFor, on_claim_stopped)
bus.on(ClaimStoppedFor, withdraw_after_stop)
handlers.at_batch_end(bus.dispatch)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    return build_service_app(
        name="claims",
        package="claims",
        title="待遇服务 (claims)",
        description=(
            "失业登记、资格审核与待遇期限、社区核实、按月发放、停发、公示 (R14–R19, N§3, N§5). "
            "Separation filings, registration, explained eligibility, community verification, payments, stops, "
            "public disclosure."
        ),
        settings=settings or Settings(),
        database=database,
        routers=[
            separations_router,
            claims_router,
            subsidies_router,
            payments_router,
            reemployment_router,
            totals_router,
            parameters_router,
        ],
        handlers=handlers,
        bus=bus,
        on_scrape=[payment_gauges],
        appeals=APPEALS,
        tags=[
            {"name": "claims", "description": "离职报送、失业登记、资格判定、核实、停发、介绍就业、医疗补助"},
            {"name": "payments", "description": "月度发放"},
            {
                "name": "reemployment",
                "description": "再就业扶持 (N§6): 就业困难人员认定、灵活就业人员社会保险补贴、低保名单优先推荐就业",
            },
            {"name": "public", "description": "公示 (无需令牌, 个人信息脱敏)"},
            {
                "name": "parameters",
                "description": "参数: 待遇标准、最低工资、低保标准、期限等, 按日期生效, 含依据与历史",
            },
            {"name": "totals", "description": "对账: 本服务支付的失业保险基金款项, 逐笔 (供基金监测)"},
        ],
    )
