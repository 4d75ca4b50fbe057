"""The common skeleton of a service: middleware, problem handlers, health, readiness, metrics, OpenAPI shape.

Each service's ``create_app`` calls :func:`build_service_app` with its routers and lifespan hooks; domain code
never repeats this wiring.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from . import idempotency, migrations, pii, telemetry
from .access_log import access_log_router
from .appeals import AppealSupport, appeals_router
from .audit_api import audit_router
from .auth import TokenVerifier
from .bus import MessageBus
from .db import Database
from .decision_records import decisions_router
from .documents import documents_router
from .errors import PROBLEM_JSON, Problem, ProblemBody, install_problem_handlers, problem_response
from .events.admin import admin_router
from .events.feed import feed_router
from .events.inbox import Handlers
from .events.metrics import pipeline_gauges
from .events.runtime import start_events
from .limits import LimitsMiddleware
from .observability import Metrics, ObservabilityMiddleware
from .openapi import ascii_title, exact_contract, operation_id
from .query import known_query_parameters
from .settings import DEV_JWT_SECRET, ServiceSettings
from .writes import IdempotentReplay

__all__ = ["PROBLEM_RESPONSES", "build_service_app", "problem_doc"]

log = logging.getLogger(__name__)


def problem_doc(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for a problem-details answer."""
    return {"model": ProblemBody, "description": description, "content": {PROBLEM_JSON: {}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: problem_doc(text)
    for status, text in {
        401: "未认证: 缺少、过期或签名无效的令牌",
        403: "无权限: 角色不符或跨地区写入",
        404: "不存在(或属于其他地区)",
        422: "请求校验失败, errors[] 指出字段",
    }.items()
}

Hook = Callable[[FastAPI], Awaitable[None]]


def build_service_app(
    *,
    name: str,
    package: str,
    title: str,
    description: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter],
    database: Database | None = None,
    handlers: Handlers | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    tags: Sequence[dict[str, str]] = (),
    bus: MessageBus | None = None,
    on_scrape: Sequence[Callable[[FastAPI, CollectorRegistry], Awaitable[None]]] = (),
    appeals: AppealSupport | None = None,
) -> FastAPI:
    """``on_scrape``: hooks that set the service's business gauges (counts read from its database) in the app's
    registry before each ``/metrics`` answer; a failing hook leaves its gauges as they were and is logged.
    ``appeals``: a service whose decisions may be appealed (its event type, its review deadline, the consequence
    of overturning each kind of its decisions); every service serves its decision records."""
    if (
        settings.jwt_public_key is None
        and settings.jwks_url is None
        and settings.jwt_secret.get_secret_value() == DEV_JWT_SECRET
    ):
        log.warning(
            "%s uses the development JWT secret; set %sJWT_SECRET in production",
            name,
            settings.model_config.get("env_prefix", ""),
        )
    package_heads = migrations.heads(package)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "db", None) is None:
            app.state.db = Database(settings.database_url)
        tasks: list[asyncio.Task[None]] = []
        if settings.background_tasks:
            tasks.append(asyncio.create_task(_purge_idempotency_keys(app, settings.idempotency_retention_hours)))
        app.state.events = start_events(app.state.db, name, settings, app.state.handlers)
        for hook in on_startup:
            await hook(app)
        try:
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            await app.state.events.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            peer_client = getattr(app.state, "peer_client", None)  # events.freshness's, made on first use
            if peer_client is not None:
                await peer_client.aclose()
            await app.state.db.dispose()

    # /docs and /redoc from files the service serves itself (fastapi-offline's copies of Swagger UI and ReDoc):
    # agencies' networks often cannot reach the public CDN FastAPI's pages load them from
    tracer_provider = telemetry.tracer_provider(name, settings.otlp_endpoint)
    app = FastAPIOffline(
        telemetry=telemetry.fastapi_config(tracer_provider, exported=telemetry.exporting(settings.otlp_endpoint)),
        static_url="/docs-assets",
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        openapi_tags=[
            *tags,
            {
                "name": "decisions",
                "description": "决定: 对个人或单位作出的每项决定, 含标准、参数、条款、所依据的事实与作出者 (可申请复议)",
            },
            *(
                [{"name": "appeals", "description": "行政复议: 代当事人登记异议, 由另一经办人或省级在期限内维持或撤销"}]
                if appeals
                else []
            ),
            {
                "name": "documents",
                "description": "证明材料: 上传、下载 (PDF、JPEG、PNG; 按 SHA-256 编号; 下载记入审计)",
            },
            {"name": "audit", "description": "审计记录: 谁在何时对哪个对象做了什么, 来自哪个请求 (只读)"},
            {"name": "events", "description": "事件: 发件箱事件流与搁置事件 (服务间)"},
            {"name": "ops", "description": "运行状态: 存活、就绪、指标"},
        ],
        responses=PROBLEM_RESPONSES,
        generate_unique_id_function=operation_id,
        dependencies=[Depends(known_query_parameters)],
    )
    app.state.settings = settings
    app.state.service_name = name
    app.state.db = database
    app.state.keyring = pii.keyring_from(settings)
    pii.install(app.state.keyring)  # sealed columns use it (one service's keys per process)
    if app.state.keyring.development:
        log.warning(
            "%s uses the development keys for personal information; set %sPII_KEYS and %sPII_LOOKUP_KEY in production",
            name,
            settings.model_config.get("env_prefix", ""),
            settings.model_config.get("env_prefix", ""),
        )
    app.state.handlers = handlers or Handlers()
    app.state.bus = bus  # dispatched by Write.respond before it commits (and by the service's event batches)
    app.state.token_verifier = TokenVerifier(
        secret=settings.jwt_secret.get_secret_value(), public_key=settings.jwt_public_key, jwks_url=settings.jwks_url
    )
    metrics = Metrics()
    app.add_middleware(  # inside the observability middleware, which logs and counts what it answers
        LimitsMiddleware,
        max_header_count=settings.max_header_count,
        max_header_bytes=settings.max_header_bytes,
        max_json_bytes=settings.max_json_body_bytes,
        max_upload_bytes=settings.max_upload_body_bytes,
        read_timeout=settings.body_read_timeout_seconds,
        min_body_rate=settings.body_min_rate_bytes,
    )
    app.state.tracer_provider = tracer_provider
    app.add_middleware(
        ObservabilityMiddleware,
        service=name,
        metrics=metrics,
        tracer=app.state.tracer_provider.get_tracer("insurance_shared.http"),
    )
    telemetry.instrument_httpx(tracer_provider)
    install_problem_handlers(app)

    async def on_replay(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IdempotentReplay)
        return exc.response()

    app.add_exception_handler(IdempotentReplay, on_replay)

    @app.get("/healthz", tags=["ops"], summary="存活检查 (process up)")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="就绪检查: 数据库可达且迁移为最新",
        responses={503: {"model": ProblemBody, "description": "未就绪"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        db: Database = request.app.state.db
        try:
            state = await asyncio.wait_for(migrations.status(db.engine, package_heads), timeout=5)
        except Exception as exc:  # any failure to reach the database means "not ready", never a 500
            return problem_response(
                Problem(
                    503, "database_unreachable", "Service Unavailable", f"database check failed: {type(exc).__name__}"
                ),
                request,
            )
        if not state.at_head:
            return problem_response(
                Problem(
                    503,
                    "migrations_pending",
                    "Service Unavailable",
                    f"database at {list(state.current)}, code expects {list(state.heads)}; run migrations",
                ),
                request,
            )
        return JSONResponse({"status": "ready", "service": name, "migrations": list(state.current)})

    @app.get("/metrics", tags=["ops"], summary="Prometheus 指标", response_class=Response)
    async def metrics_endpoint(request: Request) -> Response:
        for hook in (pipeline_gauges, *on_scrape):
            try:
                await asyncio.wait_for(hook(request.app, metrics.registry), timeout=5)
            except Exception:  # the HTTP series still answer; the gauge keeps its last value
                log.warning("metrics hook %s failed", getattr(hook, "__name__", hook), exc_info=True)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    shared = [decisions_router(), *([appeals_router(appeals)] if appeals else [])]
    included = [
        *routers,
        *shared,
        documents_router(),
        audit_router(),
        access_log_router(),
        feed_router(),
        admin_router(),
    ]
    for router in included:
        app.include_router(router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            exact_contract(schema, [*app.routes, *(r for router in included for r in router.routes)], ascii_title(name))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


async def _purge_idempotency_keys(app: FastAPI, retention_hours: int) -> None:
    while True:
        try:
            db: Database = app.state.db
            async with db.sessionmaker() as session:
                n = await idempotency.purge_expired(session, older_than=dt.timedelta(hours=retention_hours))
                await session.commit()
            if n:
                log.info("purged %d idempotency keys older than %d h", n, retention_hours)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("idempotency key purge failed; will retry")
        await asyncio.sleep(3600)
