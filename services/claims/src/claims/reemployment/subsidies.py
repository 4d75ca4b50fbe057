"""社会保险补贴 (docs/policy.md Re-employment support 2; N§6): applied for, decided with its criteria, paid month by
month against months the person actually paid, in a region's monthly run that a second officer approves, from the
re-employment funds (fund-monitor keeps them apart from the unemployment-insurance fund); ended with the flexible
employment."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    LAW_START,
    Conflict,
    CriterionOut,
    FieldError,
    Forbidden,
    NotFound,
    Principal,
    Problem,
    Unprocessable,
    criterion_dict,
    in_force_all,
    parameter_values,
    person_key,
    utcnow,
)
from insurance_shared.contracts import SocialInsuranceSubsidyPaid
from insurance_shared.events import emit

from ..history.messages import FlexibleWorkSeen
from ..history.models import ContributionMonth, EmploymentSeen, FlexibleSeen
from ..payments.service import check_account, checked_return
from ..rules.eligibility import default_values
from ..rules.payees import (
    Expected,
    FileLine,
    bank_file,
    card_number,
)
from ..rules.stops import FlexibleSpell
from ..rules.subsidy import NAMES, OwnMonth, decide, last_day, monthly_amount, parse_share, payable
from . import hard_to_employ
from .models import SocialInsuranceSubsidy, SubsidyPayee, SubsidyPayment, SubsidyReturn, SubsidyRun


async def _params(session: AsyncSession, region: str, on: dt.date):
    try:
        return in_force_all(await parameter_values(session, default_values()), NAMES, region, on)
    except LookupError as exc:
        raise Unprocessable("no_parameters", str(exc), field="body.applied_on") from None


async def _spells(session: AsyncSession, id_number: str, region: str) -> list[tuple[int, FlexibleSpell]]:
    rows = await session.execute(
        select(
            FlexibleSeen.flexible_employment_id,
            FlexibleSeen.kind,
            FlexibleSeen.start_date,
            FlexibleSeen.end_date,
            FlexibleSeen.agreement_end,
            FlexibleSeen.document_ref,
            FlexibleSeen.document_id,
        ).where(FlexibleSeen.person_key == person_key(id_number), FlexibleSeen.region == region)
    )
    return [(r[0], FlexibleSpell(*r[1:])) for r in rows]


async def _months_used(session: AsyncSession, id_number: str) -> int:
    return int(
        (
            await session.execute(
                select(func.count())
                .select_from(SubsidyPayment)
                .where(SubsidyPayment.person_key == person_key(id_number))
            )
        ).scalar_one()
    )


# an unmet criterion refuses the application (N§6): its stable code and the field it concerns
REFUSALS = {
    "in_flexible_employment": ("not_in_flexible_employment", "body.applied_on"),
    "hard_to_employ": ("not_hard_to_employ", "body.id_number"),
    "paying_own_contributions": ("not_paying_own_contributions", "body.id_number"),
    "within_maximum_period": ("maximum_period_used", "body.id_number"),
}


async def apply(
    session: AsyncSession, principal: Principal, *, id_number: str, name: str, region: str, applied_on: dt.date
) -> SocialInsuranceSubsidy:
    """Decide an application (N§6): approved and recorded with its criteria when every criterion is met; otherwise
    refused (422) naming each unmet criterion with its field and clause, every criterion in ``criteria``, and
    nothing written. One approved subsidy per person at a time."""
    principal.ensure_writable(region)
    current = (
        await session.execute(
            select(SocialInsuranceSubsidy.id).where(
                SocialInsuranceSubsidy.person_key == person_key(id_number), SocialInsuranceSubsidy.state == "approved"
            )
        )
    ).first()
    if current:
        raise Conflict(
            "subsidy_active",
            f"this person already has an approved subsidy ({current[0]})",
            extra={"subsidy_id": current[0]},
        )
    params = await _params(session, region, applied_on)
    spells = await _spells(session, id_number, region)
    enrolled_own = (
        await session.execute(
            select(EmploymentSeen.employment_id).where(
                EmploymentSeen.person_key == person_key(id_number),
                EmploymentSeen.track == "flexible",
                EmploymentSeen.region == region,
                EmploymentSeen.start_date <= applied_on,
                (EmploymentSeen.end_date.is_(None)) | (EmploymentSeen.end_date >= applied_on),
            )
        )
    ).first() is not None
    certification = await hard_to_employ.in_force(session, id_number, region, applied_on)
    decision = decide(
        spells=[s for _, s in spells],
        certification=certification,
        enrolled_own=enrolled_own,
        months_used=await _months_used(session, id_number),
        params=params,
        on=applied_on,
    )
    if not decision.approved:
        unmet = [c for c in decision.criteria if not c.met]
        raise Problem(
            422,
            REFUSALS[unmet[0].name][0],
            "Unprocessable request",
            "the subsidy cannot be granted: " + "; ".join(f"{c.explanation} ({c.clause})" for c in unmet),
            errors=[
                FieldError(field=REFUSALS[c.name][1], code=REFUSALS[c.name][0], message=f"{c.explanation} ({c.clause})")
                for c in unmet
            ],
            extra={"criteria": [CriterionOut(**criterion_dict(c)).model_dump(mode="json") for c in decision.criteria]},
        )
    spell_id = next((i for i, s in spells if s == decision.spell), None)
    subsidy = SocialInsuranceSubsidy(
        person_key=person_key(id_number),
        id_number=id_number,
        name=name,
        region=region,
        applied_on=applied_on,
        state="approved",
        decision=json.dumps(
            {"approved": decision.approved, "criteria": [criterion_dict(c) for c in decision.criteria]},
            ensure_ascii=False,
            default=str,
        ),
        months_left=decision.months_left,
        first_period=applied_on.replace(day=1),
        flexible_employment_id=spell_id,
        certification_id=certification.id if certification else None,
        decided_by=principal.sub,
    )
    session.add(subsidy)
    await session.flush()
    return subsidy


async def readable(session: AsyncSession, principal: Principal, subsidy_id: int) -> SocialInsuranceSubsidy:
    s = await session.get(SocialInsuranceSubsidy, subsidy_id)
    if s is None or not principal.can_read(s.region):
        raise NotFound("si_subsidy", str(subsidy_id))
    return s


async def payments_of(session: AsyncSession, subsidy_id: int) -> list[SubsidyPayment]:
    return list(
        (
            await session.execute(
                select(SubsidyPayment).where(SubsidyPayment.subsidy_id == subsidy_id).order_by(SubsidyPayment.period)
            )
        ).scalars()
    )


async def listed(
    session: AsyncSession, principal: Principal, region: str | None, state: str | None, after: int, limit: int
) -> list[SocialInsuranceSubsidy]:
    query = select(SocialInsuranceSubsidy).where(SocialInsuranceSubsidy.id > after)
    if (region := principal.region_to_read(region)) is not None:
        query = query.where(SocialInsuranceSubsidy.region == region)
    if state is not None:
        query = query.where(SocialInsuranceSubsidy.state == state)
    return list((await session.execute(query.order_by(SocialInsuranceSubsidy.id).limit(limit))).scalars())


async def make_run(
    session: AsyncSession, principal: Principal, region: str, month: dt.date, today: dt.date
) -> SubsidyRun:
    """The region's run for ``month``: for each approved subsidy with an account, the months the person paid from
    its first month to the run's month and to the end of the flexible employment, not subsidised before, within
    the months left; and the failed lines of earlier runs whose account has been corrected since. A draft until a
    second officer approves it. The first run after the flexible employment (or its agreement) ended is the
    subsidy's last: it pays the months paid by then and the subsidy ends."""
    principal.ensure_writable(region)
    if month > today.replace(day=1):
        raise Unprocessable("month_in_future", f"{month:%Y-%m} has not begun", field="body.month")
    if month < LAW_START:
        raise Unprocessable("month_before_law", f"the books begin in {LAW_START:%Y-%m}", field="body.month")
    if (
        await session.execute(select(SubsidyRun.id).where(SubsidyRun.region == region, SubsidyRun.month == month))
    ).first():
        raise Conflict("run_exists", f"the subsidy run of {region} for {month:%Y-%m} is already made")
    subsidies = list(
        (
            await session.execute(
                select(SocialInsuranceSubsidy)
                .where(SocialInsuranceSubsidy.region == region, SocialInsuranceSubsidy.state == "approved")
                .order_by(SocialInsuranceSubsidy.id)
                .with_for_update()
            )
        ).scalars()
    )
    payees = {
        p.subsidy_id: p
        for p in (
            await session.execute(
                select(SubsidyPayee).where(SubsidyPayee.subsidy_id.in_([s.id for s in subsidies] or [0]))
            )
        ).scalars()
    }
    run = SubsidyRun(region=region, month=month, state="draft", lines=0, people=0, amount=0, made_by=principal.sub)
    session.add(run)
    await session.flush()
    values = await parameter_values(session, default_values())
    lines: list[SubsidyPayment] = []
    for s in subsidies:
        payee = payees.get(s.id)
        if payee is None:
            run.awaiting_account += 1  # nothing lost: its months wait for the account, in a later run
            continue
        spells = dict(await _spells(session, s.id_number, s.region))
        spell = spells.get(s.flexible_employment_id) if s.flexible_employment_id else None
        last = last_day(spell) if spell is not None else None
        paid_months = [
            OwnMonth(period, floor)
            for period, floor in await session.execute(
                select(ContributionMonth.period, ContributionMonth.floor_fen).where(
                    ContributionMonth.person_key == s.person_key,
                    ContributionMonth.unit_credit_code == "",
                    ContributionMonth.floor_fen.is_not(None),
                )
            )
        ]
        done = {p.period for p in await payments_of(session, s.id)}
        take = payable(
            paid_months,
            subsidised=done,
            first=s.first_period,
            last=last,
            through=month,
            months_left=s.months_left - len(done),
        )
        for m in take:
            share = parse_share(in_force_all(values, NAMES, s.region, m.period)["si_subsidy_share"].value)
            lines.append(
                SubsidyPayment(
                    subsidy_id=s.id,
                    run_id=run.id,
                    person_key=s.person_key,
                    id_number=s.id_number,
                    region=s.region,
                    period=m.period,
                    floor_fen=m.floor_fen,
                    amount=monthly_amount(m.floor_fen, share),
                    state="draft",
                    bank_code=payee.bank_code,
                    card_number=payee.card_number,
                    holder_name=payee.holder_name,
                    attempts=1,
                )
            )
        if last is not None and last < month:  # the first run after the end settles it: the subsidy ends
            s.state, s.ended_on, s.end_reason = "ended", last, "flexible_employment_ended"
        elif len(done) + len(take) >= s.months_left:
            s.state, s.ended_on, s.end_reason = "ended", month, "maximum_period_reached"
    # failed transfers of earlier runs, paid again once their account was corrected after the failure
    for p, payee in await session.execute(
        select(SubsidyPayment, SubsidyPayee)
        .join(SubsidyPayee, SubsidyPayee.subsidy_id == SubsidyPayment.subsidy_id)
        .where(
            SubsidyPayment.region == region,
            SubsidyPayment.state == "failed",
            SubsidyPayee.updated_at > SubsidyPayment.failed_at,
        )
        .order_by(SubsidyPayment.id)
    ):
        p.run_id, p.state, p.attempts = run.id, "draft", p.attempts + 1
        p.bank_code, p.card_number, p.holder_name = payee.bank_code, payee.card_number, payee.holder_name
        p.failure_code = p.failed_at = None
        lines.append(p)
        run.reissued += 1
    lines.sort(key=lambda p: (p.bank_code, p.subsidy_id, p.period))
    for n, p in enumerate(lines, 1):
        p.line_no = n
    session.add_all(lines)
    run.lines, run.people, run.amount = len(lines), len({p.person_key for p in lines}), sum(p.amount for p in lines)
    await session.flush()
    return run


async def run_for(session: AsyncSession, principal: Principal, run_id: int, *, lock: bool = False) -> SubsidyRun:
    query = select(SubsidyRun).where(SubsidyRun.id == run_id)
    run = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    if run is None or not principal.can_read(run.region):
        raise NotFound("si_subsidy_run", str(run_id))
    return run


async def run_lines(session: AsyncSession, run_id: int) -> list[SubsidyPayment]:
    return list(
        (
            await session.execute(
                select(SubsidyPayment).where(SubsidyPayment.run_id == run_id).order_by(SubsidyPayment.id)
            )
        ).scalars()
    )


async def approve_run(session: AsyncSession, principal: Principal, run: SubsidyRun) -> None:
    """Maker-checker, as for benefits (N§4): another officer of the region approves; only then do the files go to
    the banks. Nothing is paid until a bank's return file confirms it."""
    principal.ensure_writable(run.region, field="path.run_id")
    if run.state != "draft":
        raise Conflict("run_not_draft", f"subsidy run {run.id} is {run.state}", extra={"state": run.state})
    if principal.sub == run.made_by:
        raise Forbidden("maker_cannot_approve", f"run {run.id} was made by {run.made_by}: another officer approves it")
    run.state, run.approved_by, run.approved_at = "approved", principal.sub, utcnow()
    await session.execute(update(SubsidyPayment).where(SubsidyPayment.run_id == run.id).values(state="approved"))
    await session.flush()


async def run_file(session: AsyncSession, run: SubsidyRun, bank_code: str) -> tuple[bytes, int]:
    """The run's file for one bank, in the benefits' bank-file format, and the number of its payment lines."""
    if run.state == "draft":
        raise Conflict("run_not_approved", f"run {run.id} is not approved: no file goes to the bank before that")
    lines = [p for p in await run_lines(session, run.id) if p.bank_code == bank_code]
    if not lines:
        raise NotFound("bank_file", f"{run.id}/{bank_code}")
    content = bank_file(
        run.id,
        bank_code,
        run.region,
        [FileLine(p.line_no, p.card_number, p.holder_name, p.amount, p.period) for p in lines],
        purpose="社会保险补贴",
    )
    return content, len(lines)


async def set_payee(
    session: AsyncSession, principal: Principal, subsidy_id: int, bank_code: str, card: str, holder: str
) -> SubsidyPayee:
    """The subsidised person's own account (N§4: paid into an account in their own name)."""
    s = await readable(session, principal, subsidy_id)
    principal.ensure_writable(s.region, field="path.subsidy_id")
    check_account(bank_code, card, holder, s.name)
    payee = await session.get(SubsidyPayee, subsidy_id)
    if payee is None:
        payee = SubsidyPayee(subsidy_id=subsidy_id)
        session.add(payee)
    payee.bank_code, payee.card_number, payee.holder_name = bank_code, card_number(card), holder.strip()
    payee.updated_at, payee.updated_by = utcnow(), principal.sub
    await session.flush()
    return payee


async def payee_of(
    session: AsyncSession, principal: Principal, subsidy_id: int
) -> tuple[SubsidyPayee, SocialInsuranceSubsidy]:
    subsidy = await readable(session, principal, subsidy_id)
    payee = await session.get(SubsidyPayee, subsidy_id)
    if payee is None:
        raise NotFound("payee_account", str(subsidy_id))
    return payee, subsidy


async def apply_return(
    session: AsyncSession, principal: Principal, run: SubsidyRun, content: bytes, today: dt.date
) -> tuple[SubsidyReturn, bool]:
    """The bank's return file, all or nothing, as for benefits: each line one of the run's, with its account and
    amount; the same file again changes nothing. Paid lines are announced (fund-monitor books them against the
    region's re-employment funds); failed ones wait for a corrected account and a later run."""
    principal.ensure_writable(run.region, field="path.run_id")
    digest = hashlib.sha256(content).hexdigest()
    done = (
        await session.execute(
            select(SubsidyReturn).where(SubsidyReturn.run_id == run.id, SubsidyReturn.sha256 == digest)
        )
    ).scalar_one_or_none()
    if done is not None:
        return done, True
    if run.state == "draft":
        raise Conflict("run_not_approved", f"run {run.id} was never approved, so no file went to the bank")
    by_line = {p.line_no: p for p in await run_lines(session, run.id)}
    expected = {n: Expected(p.card_number, p.amount, p.state) for n, p in by_line.items()}
    lines = checked_return(content, today, expected, f"run {run.id}")
    record = SubsidyReturn(run_id=run.id, sha256=digest, paid=0, failed=0, created_by=principal.sub)
    session.add(record)
    await session.flush()
    now = utcnow()
    paid: list[SubsidyPayment] = []
    for ln in lines:
        p = by_line[ln.line_no]
        if p.state in ("paid", "failed"):
            continue  # answered the same way by an earlier file
        p.return_id = record.id
        if ln.paid:
            p.state, p.paid_on = "paid", ln.value_date
            paid.append(p)
        else:
            p.state, p.failure_code, p.failed_at = "failed", ln.reason_code, now
            record.failed += 1
    record.paid = len(paid)
    await session.flush()
    if paid:
        await emit(
            session,
            SocialInsuranceSubsidyPaid(
                return_id=record.id,
                run_id=run.id,
                region=run.region,
                month=f"{run.month:%Y-%m}",
                people=len({p.person_key for p in paid}),
                months=len(paid),
                amount_fen=sum(p.amount for p in paid),
                paid_on=max(p.paid_on for p in paid if p.paid_on is not None),
            ),
            subject=f"{run.region}:si_subsidy",
            region=run.region,
        )
    return record, False


async def end_on_flexible_work(session: AsyncSession, seen: FlexibleWorkSeen) -> None:
    """A spell the subsidy rests on has ended (re-employed, unemployed): the subsidy ends with it; months paid up to
    its last day are still subsidised by the next run (N§6: the subsidy is for the time in flexible employment)."""
    ended = {fid: spell for _, fid, spell in seen.spells if spell.end is not None}
    if not ended:
        return
    subsidies = (
        await session.execute(
            select(SocialInsuranceSubsidy).where(
                SocialInsuranceSubsidy.flexible_employment_id.in_(sorted(ended)),
                SocialInsuranceSubsidy.state == "approved",
            )
        )
    ).scalars()
    for s in subsidies:
        s.ended_on, s.end_reason = last_day(ended[s.flexible_employment_id]), "flexible_employment_ended"


@dataclass(frozen=True, slots=True)
class MonthAnswer:
    period: dt.date
    floor_fen: int
    amount: int
    share: str
    payment: SubsidyPayment | None


async def month_answer(session: AsyncSession, principal: Principal, subsidy_id: int, period: dt.date) -> MonthAnswer:
    """Is this month subsidised, and for how much? A month the person did not pay, or outside the subsidy's time
    (before its application's month, after the flexible employment), is refused naming the rule (N§6 ¶2)."""
    s = await readable(session, principal, subsidy_id)
    done = {p.period: p for p in await payments_of(session, s.id)}
    floor = (
        await session.execute(
            select(ContributionMonth.floor_fen).where(
                ContributionMonth.person_key == s.person_key,
                ContributionMonth.unit_credit_code == "",
                ContributionMonth.period == period,
            )
        )
    ).scalar_one_or_none()
    spells = dict(await _spells(session, s.id_number, s.region))
    spell = spells.get(s.flexible_employment_id) if s.flexible_employment_id else None
    last = last_day(spell) if spell is not None else None
    if period < s.first_period or (last is not None and period > last):
        raise Unprocessable(
            "month_outside_subsidy",
            f"the subsidy covers months from {s.first_period:%Y-%m}"
            + (f" to the end of the flexible employment on {last}" if last else "")
            + " (N§6 ¶2)",
            field="path.period",
        )
    if floor is None and period not in done:
        raise Unprocessable(
            "month_not_paid",
            f"the person has not paid their own contributions for {period:%Y-%m}: only a month actually paid is "
            "subsidised (N§6 ¶2); once it is paid, the next run takes it",
            field="path.period",
        )
    values = await parameter_values(session, default_values())
    share = in_force_all(values, NAMES, s.region, period)["si_subsidy_share"].value
    paid = done.get(period)
    floor_fen = paid.floor_fen if paid is not None else int(floor or 0)
    amount = paid.amount if paid is not None else monthly_amount(floor_fen, parse_share(share))
    return MonthAnswer(period, floor_fen, amount, share, paid)
