"""Raising, closing and acknowledging alerts (N§8), with their events and webhook deliveries in the same
transaction as the change they report."""

import json
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    PROVINCE,
    Conflict,
    Forbidden,
    NotFound,
    ParameterValue,
    Principal,
    Role,
    criterion_dict,
    publish,
    utcnow,
)
from insurance_shared.contracts import AlertClosed, AlertRaised
from insurance_shared.events import emit

from ..messages import FiguresRecomputed, OverviewChanged
from ..rules.alerts import RECIPIENTS, TierDecision, closing_reason, level_due
from ..rules.capacity import Capacity, explain
from ..rules.months import format_month
from .models import Alert, AlertRecipient, WebhookDelivery

RECIPIENT_TITLES = {
    "local_government": "统筹地区人民政府",
    "provincial_labor_department": "省劳动保障厅",
    "provincial_social_insurance": "省社会保险公司",
}


def recipients_of(principal: Principal, alert_region: str) -> set[str]:
    """Which of an alert's recipients this token speaks for."""
    out = set()
    if Role.LOCAL_GOVERNMENT in principal.roles and principal.region == alert_region:
        out.add("local_government")
    if principal.region == PROVINCE and Role.LABOR_DEPARTMENT in principal.roles:
        out.add("provincial_labor_department")
    if principal.region == PROVINCE and Role.SOCIAL_INSURANCE in principal.roles:
        out.add("provincial_social_insurance")
    return out


def _payload(alert: Alert, event: str, recipient: str) -> str:
    return json.dumps(
        {
            "event": event,
            "alert_id": alert.id,
            "region": alert.region,
            "level": alert.level,
            "state": alert.state,
            "month": format_month(alert.month),
            "capacity_months": str(alert.capacity_months),
            "closed_capacity_months": None
            if alert.closed_capacity_months is None
            else str(alert.closed_capacity_months),
            "closed_reason": alert.closed_reason,
            "replaces": alert.replaces_id,
            "superseded_by": alert.superseded_by_id,
            "recipient": recipient,
            "recipient_title": RECIPIENT_TITLES[recipient],
            "clause": "N§8",
        },
        ensure_ascii=False,
    )


def _deliveries(alert: Alert, event: str, recipients: list[str]) -> list[WebhookDelivery]:
    # the URL is looked up when delivering, so a webhook configured later still receives what is pending
    return [
        WebhookDelivery(
            alert_id=alert.id, recipient=r, event=event, url="", payload=_payload(alert, event, r), state="pending"
        )
        for r in recipients
    ]


async def evaluate(
    session: AsyncSession,
    region: str,
    capacity: Capacity,
    decisions: list[TierDecision],
    params: Mapping[str, ParameterValue],
) -> None:
    """Keep the region's one open alert at its current level (rules.alerts.level_due): a change of level closes
    the open alert (escalated, eased or recovered) and raises the new level's, which names the one it replaces."""
    wanted = level_due(decisions)
    open_now = (
        await session.scalars(select(Alert).where(Alert.region == region, Alert.state == "open").order_by(Alert.id))
    ).all()
    if [a.level for a in open_now] == ([wanted] if wanted else []):
        return
    closed = [a for a in open_now if a.level != wanted]
    for a in closed:  # closed first: the region may have one open alert only
        a.state, a.closed_at, a.closed_capacity_months = "closed", utcnow(), capacity.months
        a.closed_reason = closing_reason(a.level, wanted)
    await session.flush()
    if wanted is not None and all(a.level != wanted for a in open_now):
        decision = next(d for d in decisions if d.level == wanted)
        raised = await _raise(session, region, decision, capacity, params, closed[-1].id if closed else None)
        for a in closed:
            a.superseded_by_id = raised.id
    for a in closed:
        await _announce_closed(session, a, capacity)


async def on_figures(session: AsyncSession, figures: FiguresRecomputed) -> None:
    await evaluate(session, figures.region, figures.capacity, figures.decisions, figures.params)


async def _raise(
    session: AsyncSession,
    region: str,
    d: TierDecision,
    capacity: Capacity,
    params: Mapping[str, ParameterValue],
    replaces: int | None,
) -> Alert:
    assert capacity.months is not None
    recipients = list(RECIPIENTS[d.level])
    alert = Alert(
        region=region,
        level=d.level,
        state="open",
        month=capacity.month,
        capacity_months=capacity.months,
        balance_fen=capacity.balance_fen,
        average_expenditure_fen=capacity.average_expenditure_fen,
        replaces_id=replaces,
        decision=json.dumps([criterion_dict(explain(capacity, params)), criterion_dict(d.criterion)], default=str),
    )
    session.add(alert)
    await session.flush()
    session.add_all(AlertRecipient(alert_id=alert.id, recipient=r) for r in recipients)
    session.add_all(_deliveries(alert, "raised", recipients))
    await emit(
        session,
        AlertRaised(
            alert_id=alert.id,
            region=region,
            level=d.level,
            month=format_month(capacity.month),
            capacity_months=str(capacity.months),
            balance_fen=capacity.balance_fen,
            average_expenditure_fen=capacity.average_expenditure_fen,
            recipients=recipients,
            replaces=replaces,
        ),
        subject=region,
        region=region,
    )
    return alert


async def _announce_closed(session: AsyncSession, alert: Alert, capacity: Capacity) -> None:
    recipients = list(
        (await session.scalars(select(AlertRecipient.recipient).where(AlertRecipient.alert_id == alert.id))).all()
    )
    session.add_all(_deliveries(alert, "closed", recipients))
    await emit(
        session,
        AlertClosed(
            alert_id=alert.id,
            region=alert.region,
            level=alert.level,
            capacity_months=None if capacity.months is None else str(capacity.months),
            reason=alert.closed_reason or "recovered",
            superseded_by=alert.superseded_by_id,
        ),
        subject=alert.region,
        region=alert.region,
    )


async def get_for(session: AsyncSession, principal: Principal, alert_id: int) -> Alert:
    alert = await session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("alert", str(alert_id))
    if not (principal.can_read(alert.region) or recipients_of(principal, alert.region)):
        raise NotFound("alert", str(alert_id))
    return alert


async def acknowledge(session: AsyncSession, principal: Principal, alert_id: int, note: str | None) -> Alert:
    alert = await get_for(session, principal, alert_id)
    rows = {
        r.recipient: r
        for r in (await session.scalars(select(AlertRecipient).where(AlertRecipient.alert_id == alert_id))).all()
    }
    mine = recipients_of(principal, alert.region) & set(rows)
    if not mine:
        raise Forbidden(
            "not_a_recipient",
            f"alert {alert_id} is addressed to {', '.join(sorted(rows))}; this token speaks for none of them "
            "(local_government of the alert's region, or labor_department / social_insurance of the province)",
        )
    pending = [rows[r] for r in sorted(mine) if rows[r].acknowledged_at is None]
    if not pending:
        done = ", ".join(f"{r} at {rows[r].acknowledged_at.isoformat()}" for r in sorted(mine))
        raise Conflict("already_acknowledged", f"alert {alert_id} was already acknowledged by {done}")
    now = utcnow()
    for r in pending:
        r.acknowledged_at, r.acknowledged_by, r.note = now, principal.sub, note
    await session.flush()
    publish(session, OverviewChanged())
    return alert
