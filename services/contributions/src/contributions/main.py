from fastapi import FastAPI

from insurance_shared import AppealSupport, Database, build_service_app
from insurance_shared.contracts import ContributionsAppealStep

from .coverage.router import router as coverage_router
from .declarations.router import history_router
from .declarations.router import router as declarations_router
from .flexible.router import router as flexible_router
from .ledger.router import router as ledger_router
from .models import load_all
from .parameters.router import router as parameters_router
from .payments import refunds
from .payments.router import router as payments_router
from .persons.router import roster_router
from .persons.router import router as persons_router
from .remittances.router import router as remittances_router
from .settings import Settings
from .totals.router import router as totals_router
from .units.router import router as units_router

load_all()


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
        routers=[
            units_router,
            persons_router,
            history_router,
            roster_router,
            flexible_router,
            parameters_router,
            declarations_router,
            payments_router,
            remittances_router,
            ledger_router,
            totals_router,
            coverage_router,
        ],
        # a payer may appeal a late fee: overturned, the fee is undone (payments/refunds.py)
        appeals=AppealSupport(ContributionsAppealStep, {"contributions.late_fee": refunds.late_fee_overturned}),
        tags=[
            {"name": "units", "description": "用人单位登记与查询 (N§2)"},
            {"name": "totals", "description": "对账: 本服务收取与划拨的失业保险基金款项, 逐笔 (供基金监测)"},
            {"name": "persons", "description": "参保登记、终止劳动关系、个人缴费记录 (N§3(1)(2))"},
            {"name": "flexible", "description": "灵活就业实名登记与本人缴费 (已并轨, N§3(2), N§6)"},
            {"name": "parameters", "description": "费率与缴费基数等参数, 按生效日期 (R6, C13)"},
            {"name": "declarations", "description": "月度申报: 合并申报, 分别记账 (N§3 ¶1)"},
            {"name": "payments", "description": "缴费、欠费、滞纳金 (C13)"},
            {"name": "remittances", "description": "省直单位失业保险费划转 (N§3(4))"},
            {"name": "ledger", "description": "复式记账: 分基金、分地区余额"},
            {"name": "coverage", "description": "扩面: 参保人数同比、应参保未参保单位 (N§2)"},
        ],
    )
