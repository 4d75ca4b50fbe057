import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import CriterionOut, Principal, RegionCode, Role, Session, Write, format_yuan, problem_doc, writer

from ..access import ObjectId, readers
from ..csv_response import CSV_DOC, csv_response
from ..rules.months import format_month
from . import repository, service
from .models import Alert
from .schemas import AcknowledgeIn, AlertDetailOut, AlertOut, AlertPage, DeliveryOut, RecipientOut

router = APIRouter(prefix="/alerts", tags=["alerts"])
_acknowledgers = writer(Role.LOCAL_GOVERNMENT, Role.LABOR_DEPARTMENT, Role.SOCIAL_INSURANCE)


def alert_out(a: Alert, recipients: list[RecipientOut]) -> AlertOut:
    return AlertOut(
        id=a.id,
        region=a.region,
        level=a.level,
        state=a.state,
        month=format_month(a.month),
        capacity_months=str(a.capacity_months),
        balance=a.balance_fen,
        average_expenditure=a.average_expenditure_fen,
        raised_at=a.raised_at,
        closed_at=a.closed_at,
        closed_capacity_months=None if a.closed_capacity_months is None else str(a.closed_capacity_months),
        closed_reason=a.closed_reason,
        replaces=a.replaces_id,
        superseded_by=a.superseded_by_id,
        recipients=recipients,
        criteria=[CriterionOut(**c) for c in json.loads(a.decision)],
    )


@router.get("", response_model=AlertPage, summary="预警列表 (按地区、状态、级别)")
async def list_alerts(
    session: Session,
    principal: Annotated[Principal, Depends(readers)],
    region: Annotated[RegionCode | None, Query()] = None,
    state: Annotated[Literal["open", "closed"] | None, Query()] = None,
    level: Annotated[Literal["critical", "early_warning"] | None, Query()] = None,
    cursor: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertPage:
    rows = await repository.alerts(session, principal, region, state, level, cursor, limit)
    recipients = await repository.recipients(session, [a.id for a in rows])
    return AlertPage(
        items=[alert_out(a, recipients[a.id]) for a in rows],
        next_cursor=str(rows[-1].id) if len(rows) == limit else None,
    )


@router.get(".csv", response_class=Response, responses=CSV_DOC, summary="预警列表 (CSV)")
async def alerts_csv(
    session: Session,
    principal: Annotated[Principal, Depends(readers)],
    region: Annotated[RegionCode | None, Query()] = None,
    state: Annotated[Literal["open", "closed"] | None, Query()] = None,
) -> Response:
    rows = await repository.alerts(session, principal, region, state, None, 0, 100_000)
    recipients = await repository.recipients(session, [a.id for a in rows])
    return csv_response(
        "alerts.csv",
        [
            "id",
            "region",
            "level",
            "state",
            "month",
            "capacity_months",
            "balance",
            "raised_at",
            "closed_at",
            "recipients",
            "acknowledged",
        ],
        (
            [
                a.id,
                a.region,
                a.level,
                a.state,
                format_month(a.month),
                a.capacity_months,
                format_yuan(a.balance_fen),
                a.raised_at.isoformat(),
                a.closed_at.isoformat() if a.closed_at else None,
                " ".join(r.recipient for r in recipients[a.id]),
                " ".join(r.recipient for r in recipients[a.id] if r.acknowledged_at),
            ]
            for a in rows
        ),
    )


@router.get("/{alert_id}", response_model=AlertDetailOut, summary="预警详情: 接收方确认与推送记录")
async def get_alert(
    alert_id: ObjectId, session: Session, principal: Annotated[Principal, Depends(readers)]
) -> AlertDetailOut:
    alert = await service.get_for(session, principal, alert_id)
    return await _detail(session, alert)


async def _detail(session: AsyncSession, alert: Alert) -> AlertDetailOut:
    recipients = await repository.recipients(session, [alert.id])
    deliveries = await repository.deliveries(session, alert.id)
    return AlertDetailOut(
        **alert_out(alert, recipients[alert.id]).model_dump(),
        deliveries=[
            DeliveryOut(
                id=d.id,
                recipient=d.recipient,
                event=d.event,
                state=d.state,
                url=d.url,
                attempts=d.attempts,
                last_status=d.last_status,
                last_error=d.last_error,
                delivered_at=d.delivered_at,
                next_attempt_at=d.next_attempt_at,
            )
            for d in deliveries
        ],
    )


@router.post(
    "/{alert_id}/acknowledgements",
    status_code=201,
    response_model=AlertDetailOut,
    summary="接收方确认收悉预警",
    responses={
        403: problem_doc("令牌不代表该预警的任何接收方 (not_a_recipient)"),
        409: problem_doc("已确认 (already_acknowledged)"),
    },
)
async def acknowledge(alert_id: ObjectId, body: AcknowledgeIn, w: Annotated[Write, Depends(_acknowledgers)]):
    alert = await service.acknowledge(w.session, w.principal, alert_id, body.note)
    w.audit("alert.acknowledged", "alert", str(alert.id), alert.region)
    return await w.respond(201, await _detail(w.session, alert), location=f"/alerts/{alert.id}")
