"""Payments besides the monthly benefit (R19): the medical subsidy while benefits are drawn, and on a death the
funeral subsidy (from 2011-07-01 on the survivors' choice, SIL49) and the survivors' pension, each once."""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    SYSTEM,
    Conflict,
    Criterion,
    ParameterValue,
    Unprocessable,
    format_yuan,
    latest_decision,
    parameter_values,
    parse_yuan,
    record_decision,
)
from insurance_shared.contracts import SubsidyPaid
from insurance_shared.events import emit

from ..claims.messages import ClaimStoppedFor
from ..claims.models import BenefitPayment, Claim
from ..rules.death import WITH_THE_STOP, Choice, funeral_subsidy_on, survivors_choice
from ..rules.eligibility import default_values, parameters_on
from ..rules.medical import subsidy_on


async def one_off(
    session: AsyncSession,
    claim: Claim,
    kind: str,
    amount: int,
    paid_on: dt.date,
    *,
    standard: Criterion,
    decided_by: str,
    rule: str | None = None,
) -> tuple[BenefitPayment, int]:
    """One payment of ``kind`` per claim and month (R19: the medical subsidy is a monthly allowance; funeral and
    survivors' payments are once): a second is refused, not booked twice. Each is a decision record citing the
    ``standard`` it paid; returns the payment and that record's id."""
    month = paid_on.replace(day=1)
    earlier = await session.scalar(
        select(BenefitPayment).where(
            BenefitPayment.claim_id == claim.id, BenefitPayment.month == month, BenefitPayment.kind == kind
        )
    )
    if earlier is not None:
        raise Conflict(
            f"{kind}_already_paid",
            f"claim {claim.id} already has a {kind} payment for {month:%Y-%m} (payment {earlier.id}, "
            f"{format_yuan(earlier.amount)} on {earlier.paid_on}); one per claim and month",
        )
    payment = BenefitPayment(
        claim_id=claim.id, region=claim.region, month=paid_on.replace(day=1), kind=kind, amount=amount, paid_on=paid_on
    )
    session.add(payment)
    await session.flush()
    decision_id = await record_decision(
        session,
        kind="claim.one_off_payment",
        subject=("benefit_payment", payment.id),
        region=claim.region,
        person=claim.id_number,
        outcome=kind,
        clause=standard.clause,
        explanation=standard.explanation,
        decided_by=decided_by,
        rule=rule,
        criteria=[standard],
        references={"claim_id": claim.id, "amount_fen": amount},
        effective_date=paid_on,
    )
    await emit(
        session,
        SubsidyPaid(
            claim_id=claim.id, region=claim.region, kind=kind, amount_fen=amount, paid_on=paid_on, payment_id=payment.id
        ),
        subject=claim.person_key,
        region=claim.region,
    )
    return payment, decision_id


async def medical_subsidy(
    session: AsyncSession, claim: Claim, paid_on: dt.date, officer: str
) -> tuple[BenefitPayment, ParameterValue, int]:
    """R19: the region's standard in force on ``paid_on``; refused for dates SIL48 governs (the fund pays the
    medical-insurance contribution with the run instead, so a subsidy as well would pay twice for one thing)."""
    decided = subsidy_on(await parameter_values(session, default_values()), claim.region, paid_on)
    if decided.amount is None or decided.parameter is None:
        raise Unprocessable(
            "medical_subsidy_replaced",
            f"no medical subsidy is paid for {paid_on}: from 2011-07-01 the fund pays the claimant's basic "
            f"medical-insurance contribution with the monthly run instead ({decided.clause}, 社会保险法 第四十八条)",
            field="body.paid_on",
            extra={"clause": decided.clause},
        )
    standard = Criterion(
        "medical_subsidy",
        True,
        decided.parameter.clause or "R19",
        f"the region's monthly medical subsidy in force on {paid_on}: {decided.parameter.value} yuan",
        {"paid_on": paid_on, "amount_fen": decided.amount},
        (decided.parameter,),
        f"{paid_on}适用的本地区医疗补助金月标准: {decided.parameter.value}元",
    )
    payment, decision_id = await one_off(
        session, claim, "medical", decided.amount, paid_on, standard=standard, decided_by=officer
    )
    return payment, decided.parameter, decision_id


async def on_claim_stopped(session: AsyncSession, stopped: ClaimStoppedFor) -> None:
    """A death pays the survivors' pension (months of the benefit), once; the funeral subsidy with it for a death
    the Regulation governs (R19), else only on the survivors' choice (SIL49 ¶2; ``funeral_subsidy``)."""
    if stopped.reason != "death":
        return
    claim = await session.get(Claim, stopped.claim_id)
    assert claim is not None
    params = parameters_on(await parameter_values(session, default_values()), claim.region, stopped.effective)
    months = params["survivors_pension_months"]
    survivors = claim.monthly_amount * int(months.value)
    payments: list[tuple[str, int, Criterion]] = []
    variant = funeral_subsidy_on(stopped.effective)
    if variant.formula == WITH_THE_STOP:
        payments.append(("funeral", *_funeral_standard(params, stopped.effective, variant.reference)))
    payments.append(
        (
            "survivors",
            survivors,
            Criterion(
                "survivors_pension",
                True,
                months.clause or "R19",
                f"a death while drawing benefits pays a survivors' pension of {months.value} months of the benefit "
                f"({claim.monthly_amount / 100:.2f} yuan a month)",
                {"death": stopped.effective, "monthly_amount_fen": claim.monthly_amount},
                (months,),
                f"领取失业保险金期间死亡, 发给抚恤金: {months.value}个月的失业保险金 (每月{claim.monthly_amount / 100:.2f}元)",
            ),
        )
    )
    for kind, amount, standard in payments:
        await one_off(
            session,
            claim,
            kind,
            amount,
            stopped.today,
            standard=standard,
            decided_by=SYSTEM,
            rule=f"claims.subsidies.service.on_claim_stopped ({standard.clause})",
        )


def _funeral_standard(params: dict[str, ParameterValue], death: dt.date, clause: str) -> tuple[int, Criterion]:
    funeral = params["funeral_subsidy"]
    return parse_yuan(funeral.value), Criterion(
        "funeral_subsidy",
        True,
        funeral.clause or clause,
        f"a death while drawing benefits ({death}) pays the region's funeral subsidy: {funeral.value} yuan",
        {"death": death},
        (funeral,),
        f"领取失业保险金期间死亡 ({death}), 发给本地区丧葬补助金{funeral.value}元",
    )


async def funeral_subsidy(
    session: AsyncSession, claim: Claim, chosen: str, paid_on: dt.date, officer: str
) -> tuple[Choice, int, tuple[BenefitPayment, Criterion, int] | None]:
    """SIL49 ¶2: the survivors' choice of funeral subsidy for a death from 2011-07-01, recorded once; paid at the
    region's standard in force on the day of death when they chose this fund's. The caller holds the claim's lock.
    Returns the decided choice, its decision record's id, and the payment with its standard and record (None:
    another fund pays it)."""
    if claim.state != "stopped" or claim.stop_reason != "death" or claim.stopped_on is None:
        raise Unprocessable(
            "claim_not_ended_by_death",
            f"claim {claim.id} did not end with a death: a funeral subsidy is paid to the survivors of a person "
            "who died while drawing benefits (R19; SIL49)",
            field="path.claim_id",
        )
    death = claim.stopped_on
    variant = funeral_subsidy_on(death)
    if variant.formula == WITH_THE_STOP:
        raise Conflict(
            "funeral_subsidy_paid_with_the_stop",
            f"the death on {death} is governed by the Regulation: its funeral subsidy was paid with the stop "
            f"({variant.reference}); the survivors' choice between funds applies to deaths from 2011-07-01 (SIL49)",
        )
    paid = await session.scalar(
        select(BenefitPayment.id).where(BenefitPayment.claim_id == claim.id, BenefitPayment.kind == "funeral")
    )
    chosen_before = await latest_decision(session, "claim", claim.id, kinds=[FUNERAL_CHOICE])
    if paid is not None or chosen_before is not None:
        raise Conflict(
            "funeral_subsidy_decided",
            f"the survivors' choice of funeral subsidy for claim {claim.id} is already recorded "
            f"(decision {chosen_before}, payment {paid}); they choose once (SIL49 ¶2)",
        )
    choice = survivors_choice(death, chosen)
    criterion = Criterion(
        "funeral_subsidy_choice",
        choice.pays,
        choice.clause,
        choice.explanation,
        {"death": death, "chosen": chosen},
        (),
        choice.explanation_zh,
    )
    decision_id = await record_decision(
        session,
        kind=FUNERAL_CHOICE,
        subject=("claim", claim.id),
        region=claim.region,
        person=claim.id_number,
        outcome=chosen,
        clause=choice.clause,
        explanation=choice.explanation,
        decided_by=officer,
        criteria=[criterion],
        effective_date=death,
    )
    if not choice.pays:
        return choice, decision_id, None
    params = parameters_on(await parameter_values(session, default_values()), claim.region, death)
    amount, standard = _funeral_standard(params, death, "SIL49")
    payment, paid_id = await one_off(session, claim, "funeral", amount, paid_on, standard=standard, decided_by=officer)
    return choice, decision_id, (payment, standard, paid_id)


FUNERAL_CHOICE = "claim.funeral_subsidy_choice"
