"""Undoing a late fee overturned on appeal (C13; policy.md Claims 11): run by the shared appeals review in its
own transaction, so the overturn and the money it moves commit together or not at all.

For each declaration the overturned decision charged, per ledger (rules.payments.undo_late_fee): what is still owed
of the fee is cancelled, the rest was paid and becomes the payer's credit, taken out of the fund it reached (the
province's clearing account for a provincial-direct unit's unemployment money, netted against the next remittance).
Fund-monitor hears of the unemployment money that left (``LateFeeRefunded``); ``/totals`` lists it for reconciling.
The overturned decision cannot be appealed again (the shared review replaces it), and each (decision, declaration)
is refunded at most once (a unique key), so a fee is never refunded twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import PROVINCE, NotFound, Overturned, Principal, person_key, utcnow
from insurance_shared.contracts import LateFeeRefunded
from insurance_shared.events import emit

from ..declarations.models import Declaration
from ..declarations.service import _lock_unit
from ..ledger.service import Entry, post_many
from ..persons.models import Person
from ..rules import postings
from ..rules.payments import undo_late_fee
from ..units.repository import get_by_credit_code
from .models import LateFeeRefund, Payment


async def _lock_payer(session: AsyncSession, payment: Payment) -> None:
    """The payer's lock, the one its payments take: a payment running beside the refund must not write back a
    declaration's fee from before it."""
    if payment.unit_credit_code is not None:
        unit = await get_by_credit_code(session, payment.unit_credit_code)
        assert unit is not None  # a payment names a unit that exists (units are never deleted)
        await _lock_unit(session, unit)
    else:
        await session.execute(select(Person.person_key).where(Person.person_key == payment.payer_key).with_for_update())


async def late_fee_overturned(session: AsyncSession, o: Overturned) -> str:
    payment = await session.get(Payment, int(o.decision.subject_id))
    assert payment is not None  # a late-fee record names its payment (neither is ever deleted)
    await _lock_payer(session, payment)
    refunds: list[tuple[LateFeeRefund, str]] = []  # with the declaration's collecting region, as its fee was booked
    for criterion in o.decision.criteria:
        # what the record says was charged to each declaration (the record is append-only: the authority)
        declaration_id, fee_p, fee_u = (
            int(str(criterion.values[k])) for k in ("declaration_id", "fee_pension_fen", "fee_unemployment_fen")
        )
        declaration = await session.get(Declaration, declaration_id)
        assert declaration is not None
        cancelled_p, credited_p = undo_late_fee(fee_p, declaration.fee_pension)
        cancelled_u, credited_u = undo_late_fee(fee_u, declaration.fee_unemployment)
        declaration.fee_pension -= cancelled_p
        declaration.fee_unemployment -= cancelled_u
        declaration.updated_at = utcnow()
        refunds.append(
            (
                LateFeeRefund(
                    decision_id=o.decision.id,
                    appeal_id=o.appeal_id,
                    payment_id=payment.id,
                    declaration_id=declaration.id,
                    unit_credit_code=payment.unit_credit_code,
                    payer_key=payment.payer_key,
                    region=payment.region,
                    home_region=declaration.home_region,
                    via_province=declaration.region == PROVINCE,
                    cancelled_pension=cancelled_p,
                    cancelled_unemployment=cancelled_u,
                    credited_pension=credited_p,
                    credited_unemployment=credited_u,
                    refunded_on=o.today,
                    created_at=utcnow(),
                ),
                declaration.region,
            )
        )
    session.add_all([r for r, _ in refunds])
    await session.flush()  # the refunds' ids key their journal entries and events
    await post_many(session, [_entry(r, region) for r, region in refunds])
    for r, _ in refunds:
        if r.credited_unemployment:
            await emit(
                session,
                LateFeeRefunded(
                    refund_id=r.id,
                    region=r.region,
                    amount_fen=r.credited_unemployment,
                    refunded_on=r.refunded_on,
                    payment_id=r.payment_id,
                    decision_id=r.decision_id,
                    via_province=r.via_province,
                ),
                subject=f"{r.region}:unemployment",
                region=r.region,
            )
    cancelled = sum(r.cancelled_pension + r.cancelled_unemployment for r, _ in refunds)
    credited = sum(r.credited_pension + r.credited_unemployment for r, _ in refunds)
    return (
        f"late fee of {(cancelled + credited) / 100:.2f} yuan on payment {payment.id} undone: "
        f"{cancelled / 100:.2f} still owed cancelled, {credited / 100:.2f} paid credited to "
        f"{payment.unit_credit_code or 'the flexible worker'} (it pays their next contributions first)"
    )


def _entry(r: LateFeeRefund, declaration_region: str) -> Entry:
    lines = []
    for fund, cancelled, credited in (
        ("pension", r.cancelled_pension, r.credited_pension),
        ("unemployment", r.cancelled_unemployment, r.credited_unemployment),
    ):
        lines += postings.fee_undone(
            declaration_region,
            r.region,
            fund,
            cancelled=cancelled,
            credited=credited,
            provincial_direct=r.via_province,
        )
    return Entry("late_fee_refund", f"late_fee_refund:{r.id}", lines, memo=f"decision {r.decision_id} overturned")


async def refunds_of(session: AsyncSession, principal: Principal, payer: str) -> list[LateFeeRefund]:
    """A payer's refunds (a unit's credit code or a person's identity number), those of the regions the caller
    reads. Another region's unit is not there for the caller (404, as for no unit); a person's refunds elsewhere
    are left out, so the answer tells nothing of them."""
    unit = await get_by_credit_code(session, payer)
    if unit is not None and not principal.can_read(unit.region):
        raise NotFound("unit", payer)
    stmt = (
        select(LateFeeRefund)
        .where((LateFeeRefund.unit_credit_code == payer) | (LateFeeRefund.payer_key == person_key(payer)))
        .order_by(LateFeeRefund.id)
    )
    return [r for r in (await session.scalars(stmt)).all() if principal.can_read(r.region)]
