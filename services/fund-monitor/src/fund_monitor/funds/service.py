"""A region's fund month by month, its current status, and the projection (policy.md Fund monitoring 1-2; N§8)."""

import asyncio
import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Database, MessageBus, publish, utcnow
from insurance_shared import parameter_values as dated_values

from ..ledger.models import FundMonth
from ..ledger.postings import EXPENDITURE, INCOME, OPENING, RECURRING_INCOME
from ..ledger.service import take_moved
from ..messages import FiguresRecomputed, FundsMoved, OverviewChanged
from ..monitoring.models import Beneficiaries, Layoff
from ..rules import alerts as alert_rules
from ..rules import parameters as P
from ..rules.capacity import Capacity, payment_capacity, window
from ..rules.months import format_month, month_of, months_between
from ..rules.projection import LayoffExposure, Projection, average_benefit, project
from .models import RegionStatus

log = logging.getLogger(__name__)


def today() -> dt.date:
    return dt.date.today()


@dataclass(slots=True)
class MonthRow:
    month: dt.date
    opening_fen: int = 0  # an opening balance booked in this month
    income: dict[str, int] = field(default_factory=dict)
    expenditure: dict[str, int] = field(default_factory=dict)
    closing_balance_fen: int = 0
    capacity: Capacity | None = None

    @property
    def income_fen(self) -> int:
        return sum(self.income.values())

    @property
    def expenditure_fen(self) -> int:
        return sum(self.expenditure.values())


@dataclass(slots=True)
class FundHistory:
    region: str
    rows: list[MonthRow]  # from the first month with a flow to ``until``, every month present

    @property
    def first_month(self) -> dt.date | None:
        return self.rows[0].month if self.rows else None


async def parameter_values(session: AsyncSession) -> tuple:
    """The defaults and the values the province set at run time (GET/POST /parameters)."""
    return await dated_values(session, P.all_values())


async def history(session: AsyncSession, region: str, until: dt.date) -> FundHistory:
    flows = (
        await session.execute(
            select(FundMonth.month, FundMonth.kind, FundMonth.direction, FundMonth.amount_fen)
            .where(FundMonth.region == region)
            .order_by(FundMonth.month)
        )
    ).all()
    if not flows:
        return FundHistory(region, [])
    values = await parameter_values(session)
    by_month: dict[dt.date, list[tuple[str, str, int]]] = defaultdict(list)
    for month, kind, direction, amount in flows:
        by_month[month].append((kind, direction, int(amount)))
    first, last = flows[0][0], max(flows[-1][0], month_of(until))
    rows = []
    balance = 0
    expenditure: dict[dt.date, int] = {}
    for month in months_between(first, last):
        row = MonthRow(month)
        for kind, direction, amount in by_month.get(month, ()):
            if direction == OPENING:
                row.opening_fen += amount
            elif direction == INCOME:
                row.income[kind] = amount
            elif direction == EXPENDITURE:
                row.expenditure[kind] = amount
        balance += row.opening_fen + row.income_fen - row.expenditure_fen
        row.closing_balance_fen = balance
        expenditure[month] = row.expenditure_fen
        row.capacity = payment_capacity(month, balance, expenditure, first, P.in_force(region, month, values))
        rows.append(row)
    return FundHistory(region, rows)


def level_of(capacity: Capacity, decisions: list[alert_rules.TierDecision]) -> str:
    if capacity.months is None:
        return "no_expenditure"
    for d in decisions:  # most severe first
        if d.due:
            return d.level
    return "ok"


async def recompute(session: AsyncSession, region: str, on: dt.date | None = None) -> RegionStatus | None:
    """Recompute the region's current figures; its alert tiers follow (FiguresRecomputed, handled by alerts)."""
    on = on or today()
    hist = await history(session, region, on)
    if not hist.rows:
        return None
    last = hist.rows[-1]
    assert last.capacity is not None
    params = P.in_force(region, on, await parameter_values(session))
    decisions = alert_rules.tiers(last.capacity.months, params)
    trend = [
        [format_month(r.month), r.closing_balance_fen, None if r.capacity.months is None else str(r.capacity.months)]
        for r in hist.rows[-12:]
        if r.capacity is not None
    ]
    status = await session.get(RegionStatus, region)
    if status is None:
        status = RegionStatus(region=region)
        session.add(status)
    status.as_of = last.month
    status.first_month = hist.first_month
    status.balance_fen = last.closing_balance_fen
    status.window_expenditure_fen = last.capacity.window_expenditure_fen
    status.window_months = last.capacity.window_months
    status.average_expenditure_fen = last.capacity.average_expenditure_fen
    status.capacity_months = last.capacity.months
    status.level = level_of(last.capacity, decisions)
    status.trend = json.dumps(trend)
    status.updated_at = utcnow()
    await session.flush()
    publish(session, FiguresRecomputed(region, last.capacity, decisions, params))
    publish(session, OverviewChanged())
    return status


async def refresh_dirty(session: AsyncSession) -> None:
    """Recompute every region whose fund moved in this transaction (once each, however many entries)."""
    for region in sorted(take_moved(session)):
        await recompute(session, region)


async def on_funds_moved(session: AsyncSession, _: FundsMoved) -> None:
    await refresh_dirty(session)


async def refresh_stale(session: AsyncSession, on: dt.date | None = None) -> bool:
    """At a month's turn every region's window moves although no money did: recompute those not yet current."""
    on = on or today()
    stale = (await session.scalars(select(RegionStatus.region).where(RegionStatus.as_of < month_of(on)))).all()
    for region in stale:
        await recompute(session, region, on)
    return bool(stale)


async def turn_month(db: Database, bus: MessageBus) -> bool:
    """At a month's turn every region's window moves although no money did: recompute the regions not yet current
    (refresh_stale) and let the alerts follow, in a transaction of its own. Whether there were any."""
    async with db.sessionmaker() as session:
        if not await refresh_stale(session):
            return False
        await bus.dispatch(session)  # the recomputed figures' alerts, the overview dropped
        await session.commit()
        return True


async def keep_months_current(db: Database, bus: MessageBus, interval_seconds: float) -> None:
    """In the background, not on a read (so reading the figures never writes): ``turn_month`` at start and every
    ``interval_seconds``."""
    while True:
        try:
            await turn_month(db, bus)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database away: the next interval tries again
            log.warning("month turn: recomputing the regions failed: %s", exc)
        await asyncio.sleep(interval_seconds)


async def exposures(session: AsyncSession, region: str) -> list[LayoffExposure]:
    rows = (
        await session.scalars(
            select(Layoff).where(Layoff.region == region, Layoff.state != "withdrawn").order_by(Layoff.filing_id)
        )
    ).all()
    return [
        LayoffExposure(
            filing_id=r.filing_id,
            unit_credit_code=r.unit_credit_code,
            layoff_date=r.executed_on or r.planned_date,
            people=r.separated_count if r.state == "executed" and r.separated_count is not None else r.expected_count,
            executed=r.state == "executed",
            claimed=r.claimed_count,
        )
        for r in rows
    ]


async def projection(session: AsyncSession, region: str, on: dt.date | None = None) -> Projection:
    on = on or today()
    hist = await history(session, region, on)
    params = P.in_force(region, on, await parameter_values(session))
    as_of = hist.rows[-1].month if hist.rows else month_of(on)
    past = window(as_of, P.as_int(params["capacity_window_months"]), hist.first_month)
    benefit_rows = (
        (
            await session.execute(
                select(Beneficiaries.claims).where(Beneficiaries.region == region, Beneficiaries.month.in_(past))
            )
        )
        .scalars()
        .all()
    )
    rows_by_month = {r.month: r for r in hist.rows}
    benefits = sum(rows_by_month[m].expenditure.get("benefits", 0) for m in past if m in rows_by_month)
    income = {r.month: sum(v for k, v in r.income.items() if k in RECURRING_INCOME) for r in hist.rows}
    spending = {r.month: r.expenditure_fen for r in hist.rows}
    return project(
        as_of,
        hist.rows[-1].closing_balance_fen if hist.rows else 0,
        income,
        spending,
        hist.first_month,
        average_benefit(benefits, sum(benefit_rows), params),
        await exposures(session, region),
        params,
    )
