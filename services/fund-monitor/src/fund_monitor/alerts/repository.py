"""Reads of the alerts feature for its endpoints, region filtering included."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Forbidden, Principal

from . import service
from .models import Alert, AlertRecipient, WebhookDelivery
from .schemas import RecipientOut


async def recipients(session: AsyncSession, ids: list[int]) -> dict[int, list[RecipientOut]]:
    out: dict[int, list[RecipientOut]] = defaultdict(list)
    if not ids:
        return out
    rows = (
        await session.scalars(
            select(AlertRecipient).where(AlertRecipient.alert_id.in_(ids)).order_by(AlertRecipient.recipient)
        )
    ).all()
    for r in rows:
        out[r.alert_id].append(
            RecipientOut(
                recipient=r.recipient,
                title=service.RECIPIENT_TITLES.get(r.recipient, r.recipient),
                acknowledged_at=r.acknowledged_at,
                acknowledged_by=r.acknowledged_by,
                note=r.note,
            )
        )
    return out


async def alerts(
    session: AsyncSession,
    principal: Principal,
    region: str | None,
    state: str | None,
    level: str | None,
    cursor: int,
    limit: int,
) -> list[Alert]:
    stmt = select(Alert).where(Alert.id > cursor).order_by(Alert.id).limit(limit)
    if region is not None:
        if not principal.can_read(region) and not service.recipients_of(principal, region):
            raise Forbidden("region_forbidden", f"a token of region {principal.region} may not read region {region}")
        stmt = stmt.where(Alert.region == region)
    elif not principal.reads_all_regions and not service.recipients_of(principal, "*"):
        stmt = stmt.where(Alert.region == principal.region)
    if state:
        stmt = stmt.where(Alert.state == state)
    if level:
        stmt = stmt.where(Alert.level == level)
    return list((await session.scalars(stmt)).all())


async def deliveries(session: AsyncSession, alert_id: int) -> list[WebhookDelivery]:
    return list(
        (
            await session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.alert_id == alert_id).order_by(WebhookDelivery.id)
            )
        ).all()
    )
