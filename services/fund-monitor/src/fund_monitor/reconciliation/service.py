"""Reconciling the books with contributions' and claims' totals (rules.reconciliation), and the
``reconciliation_mismatch`` alert a difference raises (to the provincial labor department and social-insurance
company) until a later check of that month finds none."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Database, Problem, all_regions, peer, utcnow
from insurance_shared.contracts import ReconciliationCleared, ReconciliationMismatch, Totals
from insurance_shared.events import emit

from ..rules.months import add_months, format_month, parse_month
from ..rules.reconciliation import Difference, Movement, Sum, reconcile, sums
from .models import ReconciliationAlert
from .repository import booked

log = logging.getLogger(__name__)

SOURCES = ("contributions", "claims")
RECIPIENTS = ("provincial_labor_department", "provincial_social_insurance")


@dataclass(frozen=True, slots=True)
class Report:
    first: dt.date
    after: dt.date
    region: str | None
    sums: list[Sum]
    differences: list[Difference]


async def source_movements(state: Any, first: dt.date, after: dt.date) -> list[Movement]:
    """Every source's own account of the period, over HTTP; 503 when one cannot be asked (nothing is compared
    against half the sources)."""
    last = add_months(after, -1)
    out: list[Movement] = []
    for name in SOURCES:
        source = peer(state, name, timeout=30)
        if source is None:
            raise Problem(
                503, "source_not_configured", "Service Unavailable", f"{name}'s URL is not configured (PEERS)"
            )
        try:
            r = await source.get("/totals", **{"from": format_month(first), "to": format_month(last)})
            r.raise_for_status()
            totals = Totals.model_validate_json(r.content)
        except (httpx.HTTPError, ValueError) as exc:
            raise Problem(
                503,
                "source_unreachable",
                "Service Unavailable",
                f"cannot read {name}'s totals ({type(exc).__name__}); nothing was compared",
                headers={"Retry-After": "10"},
            ) from None
        out += [Movement(i.key, i.region, i.month, i.kind, i.amount_fen) for i in totals.items]
    return out


async def report(session: AsyncSession, state: Any, first: dt.date, after: dt.date, region: str | None) -> Report:
    source = await source_movements(state, first, after)
    books = await booked(session, first, after)
    if region is not None:
        source = [m for m in source if m.region == region]
        books = [m for m in books if m.region == region]
    return Report(first, after, region, sums(books, source), reconcile(books, source))


def _detail(differences: list[Difference]) -> str:
    return json.dumps([dataclasses.asdict(d) for d in differences], ensure_ascii=False)


async def record(session: AsyncSession, result: Report, regions: list[str]) -> tuple[int, int]:
    """Raise an alert for each region's month with differences, close the open ones of the checked months that
    have none now; update the open ones. Returns (raised, closed)."""
    months = []
    m = result.first
    while m < result.after:
        months.append(m)
        m = add_months(m, 1)
    found: dict[tuple[str, dt.date], list[Difference]] = {}
    for d in result.differences:
        found.setdefault((d.region, parse_month(d.month)), []).append(d)
    open_alerts = {
        (a.region, a.month): a
        for a in (
            await session.scalars(
                select(ReconciliationAlert).where(
                    ReconciliationAlert.state == "open",
                    ReconciliationAlert.month >= result.first,
                    ReconciliationAlert.month < result.after,
                )
            )
        ).all()
        if result.region is None or a.region == result.region
    }
    raised = closed = 0
    now = utcnow()
    for key, differences in sorted(found.items()):
        alert = open_alerts.get(key)
        if alert is None:
            alert = ReconciliationAlert(
                region=key[0], month=key[1], state="open", differences=len(differences), detail=_detail(differences)
            )
            session.add(alert)
            await session.flush()
            raised += 1
            await emit(
                session,
                ReconciliationMismatch(
                    alert_id=alert.id,
                    region=key[0],
                    month=format_month(key[1]),
                    differences=len(differences),
                    problems=sorted({d.problem for d in differences}),
                    recipients=list(RECIPIENTS),
                ),
                subject=key[0],
                region=key[0],
            )
        else:
            alert.differences, alert.detail, alert.checked_at = len(differences), _detail(differences), now
    for key, alert in open_alerts.items():
        if key not in found and key[0] in regions:
            alert.state, alert.closed_at, alert.checked_at, alert.differences = "closed", now, now, 0
            closed += 1
            await emit(
                session,
                ReconciliationCleared(alert_id=alert.id, region=alert.region, month=format_month(alert.month)),
                subject=alert.region,
                region=alert.region,
            )
    await session.flush()
    return raised, closed


async def check_last_closed_month(db: Database, state: Any, today: dt.date) -> tuple[int, int]:
    """The scheduled check: last month, every region."""
    first = add_months(today.replace(day=1), -1)
    after = today.replace(day=1)
    async with db.sessionmaker() as session:
        result = await report(session, state, first, after, None)
        counts = await record(session, result, [r.code for r in all_regions()])
        await session.commit()
    return counts


async def run_forever(db: Database, state: Any, interval_seconds: float) -> None:
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            raised, closed = await check_last_closed_month(db, state, dt.date.today())
            if raised or closed:
                log.warning("reconciliation: %d month(s) now differ, %d cleared", raised, closed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a source down: the next interval tries again
            log.warning("reconciliation check failed: %s", exc)
