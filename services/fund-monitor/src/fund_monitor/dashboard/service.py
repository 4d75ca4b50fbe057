"""The province's overview: every region's figures, open alerts and reconciliation mismatches in one answer."""

import json
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Principal, all_regions, utcnow

from ..alerts import repository as alerts_repository
from ..alerts.models import Alert
from ..funds.models import RegionStatus
from ..ledger.models import JournalLine
from ..ledger.postings import ADJUSTMENT_FUND, HELD_FOR_REGIONS
from ..reconciliation.models import ReconciliationAlert
from ..rules.months import format_month
from .schemas import (
    MismatchOut,
    OpenAlertOut,
    OverviewOut,
    ProvinceOverviewOut,
    RegionOverviewOut,
    TrendPoint,
)

POOLING = [r for r in all_regions() if not r.is_province]


async def overview(session: AsyncSession, principal: Principal) -> OverviewOut:
    """Read only: the month's turn is recomputed in the background (funds.service.keep_months_current)."""
    visible = [r for r in POOLING if principal.can_read(r.code)]
    statuses = {s.region: s for s in (await session.scalars(select(RegionStatus))).all()}
    alerts = (await session.scalars(select(Alert).where(Alert.state == "open").order_by(Alert.id))).all()
    # the alerts feature's own read; served as AddresseeOut (the schema's type), so without the notes
    addressees = await alerts_repository.recipients(session, [a.id for a in alerts])
    by_region: dict[str, list[OpenAlertOut]] = defaultdict(list)
    for a in alerts:
        by_region[a.region].append(
            OpenAlertOut(
                id=a.id,
                level=a.level,
                month=format_month(a.month),
                capacity_months=str(a.capacity_months),
                raised_at=a.raised_at,
                recipients=len(addressees[a.id]),
                acknowledged=sum(1 for x in addressees[a.id] if x.acknowledged_at is not None),
                addressed_to=addressees[a.id],
                replaces=a.replaces_id,
            )
        )
    mismatches: dict[str, list[MismatchOut]] = defaultdict(list)
    for m in (
        await session.scalars(
            select(ReconciliationAlert).where(ReconciliationAlert.state == "open").order_by(ReconciliationAlert.id)
        )
    ).all():
        mismatches[m.region].append(
            MismatchOut(id=m.id, month=format_month(m.month), differences=m.differences, raised_at=m.raised_at)
        )
    regions = []
    for r in visible:
        s = statuses.get(r.code)
        regions.append(
            RegionOverviewOut(
                region=r.code,
                name=r.name,
                as_of=format_month(s.as_of) if s else None,
                balance=s.balance_fen if s else None,
                average_expenditure=s.average_expenditure_fen if s else None,
                capacity_months=None if s is None or s.capacity_months is None else str(s.capacity_months),
                level=s.level if s else "no_data",
                trend=[TrendPoint(month=m, balance=b, capacity_months=c) for m, b, c in json.loads(s.trend)]
                if s
                else [],
                open_alerts=by_region.get(r.code, []),
                reconciliation_mismatches=mismatches.get(r.code, []),
            )
        )
    province = None
    if principal.reads_all_regions:
        held = dict(
            (
                await session.execute(
                    select(JournalLine.account, func.sum(JournalLine.amount_fen))
                    .where(JournalLine.account.in_([ADJUSTMENT_FUND, HELD_FOR_REGIONS]))
                    .group_by(JournalLine.account)
                )
            ).all()
        )
        province = ProvinceOverviewOut(
            balance=sum(s.balance_fen for s in statuses.values()),
            adjustment_fund=int(held.get(ADJUSTMENT_FUND) or 0),
            held_for_regions=-int(held.get(HELD_FOR_REGIONS) or 0),
            regions_critical=sum(1 for s in statuses.values() if s.level == "critical"),
            regions_early_warning=sum(1 for s in statuses.values() if s.level == "early_warning"),
            open_alerts=len(alerts),
            reconciliation_mismatches=sum(len(v) for v in mismatches.values()),
        )
    return OverviewOut(generated_at=utcnow(), regions=regions, province=province)
