"""What fund-monitor learns from the other services' events: fund flows into the journal, and the counts that
unemployment monitoring reports. Every handler is idempotent by design (journal entries keyed by the producer's
ids, upserts keyed by theirs); the inbox records each event once anyway. Figures are recomputed once per batch.
"""

import datetime as dt
from collections import defaultdict

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import check_bookable, upsert_insert, upsert_rows
from insurance_shared.contracts import (
    BenefitPaid,
    BenefitsConfirmed,
    ClaimClosed,
    ClaimRedecided,
    ClaimRegistered,
    ClaimReinstated,
    ClaimStopped,
    EmploymentEnded,
    LateFeeRefunded,
    LayoffExecuted,
    LayoffFiled,
    LayoffWithdrawn,
    MedicalContributionsTransferred,
    MoneyCollected,
    PersonEnrolled,
    RemittanceMade,
    SocialInsuranceSubsidyPaid,
    SubsidyPaid,
)
from insurance_shared.events import Envelope, Handlers

from .ledger import postings
from .ledger.service import post, post_many
from .monitoring.models import Beneficiaries, InsuredEmployment, Layoff, LayoffSeparation, SeenClaim
from .reemployment.models import SubsidySpending
from .rules.months import parse_month
from .rules.projection import layoff_counted

handlers = Handlers()
# at each batch's end main.py's bus recomputes the regions whose fund moved


# ---- fund flows (policy.md Fund monitoring 1) --------------------------------------------------------------------


@handlers.on_runs(MoneyCollected)
async def money_collected(session: AsyncSession, events: list[tuple[Envelope, MoneyCollected]]) -> None:
    """A return file's payments arrive as a run of events: booked together (one entry per payment, as ever)."""
    await _book_collected(session, [d for _, d in events])


async def _book_collected(session: AsyncSession, collected: list[MoneyCollected]) -> None:
    for d in collected:
        check_bookable(d.collected_on, f"payment {d.payment_id} collected on")
    await post_many(
        session,
        [
            postings.collected(d.region, d.principal_fen, d.late_fee_fen, d.collected_on, d.payment_id, d.via_province)
            for d in collected
            # the pension ledger is another fund's business (N§3(1): accounted separately)
            if d.fund == "unemployment" and d.total_fen
        ],
    )


@handlers.on(RemittanceMade)
async def remittance_made(session: AsyncSession, env: Envelope, data: RemittanceMade) -> None:
    if data.amount_fen:
        await post(session, postings.remitted(data.home_region, data.amount_fen, env.time.date(), data.remittance_id))


@handlers.on(LateFeeRefunded)
async def late_fee_refunded(session: AsyncSession, _: Envelope, data: LateFeeRefunded) -> None:
    check_bookable(data.refunded_on, f"late fee refund {data.refund_id} refunded on")
    await post(
        session,
        postings.late_fee_refunded(data.region, data.amount_fen, data.refunded_on, data.refund_id, data.via_province),
    )


@handlers.on(BenefitPaid)
async def benefit_paid(session: AsyncSession, _: Envelope, data: BenefitPaid) -> None:
    month = parse_month(data.month)
    if await session.get(Beneficiaries, (data.run_id, data.region, month)) is None:
        session.add(Beneficiaries(run_id=data.run_id, region=data.region, month=month, claims=data.claims))
    if data.amount_fen:
        await post(session, postings.benefits_paid(data.region, month, data.amount_fen, data.run_id))


@handlers.on(BenefitsConfirmed)
async def benefits_confirmed(session: AsyncSession, _: Envelope, data: BenefitsConfirmed) -> None:
    """The bank confirmed these payments: booked as spent in their benefit month, and counted as drawing."""
    month = parse_month(data.month)
    check_bookable(month, f"return {data.return_id}'s benefit month")
    stmt = upsert_insert(session)(Beneficiaries.__table__)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["run_id", "region", "month"],
            set_={"claims": Beneficiaries.__table__.c.claims + stmt.excluded.claims},
        ),
        [{"run_id": data.run_id, "region": data.region, "month": month, "claims": data.payments}],
    )
    if data.amount_fen:
        await post(session, postings.benefits_confirmed(data.region, month, data.amount_fen, data.return_id))


@handlers.on(MedicalContributionsTransferred)
async def medical_contributions(session: AsyncSession, _: Envelope, data: MedicalContributionsTransferred) -> None:
    month = parse_month(data.month)
    check_bookable(month, f"medical transfer {data.transfer_id}'s month")
    if data.amount_fen:
        await post(session, postings.medical_contributions(data.region, month, data.amount_fen, data.transfer_id))


@handlers.on(SubsidyPaid)
async def subsidy_paid(session: AsyncSession, _: Envelope, data: SubsidyPaid) -> None:
    if data.amount_fen and data.kind in postings.SUBSIDY_KINDS:
        check_bookable(data.paid_on, f"claim {data.claim_id}'s {data.kind} payment paid on")
        await post(
            session,
            postings.subsidy_paid(
                data.region, data.kind, data.amount_fen, data.paid_on, data.claim_id, payment_id=data.payment_id
            ),
        )


# ---- monitoring (policy.md Fund monitoring 4) ----------------------------------------------------------------------


@handlers.on(ClaimRegistered)
async def claim_registered(session: AsyncSession, _: Envelope, data: ClaimRegistered) -> None:
    if await session.get(SeenClaim, data.claim_id) is not None:
        return
    session.add(
        SeenClaim(
            claim_id=data.claim_id,
            person_key=data.person,
            region=data.region,
            registered_on=data.registered_on,
            eligible=data.eligible,
        )
    )
    if not data.eligible:
        return
    # a claim by someone a filed layoff let go: that layoff's expected claims shrink by one (N§8 projection)
    separation = await session.scalar(
        select(LayoffSeparation)
        .where(LayoffSeparation.person_key == data.person, LayoffSeparation.claimed.is_(False))
        .order_by(LayoffSeparation.end_date.desc())
        .limit(1)
    )
    if separation is not None:
        separation.claimed = True
        layoff = await session.get(Layoff, separation.filing_id)
        if layoff is not None:
            layoff.claimed_count += 1


@handlers.on(ClaimStopped)
async def claim_stopped(session: AsyncSession, _: Envelope, data: ClaimStopped) -> None:
    claim = await session.get(SeenClaim, data.claim_id)
    if claim is not None:
        claim.stopped_on = data.effective_date


@handlers.on(ClaimReinstated)
async def claim_reinstated(session: AsyncSession, _: Envelope, data: ClaimReinstated) -> None:
    """An appeal overturned the stop or rejection: the claim is on the roll again as if never off it (a claim whose
    period ran out meanwhile is closed again by the claim_closed that follows)."""
    claim = await session.get(SeenClaim, data.claim_id)
    if claim is not None:
        claim.stopped_on = None


@handlers.on(ClaimRedecided)
async def claim_redecided(session: AsyncSession, _: Envelope, data: ClaimRedecided) -> None:
    """A refused claim found eligible on re-decision proceeds: from then on it counts as a registered claim."""
    claim = await session.get(SeenClaim, data.claim_id)
    if claim is not None and data.proceeds:
        claim.eligible = True


@handlers.on(ClaimClosed)
async def claim_closed(session: AsyncSession, _: Envelope, data: ClaimClosed) -> None:
    """Exhausted or rejected at verification: off the roll from that day, as a stop is (N§8 counts)."""
    claim = await session.get(SeenClaim, data.claim_id)
    if claim is not None:
        claim.stopped_on = data.effective_date


def _insured(d: PersonEnrolled | EmploymentEnded) -> dict[str, object]:
    """The job as either event tells it (an end may be the first this service hears of a job)."""
    return {
        "employment_id": d.employment_id,
        "person_key": d.person,
        "region": d.region,
        "start_date": d.start_date,
    }


@handlers.on_runs(PersonEnrolled)
async def people_enrolled(session: AsyncSession, events: list[tuple[Envelope, PersonEnrolled]]) -> None:
    """Enrolments come a roster at a time: each run is stored with one statement (an employment already known,
    from a redelivery or an earlier end event, is left as it is)."""
    rows = [_insured(d) for _, d in events]
    await session.execute(upsert_insert(session)(InsuredEmployment.__table__).on_conflict_do_nothing(), rows)


@handlers.on_runs(EmploymentEnded)
async def employments_ended(session: AsyncSession, events: list[tuple[Envelope, EmploymentEnded]]) -> None:
    """A separation file ends many jobs at once: each run is stored with one statement (a job not seen before is
    added with its end). A job ended involuntarily at a unit with a filed layoff counts against the latest layoff
    filed by its end date, once per person (N§8 projection); filings do not change within a run of ends."""
    ends = [d for _, d in events]
    await upsert_rows(
        session,
        InsuredEmployment.__table__,
        "employment_id",
        ({**_insured(d), "end_date": d.end_date} for d in ends),
        update=("end_date",),
    )
    laid_off = [d for d in ends if d.involuntary and d.unit_credit_code]
    filed: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)  # unit → (filed on, filing id)
    units = sorted({d.unit_credit_code for d in laid_off})
    for i in range(0, len(units), 500):
        for unit, filed_on, filing_id in await session.execute(_LAYOFFS, {"units": units[i : i + 500]}):
            filed[unit].append((filed_on, filing_id))
    counted = [
        {"filing_id": filing_id, "person_key": d.person, "end_date": d.end_date, "claimed": False}
        for d in laid_off
        if (filing_id := layoff_counted(d.end_date, filed.get(d.unit_credit_code, ()))) is not None
    ]
    if counted:
        await session.execute(upsert_insert(session)(LayoffSeparation.__table__).on_conflict_do_nothing(), counted)


_LAYOFFS = select(Layoff.unit_credit_code, Layoff.filed_on, Layoff.filing_id).where(
    Layoff.unit_credit_code.in_(bindparam("units", expanding=True)), Layoff.state != "withdrawn"
)


@handlers.on(LayoffFiled)
async def layoff_filed(session: AsyncSession, env: Envelope, data: LayoffFiled) -> None:
    if await session.get(Layoff, data.filing_id) is None:
        session.add(
            Layoff(
                filing_id=data.filing_id,
                unit_credit_code=data.unit_credit_code,
                region=data.region,
                filed_on=min(env.time.date(), data.planned_date),
                planned_date=data.planned_date,
                expected_count=data.expected_count,
                reportable=data.reportable,
                compliant=data.compliant,
                state="filed",
                claimed_count=0,
            )
        )


@handlers.on(LayoffExecuted)
async def layoff_executed(session: AsyncSession, _: Envelope, data: LayoffExecuted) -> None:
    layoff = await session.get(Layoff, data.filing_id)
    if layoff is not None:
        layoff.state, layoff.executed_on, layoff.separated_count = "executed", data.executed_on, data.separated_count


@handlers.on(LayoffWithdrawn)
async def layoff_withdrawn(session: AsyncSession, _: Envelope, data: LayoffWithdrawn) -> None:
    layoff = await session.get(Layoff, data.filing_id)
    if layoff is not None:
        layoff.state = "withdrawn"


# ---- re-employment funds (N§6) -------------------------------------------------------------------------------------


@handlers.on_runs(SocialInsuranceSubsidyPaid)
async def si_subsidy_paid(session: AsyncSession, events: list[tuple[Envelope, SocialInsuranceSubsidyPaid]]) -> None:
    """Spending of a region's re-employment funds, one row per confirmed return file: never the unemployment-
    insurance fund's journal (the subsidy is not paid from it, N§6)."""
    for _, d in events:
        check_bookable(d.paid_on, f"subsidy return {d.return_id} paid on")
    rows = [
        {
            "source": f"claims:si_subsidy_return:{d.return_id}",
            "region": d.region,
            "month": parse_month(d.month),
            "paid_on": d.paid_on,
            "people": d.people,
            "months": d.months,
            "amount": d.amount_fen,
        }
        for _, d in events
    ]
    await session.execute(upsert_insert(session)(SubsidySpending.__table__).on_conflict_do_nothing(), rows)
