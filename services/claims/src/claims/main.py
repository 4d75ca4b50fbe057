from fastapi import FastAPI

from insurance_shared import Database
from insurance_shared.app import build_service_app

from .settings import Settings


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
        routers=[],
        tags=[],
    )
