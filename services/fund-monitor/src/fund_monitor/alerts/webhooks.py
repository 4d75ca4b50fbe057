"""Delivering alert notices to each recipient's webhook, with retries and a record of every attempt's outcome.

Deliveries are rows written with the alert change (so none is lost when the process stops); this loop posts the
due ones, at most ``webhook_max_attempts`` times each with doubling delays, and records the answer. A recipient
without a configured URL gets its delivery marked ``skipped`` with the reason, not silently dropped.
"""

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping

import httpx
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from insurance_shared import Database, utcnow

from .models import Alert, WebhookDelivery

log = logging.getLogger(__name__)


def url_for(webhooks: Mapping[str, str], recipient: str, region: str) -> str | None:
    """``local_government:220100`` beats ``local_government`` (one endpoint for every region's government)."""
    return webhooks.get(f"{recipient}:{region}") or webhooks.get(recipient)


def signed_headers(signer: Webhook, delivery_id: int, payload: str) -> dict[str, str]:
    """The Standard Webhooks headers (signed with the maintained ``standardwebhooks`` library, not by hand): the id
    stays the same across retries, so a recipient drops a delivery it already has; the signature covers the id,
    the timestamp and the body, so a recipient verifies with the shared secret that fund-monitor sent it."""
    message_id = f"alert-delivery-{delivery_id}"
    now = utcnow()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signer.sign(message_id, now, payload),
    }


async def deliver_due(
    db: Database,
    client: httpx.AsyncClient,
    webhooks: Mapping[str, str],
    *,
    secret: str,
    max_attempts: int = 8,
    base_delay_seconds: float = 5.0,
    limit: int = 50,
) -> int:
    """Post every due delivery once, signed with ``secret``; returns how many were attempted."""
    signer = Webhook(secret)
    async with db.sessionmaker() as session:
        due = (
            await session.execute(
                select(WebhookDelivery, Alert.region)
                .join(Alert, Alert.id == WebhookDelivery.alert_id)
                .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= utcnow())
                .order_by(WebhookDelivery.id)
                .limit(limit)
            )
        ).all()
        for delivery, region in due:
            url = url_for(webhooks, delivery.recipient, region)
            if not url:
                delivery.state = "skipped"
                delivery.last_error = f"no webhook configured for {delivery.recipient} (FUND_MONITOR_ALERT_WEBHOOKS)"
                continue
            delivery.url = url
            delivery.attempts += 1
            try:
                response = await client.post(
                    url,
                    content=delivery.payload.encode(),
                    headers={
                        "content-type": "application/json",
                        "x-delivery-id": str(delivery.id),
                        **signed_headers(signer, delivery.id, delivery.payload),
                    },
                )
                delivery.last_status = response.status_code
                ok = response.is_success
                delivery.last_error = None if ok else response.text[:500]
            except httpx.HTTPError as exc:
                ok = False
                delivery.last_status = None
                delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if ok:
                delivery.state = "delivered"
                delivery.delivered_at = utcnow()
            elif delivery.attempts >= max_attempts:
                delivery.state = "failed"
                log.error("webhook delivery %s to %s failed %d times", delivery.id, url, delivery.attempts)
            else:
                delay = base_delay_seconds * 2 ** (delivery.attempts - 1)
                delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
        await session.commit()
        return len(due)


async def run_forever(
    db: Database,
    webhooks: Mapping[str, str],
    *,
    secret: str,
    interval_seconds: float,
    max_attempts: int,
    base_delay: float,
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            try:
                n = await deliver_due(
                    db, client, webhooks, secret=secret, max_attempts=max_attempts, base_delay_seconds=base_delay
                )
            except Exception:  # keep delivering after a database hiccup; the rows wait
                log.exception("webhook delivery round failed")
                n = 0
            if not n:
                await asyncio.sleep(interval_seconds)
