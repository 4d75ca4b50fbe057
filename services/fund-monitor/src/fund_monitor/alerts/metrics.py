"""What an operator alerts on in fund-monitor (#26 item 4): open alerts per tier, each region's payment capacity,
and the webhook deliveries of alerts by state (failed ones never reached their recipient)."""

import contextlib

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select

from ..funds.models import RegionStatus
from ..rules.alerts import LEVELS
from .models import Alert, WebhookDelivery

DELIVERY_STATES = ("pending", "delivered", "failed")


async def alert_gauges(app: FastAPI, registry: CollectorRegistry) -> None:
    gauges = getattr(app.state, "alert_gauges", None)
    if gauges is None:
        gauges = app.state.alert_gauges = (
            Gauge("fund_monitor_open_alerts", "open payment-capacity alerts by tier", ["level"], registry=registry),
            Gauge(
                "fund_monitor_capacity_months",
                "each region's payment capacity in months (N§8; absent: no expenditure yet)",
                ["region"],
                registry=registry,
            ),
            Gauge("fund_monitor_webhook_deliveries", "alert webhook deliveries by state", ["state"], registry=registry),
        )
    alerts, capacity, deliveries = gauges
    async with app.state.db.sessionmaker() as session:
        open_by_level = dict(
            (
                await session.execute(
                    select(Alert.level, func.count()).where(Alert.state == "open").group_by(Alert.level)
                )
            ).all()
        )
        statuses = (await session.execute(select(RegionStatus.region, RegionStatus.capacity_months))).all()
        by_state = dict(
            (await session.execute(select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state))).all()
        )
    for level in LEVELS:
        alerts.labels(level).set(open_by_level.get(level, 0))
    for region, months in statuses:
        if months is None:  # no expenditure: no capacity to report (a series of its own would read as 0)
            with contextlib.suppress(KeyError):
                capacity.remove(region)
        else:
            capacity.labels(region).set(float(months))
    for state in DELIVERY_STATES:
        deliveries.labels(state).set(by_state.get(state, 0))
