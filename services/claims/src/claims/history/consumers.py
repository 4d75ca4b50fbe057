"""The claims service's view of other services' events. A new contribution record or a new job for a person on
an open claim is evidence of re-employment and stops the claim (policy.md Claims 8; R15)."""

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import publish, upsert_insert, upsert_rows
from insurance_shared.contracts import (
    ContributionPeriodPaid,
    EmploymentEnded,
    FlexibleEmploymentChanged,
    LayoffFiled,
    PersonEnrolled,
)
from insurance_shared.events import Envelope, Handlers

from ..rules.stops import NEW_JOB, PAID_MONTH, FlexibleSpell
from .messages import FlexibleWorkSeen, ReemploymentSeen
from .models import ContributionMonth, EmploymentSeen, FlexibleSeen, LayoffSeen

handlers = Handlers()


@handlers.on_runs(ContributionPeriodPaid)
async def periods_paid(session: AsyncSession, events: list[tuple[Envelope, ContributionPeriodPaid]]) -> None:
    """Each event is a unit's month paid for everyone on its declaration, and they come by the thousand: each run
    of them is stored as person-months with one statement."""
    rows = [
        {
            "person_key": p.person,
            "period": period,
            "unit_credit_code": d.unit_credit_code or "",
            "region": d.region,
            "unemployment_fen": p.unemployment_fen,
            "floor_fen": p.floor_fen,
        }
        for _, d in events
        for period in (dt.date.fromisoformat(d.period + "-01"),)
        for p in d.people
    ]
    if not rows:
        return
    await session.execute(upsert_insert(session)(ContributionMonth.__table__).on_conflict_do_nothing(), rows)
    # a month paid for someone drawing benefits is evidence they work again (R15): the claims feature decides
    publish(session, ReemploymentSeen(tuple((r["person_key"], PAID_MONTH, r["period"]) for r in rows)))


def _employment(d: PersonEnrolled | EmploymentEnded) -> dict[str, object]:
    """The job as either event tells it (an end may be the first this service hears of a job)."""
    return {
        "employment_id": d.employment_id,
        "person_key": d.person,
        "unit_credit_code": d.unit_credit_code,
        "region": d.region,
        "track": d.track,
        "start_date": d.start_date,
    }


@handlers.on_runs(PersonEnrolled)
async def enrolled(session: AsyncSession, events: list[tuple[Envelope, PersonEnrolled]]) -> None:
    """Enrolments come a roster at a time: each run is stored with one statement; a new job that began on or after
    an open claim's registration stops it (R15)."""
    rows = [_employment(d) for _, d in events]
    await session.execute(upsert_insert(session)(EmploymentSeen.__table__).on_conflict_do_nothing(), rows)
    publish(session, ReemploymentSeen(tuple((d.person, NEW_JOB, d.start_date) for _, d in events)))


@handlers.on_runs(EmploymentEnded)
async def ended(session: AsyncSession, events: list[tuple[Envelope, EmploymentEnded]]) -> None:
    """A separation file ends many jobs at once: each run is stored with one statement (a job not seen before,
    enrolled before this service listened, is added with its end)."""
    await upsert_rows(
        session,
        EmploymentSeen.__table__,
        "employment_id",
        ({**_employment(d), "end_date": d.end_date, "separation_reason": d.separation_reason} for _, d in events),
        update=("end_date", "separation_reason"),
    )


@handlers.on(LayoffFiled)
async def layoff_filed(session: AsyncSession, _: Envelope, data: LayoffFiled) -> None:
    if await session.get(LayoffSeen, data.filing_id) is None:
        session.add(
            LayoffSeen(
                filing_id=data.filing_id,
                unit_credit_code=data.unit_credit_code,
                region=data.region,
                expected_count=data.expected_count,
                planned_date=data.planned_date,
            )
        )


@handlers.on_runs(FlexibleEmploymentChanged)
async def flexible_changed(session: AsyncSession, events: list[tuple[Envelope, FlexibleEmploymentChanged]]) -> None:
    """The register's latest word on each spell is kept (a status change replaces the spell's row); the claims and
    re-employment features act on it (a licence or an unexpired agreement is re-employment, R15; N§5)."""
    latest = {d.flexible_employment_id: d for _, d in events}
    await upsert_rows(
        session,
        FlexibleSeen.__table__,
        "flexible_employment_id",
        (
            {
                "flexible_employment_id": d.flexible_employment_id,
                "person_key": d.person,
                "region": d.region,
                "kind": d.kind,
                "start_date": d.start_date,
                "end_date": d.end_date,
                "agreement_end": d.agreement_end,
                "document_ref": d.document_ref,
                "document_id": d.document_id,
                "status": d.status,
                "status_on": d.status_on,
            }
            for d in latest.values()
        ),
        update=(
            "region",
            "kind",
            "start_date",
            "end_date",
            "agreement_end",
            "document_ref",
            "document_id",
            "status",
            "status_on",
        ),
    )
    publish(
        session,
        FlexibleWorkSeen(
            tuple(
                (
                    d.person,
                    d.flexible_employment_id,
                    FlexibleSpell(d.kind, d.start_date, d.end_date, d.agreement_end, d.document_ref, d.document_id),
                )
                for d in latest.values()
            )
        ),
    )
