"""The monthly payment run (policy.md Claims 6-7; R16; N§5 ¶2): each verified claim paid once for the month.

Chunks of claims commit one after another, so a run over 100,000 claims does not hold one huge transaction. A
unique (claim, month, kind) row makes paying twice impossible: a run that crashed half way is simply run again,
pays the rest, and completes; a completed month is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, and_, bindparam, func, or_, select, text, type_coerce, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    COPY_THRESHOLD,
    LAW_START,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Principal,
    Problem,
    Unprocessable,
    copy_new_rows,
    is_postgresql,
    take_turn,
    upsert_insert,
    utcnow,
)
from insurance_shared.contracts import (
    BenefitsConfirmed,
    FailedPayment,
    PaymentBatchApproved,
    PaymentReissued,
    PaymentReturnedToFund,
    PaymentsFailed,
)
from insurance_shared.events import emit, emit_many

from ..claims.messages import ClaimStoppedFor
from ..claims.models import BenefitPayment, Claim
from ..claims.service import announce_closed
from ..rules.payees import (
    Expected,
    FileLine,
    ReturnLine,
    account_problems,
    already_answered,
    bank_file,
    card_number,
    parse_return_file,
    return_problems,
)
from ..rules.payments import amount_for_month, month_bounds
from . import medical
from .drafts import DraftBatches, batching_turn
from .models import MedicalTransfer, PayeeAccount, PaymentBatch, PaymentReturn, PaymentRun

CHUNK = 2000


def _payable(c: Any) -> tuple:
    """The claims a run pays for the month (``c``: the claims table's columns, or a subquery's)."""
    return (
        c.region == bindparam("region"),
        c.eligible.is_(True),
        c.certificate_no.is_not(None),
        c.state.in_(("active", "stopped", "exhausted")),
        c.registered_on < bindparam("after"),
        c.entitlement_end > bindparam("first"),
        or_(c.stopped_on.is_(None), c.stopped_on > bindparam("first")),
    )


# Their ids first, in one read, then each chunk as the range of ids it spans. On statistics older than the claims
# (a table loaded or grown since it was last analysed), PostgreSQL answered a chunk from the (region, state) index,
# reading every open claim of the region for each chunk: a run's cost grew with the square of its claims, half a
# second a chunk at a million (bench/README, "payment run, second pass"). The range is read in a subquery that
# OFFSET 0 keeps whole, so no condition of the outer query reaches it and any plan reads it by primary key.
#
# A claim whose month is already there (a resumed run; back pay written while the run goes) is read too (it may
# close this month) but gets no line: its line number would be a gap in the batch.
_PAID = select(BenefitPayment.claim_id).where(
    BenefitPayment.month == bindparam("first"), BenefitPayment.kind == "benefit", BenefitPayment.part == 0
)
_PAYABLE_IDS = (
    select(Claim.id, Claim.id.in_(_PAID).label("paid"))
    .where(Claim.id > bindparam("after_id"), *_payable(Claim))
    .order_by(Claim.id)
)
_SPAN = (
    select(
        Claim.id,
        Claim.region,
        Claim.eligible,
        Claim.certificate_no,
        Claim.state,
        Claim.monthly_amount,
        Claim.registered_on,
        Claim.entitlement_end,
        Claim.stopped_on,
    )
    .where(Claim.id.between(bindparam("lo"), bindparam("hi")))
    .offset(0)
    .subquery()
)
_CHUNK = (
    select(
        _SPAN.c.id,
        _SPAN.c.monthly_amount,
        _SPAN.c.registered_on,
        _SPAN.c.entitlement_end,
        _SPAN.c.stopped_on,
        _SPAN.c.state,
    )
    .where(*_payable(_SPAN.c))
    .order_by(_SPAN.c.id)
)


async def run_month(
    session: AsyncSession, region: str, month: dt.date, today: dt.date, made_by: str
) -> tuple[PaymentRun, BatchOutcome]:
    """Compute the month's benefit of every verified claim of the region, each payment written onto its bank's
    draft batch as it is computed (``payments/drafts.py``), and then put what waits from earlier months on the same
    batches (make_batches). Nothing is paid here: a batch is approved by a second officer, its file goes to the
    bank, and the bank's return file says what was paid."""
    if month > today.replace(day=1):
        raise Unprocessable("month_in_future", f"{month:%Y-%m} has not begun", field="body.month")
    if month < LAW_START.replace(day=1):
        raise Unprocessable(
            "month_before_law",
            f"{month:%Y-%m} lies before {LAW_START:%Y-%m}, where the books begin",
            field="body.month",
        )
    run = (
        await session.execute(select(PaymentRun).where(PaymentRun.region == region, PaymentRun.month == month))
    ).scalar_one_or_none()
    if run is not None and run.status == "completed":
        raise Conflict(
            "month_already_paid", f"the run for {region} {month:%Y-%m} completed on {run.completed_at:%Y-%m-%d}"
        )
    if run is None:
        run = PaymentRun(region=region, month=month, status="running")
        session.add(run)
        await session.flush()
        await session.commit()  # the run exists before any payment: a crash leaves it "running", to be resumed
    first, after = month_bounds(month)
    bounds = {"region": region, "first": first, "after": after}
    ids = (await session.execute(_PAYABLE_IDS, {**bounds, "after_id": 0})).all()
    while ids:
        for start in range(0, len(ids), CHUNK):
            # plain rows, not Claim objects: a run reads 100,000 claims and needs six of their columns; read
            # with the run's conditions again, which a claim stopped since its id was read no longer meets
            span = {"lo": ids[start][0], "hi": ids[min(start + CHUNK, len(ids)) - 1][0]}
            paid = {claim_id for claim_id, was_paid in ids[start : start + CHUNK] if was_paid}
            claims = await session.execute(_CHUNK, {**bounds, **span})
            due: list[tuple[int, int, int]] = []  # (claim, amount, days)
            closing: list[int] = []
            for claim_id, monthly, registered_on, entitlement_end, stopped_on, state in claims:
                amount, days = amount_for_month(monthly, first, registered_on, entitlement_end, stopped_on)
                if amount and claim_id not in paid:
                    due.append((claim_id, amount, days))
                if state == "active" and entitlement_end is not None and entitlement_end <= after:
                    closing.append(claim_id)
            if due:
                await _insert_payments(session, run, made_by, today, due, span)
            if closing:  # in the chunk's transaction: a resumed run finds them exhausted and announces none twice
                for c in (await session.execute(select(Claim).where(Claim.id.in_(closing)))).scalars():
                    c.state = "exhausted"
                    await announce_closed(session, c, "exhausted", c.entitlement_end)  # type: ignore[arg-type]
            await session.commit()
        # claims registered while the run went (ids are handed out in order)
        ids = (await session.execute(_PAYABLE_IDS, {**bounds, "after_id": ids[-1][0]})).all()
    total, count = (
        await session.execute(
            select(func.coalesce(func.sum(BenefitPayment.amount), 0), func.count()).where(
                BenefitPayment.region == region, BenefitPayment.month == first, BenefitPayment.kind == "benefit"
            )
        )
    ).one()
    outcome = await make_batches(session, run, made_by, now=utcnow())
    outcome.medical = await medical.draft(session, run, made_by)
    run = await session.get(PaymentRun, run.id)
    assert run is not None
    run.status, run.amount, run.claims_paid, run.completed_at = "completed", int(total), int(count), utcnow()
    await session.flush()
    return run, outcome


# the accounts of a chunk's claims, as stored (sealed, never opened: a line carries the same values)
_ACCOUNTS = select(
    PayeeAccount.claim_id,
    PayeeAccount.bank_code,
    type_coerce(PayeeAccount.card_number, Text),
    type_coerce(PayeeAccount.holder_name, Text),
).where(PayeeAccount.claim_id.between(bindparam("lo"), bindparam("hi")))
_payments = BenefitPayment.__table__
_PAYMENT_COLUMNS = "claim_id, amount, days, attempts, batch_id, line_no, bank_code, card_number, holder_name"
_COPY_COLUMNS = ("run_id", "region", "month", "kind", "paid_on", "status", *_PAYMENT_COLUMNS.split(", "))
# a chunk's payments on PostgreSQL in one statement, the rows as arrays; what RETURNING leaves out was there
_INSERT_ALL = text(
    "INSERT INTO benefit_payments (run_id, region, month, kind, paid_on, status, " + _PAYMENT_COLUMNS + ")"
    " SELECT :run_id, :region, :month, 'benefit', :paid_on, 'pending', v.* FROM unnest(CAST(:claims AS bigint[]),"
    " CAST(:amounts AS bigint[]), CAST(:days AS integer[]), CAST(:attempts AS integer[]),"
    " CAST(:batches AS bigint[]), CAST(:lines AS integer[]), CAST(:banks AS text[]), CAST(:cards AS text[]),"
    " CAST(:holders AS text[])) AS v(" + _PAYMENT_COLUMNS + ")"
    " ON CONFLICT DO NOTHING RETURNING batch_id, amount"
)
# the same elsewhere, a row at a time
_INSERT_ONE = (
    sqlite_insert(_payments)
    .values(
        run_id=bindparam("run_id"),
        region=bindparam("region"),
        month=bindparam("month"),
        kind="benefit",
        paid_on=bindparam("paid_on"),
        status="pending",
        claim_id=bindparam("claim_id"),
        amount=bindparam("amount"),
        days=bindparam("days"),
        attempts=bindparam("attempts"),
        batch_id=bindparam("batch_id"),
        line_no=bindparam("line_no"),
        bank_code=bindparam("bank_code"),
        card_number=bindparam("card", type_=Text()),
        holder_name=bindparam("holder", type_=Text()),
    )
    .on_conflict_do_nothing()
    .returning(_payments.c.batch_id, _payments.c.amount)
)


async def _insert_payments(
    session: AsyncSession,
    run: PaymentRun,
    made_by: str,
    today: dt.date,
    due: list[tuple[int, int, int]],
    span: dict[str, int],
) -> None:
    """The month's benefit of each (claim, amount, days) of a chunk (its claims' ids in ``span``), computed today
    and pending until the bank confirms it (#21): on its bank's draft batch, with the account as it is now, or
    without a batch while the claimant has no account. A payment already there stays as it is."""
    drafts = await DraftBatches.take(session, run, made_by)
    accounts = {
        claim_id: (bank, card, holder) for claim_id, bank, card, holder in await session.execute(_ACCOUNTS, span)
    }
    await drafts.open_for(session, (accounts[claim_id][0] for claim_id, _, _ in due if claim_id in accounts))
    rows: list[tuple] = []
    for claim_id, amount, days in due:
        if (account := accounts.get(claim_id)) is not None:
            rows.append((claim_id, amount, days, 1, *drafts.place(account[0]), *account))
        else:
            rows.append((claim_id, amount, days, 0, None, None, None, None, None))
    fixed = {"run_id": run.id, "region": run.region, "month": run.month, "paid_on": today}
    # COPY, the fastest way in; it cannot skip a payment already there, which only back pay written since the run
    # read its claims can be: then the chunk goes again as an INSERT that skips it (what RETURNING leaves out)
    written: Any
    constant = (run.id, run.region, run.month, "benefit", today, "pending")
    if (
        is_postgresql(session)
        and len(rows) >= COPY_THRESHOLD
        and await copy_new_rows(session, "benefit_payments", _COPY_COLUMNS, [constant + row for row in rows])
    ):
        written = [(row[4], row[1]) for row in rows]  # (batch id, amount) of every row
    elif is_postgresql(session):
        arrays = dict(
            zip(
                ("claims", "amounts", "days", "attempts", "batches", "lines", "banks", "cards", "holders"),
                map(list, zip(*rows, strict=True)),
                strict=True,
            )
        )
        written = await session.execute(_INSERT_ALL, {**fixed, **arrays})
    else:
        names = ("claim_id", "amount", "days", "attempts", "batch_id", "line_no", "bank_code", "card", "holder")
        written = await session.execute(_INSERT_ONE, [{**fixed, **dict(zip(names, row, strict=True))} for row in rows])
    for batch_id, amount in written:
        if batch_id is not None:
            drafts.added_line(batch_id, amount)
    await drafts.count(session)


async def withdraw_after_stop(session: AsyncSession, stopped: ClaimStoppedFor) -> None:
    """R15: nothing is paid on or after a stop's effective date. A stop learnt late (dated before months already
    run) withdraws the claim's payments not yet on their way to the bank (waiting for an account, on a draft
    batch, or failed and waiting to go again): a month the stop ends before it begins is withdrawn whole, the
    month it falls in keeps its days before it. What is withdrawn stays in the fund (``returned``: never booked as
    spent), and an overturned stop owes it again (``back_pay``). What is approved, sent or paid is left as it is."""
    claim = await session.get(Claim, stopped.claim_id)
    assert claim is not None
    # the region's batching turn before any row lock: a run's chunk holds the turn and its draft batches while it
    # puts lines on them, and this recounts them; taken in the other order, the two would wait for each other
    await take_turn(session, batching_turn(claim.region))
    open_parts = (
        await session.execute(
            select(BenefitPayment)
            .outerjoin(PaymentBatch, PaymentBatch.id == BenefitPayment.batch_id)
            .where(
                BenefitPayment.claim_id == claim.id,
                BenefitPayment.kind == "benefit",
                BenefitPayment.month >= stopped.effective.replace(day=1),
                or_(
                    and_(
                        BenefitPayment.status == "pending",
                        or_(BenefitPayment.batch_id.is_(None), PaymentBatch.state == "draft"),
                    ),
                    BenefitPayment.status == "failed",  # the bank could not pay it: not gone either
                ),
            )
            .with_for_update(of=BenefitPayment)
        )
    ).scalars()
    await emit_many(session, await _keep_what_is_due(session, claim, stopped.effective, list(open_parts)))


async def _return_failed_after_stop(session: AsyncSession, region: str) -> int:
    """R15 and N§4 together: a failed payment of a claim that has stopped since is still owed for the days
    before the stop (the person was entitled to them; the bank only could not pay them), so it waits for a
    corrected account like any failed payment. Only what falls on or after the stop's effective date goes back
    to the fund: a whole month after it, or the rest of the month it falls in. Returns the payments touched."""
    failed = (
        await session.execute(
            select(BenefitPayment, Claim)
            .join(Claim, Claim.id == BenefitPayment.claim_id)
            .where(
                BenefitPayment.region == region,
                BenefitPayment.kind == "benefit",
                BenefitPayment.status == "failed",
                Claim.state == "stopped",
            )
            .with_for_update(of=BenefitPayment)
        )
    ).all()
    by_claim: dict[int, tuple[Claim, list[BenefitPayment]]] = {}
    for part, claim in failed:
        by_claim.setdefault(claim.id, (claim, []))[1].append(part)
    events: list[tuple] = []
    for claim, parts in by_claim.values():
        assert claim.stopped_on is not None
        events += await _keep_what_is_due(session, claim, claim.stopped_on, parts)
    await emit_many(session, events)
    return len(events)


async def _keep_what_is_due(
    session: AsyncSession, claim: Claim, stopped_on: dt.date, open_parts: list[BenefitPayment]
) -> list[tuple]:
    """Cut a stopped claim's payments not yet paid (``open_parts``: pending ones not on their way to the bank, or
    failed ones) to what each month is still due with the stop: the month's due less its other parts (on their
    way or paid: they stand), the earliest parts keeping it first. What is cut stays in the fund; a part cut to
    nothing is ``returned`` and, pending on a draft batch, leaves it. Draft batches' totals, and the draft SIL48
    medical transfer of a month no longer paid at all, are counted again. Returns the events to emit."""
    assert claim.entitlement_end is not None
    by_month: dict[dt.date, list[BenefitPayment]] = defaultdict(list)
    for part in sorted(open_parts, key=lambda p: (p.month, p.part)):
        by_month[part.month].append(part)
    batches: set[int] = set()
    no_longer_covered: set[dt.date] = set()
    events: list[tuple] = []
    for month, parts in by_month.items():
        due, days_due = amount_for_month(
            claim.monthly_amount, month, claim.registered_on, claim.entitlement_end, stopped_on
        )
        kept = await session.scalar(
            select(func.coalesce(func.sum(BenefitPayment.amount), 0)).where(
                BenefitPayment.claim_id == claim.id,
                BenefitPayment.kind == "benefit",
                BenefitPayment.month == month,
                BenefitPayment.status != "returned",
                BenefitPayment.id.not_in([p.id for p in parts]),
            )
        )
        room = max(0, due - int(kept or 0))
        for part in parts:
            keep = min(part.amount, room)
            room -= keep
            if keep == part.amount:
                continue
            events.append(
                _returned_to_fund(part.id, claim.id, claim.region, month, part.amount - keep, claim.person_key)
            )
            if part.status == "pending" and part.batch_id is not None:  # a draft batch's line (a failed one
                batches.add(part.batch_id)  # stays the line of the closed batch the bank answered)
            if keep == 0:
                if part.status == "pending":
                    part.batch_id, part.line_no = None, None
                # no day of the month is paid: not a month of benefit (nor of SIL48's medical contribution)
                part.status, part.days = "returned", 0
                no_longer_covered.add(month)
            else:
                part.amount, part.days = keep, days_due
    await session.flush()
    for batch_id in sorted(batches):  # a draft batch's totals are its lines'; one left with none is dropped
        lines, total = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(BenefitPayment.amount), 0)).where(
                    BenefitPayment.batch_id == batch_id
                )
            )
        ).one()
        batch = await session.get(PaymentBatch, batch_id, with_for_update=True)
        assert batch is not None and batch.state == "draft"
        if lines == 0:
            await session.delete(batch)
        else:
            batch.lines, batch.total = int(lines), int(total)
    for month in sorted(no_longer_covered):  # SIL48: a draft medical transfer counts the month's beneficiaries again
        transfer = await session.scalar(
            select(MedicalTransfer).where(
                MedicalTransfer.region == claim.region, MedicalTransfer.month == month, MedicalTransfer.state == "draft"
            )
        )
        if transfer is not None:
            run = await session.get(PaymentRun, transfer.run_id)
            assert run is not None
            await medical.draft(session, run, transfer.made_by)
    return events


def _returned_to_fund(
    payment_id: int, claim_id: int, region: str, month: dt.date, amount: int, person_key: str
) -> tuple[PaymentReturnedToFund, str, str]:
    event = PaymentReturnedToFund(
        payment_id=payment_id, claim_id=claim_id, region=region, month=f"{month:%Y-%m}", amount_fen=amount
    )
    return event, person_key, region


_BACK_PAY_ATTEMPTS = 5


async def back_pay(session: AsyncSession, claim: Claim, since: dt.date, today: dt.date) -> int:
    """What a stop later overturned on appeal withheld, owed from ``since``'s month through the last month the
    region has a run for, completed or still running (a month not yet run pays in full in its own run): for each
    month, the benefit due as if never stopped less what that month already has (a payment the bank returned and
    the fund took back does not count: it is owed again). Each shortfall is a further part of the month's payment,
    pending with no batch, so the next run's batching sends it to the bank. A run still going that reaches the
    claim later finds its month's first part there and adds nothing (both insert without overwriting). Returns the
    fen owed."""
    last_run = await session.scalar(select(func.max(PaymentRun.month)).where(PaymentRun.region == claim.region))
    month, owed = since.replace(day=1), 0
    insert = upsert_insert(session)
    while last_run is not None and month <= last_run:
        due, days = amount_for_month(claim.monthly_amount, month, claim.registered_on, claim.entitlement_end)  # type: ignore[arg-type]
        # a run still writing this month may take the part number read here before this inserts it (its part is not
        # visible until it commits; the insert waits for it, then finds the number taken): read the month again
        # and add what is still missing as the next part, so the rest of the month is never dropped
        for _ in range(_BACK_PAY_ATTEMPTS):
            parts = (
                await session.execute(
                    select(
                        BenefitPayment.part, BenefitPayment.amount, BenefitPayment.days, BenefitPayment.status
                    ).where(
                        BenefitPayment.claim_id == claim.id,
                        BenefitPayment.month == month,
                        BenefitPayment.kind == "benefit",
                    )
                )
            ).all()
            had = sum(p.amount for p in parts if p.status != "returned")
            days_had = sum(p.days for p in parts if p.status != "returned")
            if due <= had:
                break
            added = await session.scalar(
                insert(BenefitPayment)
                .values(
                    claim_id=claim.id,
                    region=claim.region,
                    month=month,
                    kind="benefit",
                    part=max((p.part for p in parts), default=-1) + 1,
                    amount=due - had,
                    days=max(0, days - days_had),
                    paid_on=today,
                    status="pending",
                    attempts=0,
                )
                .on_conflict_do_nothing()
                .returning(BenefitPayment.amount)
            )
            if added is not None:
                owed += added
                break
        else:
            raise Conflict(
                "back_pay_contended",
                f"claim {claim.id}'s payments for {month:%Y-%m} kept changing while the back pay was worked out; "
                "review the appeal again",
            )
        month = month_bounds(month)[1]
    return owed


# what batching needs of each payment waiting for the bank and its account: plain rows. The account's
# card number and holder name are read and written as they are stored (sealed), never opened: a batch copies them
# onto its lines as the same values it grouped the lines by, read in the same statement
_WAITING = (
    select(
        BenefitPayment.id,
        BenefitPayment.claim_id,
        BenefitPayment.region,
        BenefitPayment.month,
        BenefitPayment.amount,
        BenefitPayment.status,
        BenefitPayment.failed_at,
        BenefitPayment.attempts,
        PayeeAccount.claim_id.label("account"),
        PayeeAccount.bank_code,
        PayeeAccount.updated_at,
        type_coerce(PayeeAccount.card_number, Text).label("card_sealed"),
        type_coerce(PayeeAccount.holder_name, Text).label("holder_sealed"),
    )
    .outerjoin(PayeeAccount, PayeeAccount.claim_id == BenefitPayment.claim_id)
    .where(
        BenefitPayment.region == bindparam("region"),
        BenefitPayment.kind == "benefit",
        or_(
            and_(BenefitPayment.status == "pending", BenefitPayment.batch_id.is_(None)),
            BenefitPayment.status == "failed",
        ),
    )
    .order_by(BenefitPayment.month, BenefitPayment.claim_id)
)
# a payment put on a batch's line, carrying the account as it is now (a reissue included: pending again)
_ASSIGN = (
    update(_payments)
    .where(_payments.c.id == bindparam("payment_id"))
    .values(
        status="pending",
        batch_id=bindparam("batch"),
        line_no=bindparam("line"),
        bank_code=bindparam("bank"),
        card_number=bindparam("card", type_=Text()),
        holder_name=bindparam("holder", type_=Text()),
        attempts=_payments.c.attempts + 1,
    )
)

# the same on PostgreSQL in one statement: the lines as arrays, one row each (a prepared UPDATE run 100,000 times
# costs the server a round of parsing-free work per row and the client a parameter set per row)
_ASSIGN_ALL = text(
    "UPDATE benefit_payments AS p SET status = 'pending', batch_id = v.batch, line_no = v.line,"
    " bank_code = v.bank, card_number = v.card, holder_name = v.holder, attempts = p.attempts + 1"
    " FROM unnest(CAST(:ids AS bigint[]), CAST(:batches AS bigint[]), CAST(:lines AS integer[]),"
    " CAST(:banks AS text[]), CAST(:cards AS text[]), CAST(:holders AS text[])) AS v(id, batch, line, bank, card, holder)"
    " WHERE p.id = v.id"
)


async def _assign(session: AsyncSession, placed: list[tuple[Any, int, int]]) -> None:
    """Each waiting payment onto its (batch, line number)."""
    if not placed:
        return
    if is_postgresql(session):
        await session.execute(
            _ASSIGN_ALL,
            {
                "ids": [w.id for w, _, _ in placed],
                "batches": [batch for _, batch, _ in placed],
                "lines": [line for _, _, line in placed],
                "banks": [w.bank_code for w, _, _ in placed],
                "cards": [w.card_sealed for w, _, _ in placed],
                "holders": [w.holder_sealed for w, _, _ in placed],
            },
        )
        return
    await session.execute(
        _ASSIGN,
        [
            {
                "payment_id": w.id,
                "batch": batch,
                "line": line,
                "bank": w.bank_code,
                "card": w.card_sealed,
                "holder": w.holder_sealed,
            }
            for w, batch, line in placed
        ],
    )


@dataclass
class BatchOutcome:
    batches: list[PaymentBatch] = field(default_factory=list)
    awaiting_account: int = 0
    reissued: int = 0
    returned_to_fund: int = 0
    medical: MedicalTransfer | None = None  # SIL48: the month's medical-insurance contributions, from 2011-07-01


async def make_batches(session: AsyncSession, run: PaymentRun, made_by: str, now: dt.datetime) -> BatchOutcome:
    """The region's payments still waiting for the bank, onto the run's draft batches, one per bank (after the
    run's own payments, which the run wrote onto them): earlier ones that had no account, and failed ones whose
    account has been corrected since (a failed payment of a claim stopped since keeps only its days before the
    stop; the rest goes back to the fund). Each line carries the account as it is now, so a later change applies
    from the next batch. The same payment is never in two open batches, and is paid at most once (its row is
    unique per claim and month). Returns the run's draft batches."""
    out = BatchOutcome()
    # one batching of a region at a time, whatever its month: a run resumed while its first attempt still batches,
    # or two officers' runs of two months, wait here and then find nothing left to batch. The run's own row lock
    # was not enough: two months' runs each held their own and put the same waiting payment on two batches
    drafts = await DraftBatches.take(session, run, made_by)
    out.returned_to_fund = await _return_failed_after_stop(session, run.region)
    waiting = (await session.execute(_WAITING, {"region": run.region})).all()
    ready = []
    for w in waiting:
        if w.status == "failed":
            if w.account is None or w.failed_at is None or w.updated_at <= w.failed_at:
                continue  # not corrected yet: waits for the account
        if w.account is None:
            out.awaiting_account += 1
            continue
        ready.append(w)
    await drafts.open_for(session, (w.bank_code for w in ready), now)
    placed: list[tuple[Any, int, int]] = []
    events: list[tuple] = []
    for w in ready:
        batch_id, line = drafts.place(w.bank_code)
        placed.append((w, batch_id, line))
        drafts.added_line(batch_id, w.amount)
        if w.status == "failed":
            out.reissued += 1
            event = PaymentReissued(
                payment_id=w.id, claim_id=w.claim_id, region=w.region, batch_id=batch_id, attempt=w.attempts + 1
            )
            events.append((event, str(w.claim_id), w.region))
    await _assign(session, placed)
    await drafts.count(session)
    await emit_many(session, events)
    out.batches = list(
        (
            await session.scalars(
                select(PaymentBatch)
                .where(PaymentBatch.run_id == run.id, PaymentBatch.state == "draft")
                .order_by(PaymentBatch.bank_code, PaymentBatch.id)
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    return out


async def batch_for(session: AsyncSession, principal: Principal, batch_id: int, *, lock: bool = False) -> PaymentBatch:
    stmt = select(PaymentBatch).where(PaymentBatch.id == batch_id)
    batch = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if batch is None or not principal.can_read(batch.region):
        raise NotFound("payment_batch", str(batch_id))
    return batch


async def approve(session: AsyncSession, principal: Principal, batch: PaymentBatch) -> None:
    """Maker-checker (N§4): a second officer of the batch's region approves it; the maker cannot."""
    principal.ensure_writable(batch.region, field="path.batch_id")
    if batch.state != "draft":
        raise Conflict("batch_not_draft", f"batch {batch.id} is {batch.state}", extra={"state": batch.state})
    if principal.sub == batch.made_by:
        raise Forbidden(
            "maker_cannot_approve", f"batch {batch.id} was made by {batch.made_by}: another officer approves it"
        )
    batch.state, batch.approved_by, batch.approved_at = "approved", principal.sub, utcnow()
    await session.execute(update(BenefitPayment).where(BenefitPayment.batch_id == batch.id).values(status="approved"))
    await session.flush()
    await emit(
        session,
        PaymentBatchApproved(
            batch_id=batch.id,
            run_id=batch.run_id,
            region=batch.region,
            bank_code=batch.bank_code,
            lines=batch.lines,
            total_fen=batch.total,
            made_by=batch.made_by,
            approved_by=principal.sub,
        ),
        subject=f"{batch.region}:{batch.bank_code}",
        region=batch.region,
    )


async def lines_of(session: AsyncSession, batch_id: int) -> list[BenefitPayment]:
    return list(
        (
            await session.scalars(
                select(BenefitPayment).where(BenefitPayment.batch_id == batch_id).order_by(BenefitPayment.line_no)
            )
        ).all()
    )


async def file_of(session: AsyncSession, batch: PaymentBatch) -> bytes:
    if batch.state == "draft":
        raise Conflict("batch_not_approved", f"batch {batch.id} is not approved: no file goes to the bank before that")
    lines = await lines_of(session, batch.id)
    return bank_file(
        batch.id,
        batch.bank_code,
        batch.region,
        [FileLine(p.line_no or 0, p.card_number or "", p.holder_name or "", p.amount, p.month) for p in lines],
    )


def checked_return(content: bytes, today: dt.date, expected: dict[int, Expected], what: str) -> list[ReturnLine]:
    """A bank's return file for the lines ``expected`` (``what``: the batch or run it answers), every line one of
    them with its account and amount: 409 for a line answered otherwise before, 422 naming every problem."""
    lines, errors = parse_return_file(content, today)
    if answered := already_answered(lines, expected):
        raise Conflict("line_already_answered", f"line {answered} of {what} was already answered otherwise")
    errors += return_problems(lines, expected, what)
    if errors:
        raise Problem(
            422,
            "return_file_invalid",
            "Unprocessable request",
            f"{len(errors)} problem(s); nothing applied",
            errors=errors,
        )
    return lines


def check_account(bank_code: str, card: str, holder: str, owner: str) -> None:
    """422 naming each field of an account that cannot receive ``owner``'s money (N§4: their own account)."""
    if problems := account_problems(bank_code, card, holder, owner):
        raise Problem(
            422,
            problems[0][1],
            "Unprocessable request",
            "; ".join(m for _, _, m in problems),
            errors=[FieldError(field=f"body.{f}", code=c, message=m) for f, c, m in problems],
        )


@dataclass
class ReturnOutcome:
    record: PaymentReturn
    paid: int
    failed: int
    replayed: bool


async def apply_return(
    session: AsyncSession, principal: Principal, batch: PaymentBatch, content: bytes, today: dt.date
) -> ReturnOutcome:
    """Apply the bank's return file to the batch, all or nothing: each line must be one of the batch's, with its
    account and amount; a line already answered must be answered the same way. The same file again changes
    nothing. Paid lines are announced per benefit month (fund-monitor books them as spent); failed ones with the
    bank's reason."""
    principal.ensure_writable(batch.region, field="path.batch_id")
    digest = hashlib.sha256(content).hexdigest()
    done = (
        await session.execute(
            select(PaymentReturn).where(PaymentReturn.batch_id == batch.id, PaymentReturn.sha256 == digest)
        )
    ).scalar_one_or_none()
    if done is not None:
        return ReturnOutcome(done, done.paid, done.failed, True)
    if batch.state == "draft":
        raise Conflict("batch_not_approved", f"batch {batch.id} was never approved, so no file went to the bank")
    by_line = {p.line_no: p for p in await lines_of(session, batch.id)}
    expected = {n: Expected(p.card_number or "", p.amount, p.status) for n, p in by_line.items()}
    lines = checked_return(content, today, expected, f"batch {batch.id}")
    record = PaymentReturn(batch_id=batch.id, sha256=digest, paid=0, failed=0, created_by=principal.sub)
    session.add(record)
    await session.flush()
    now = utcnow()
    paid_by_month: dict[dt.date, list[BenefitPayment]] = defaultdict(list)
    failed: list[FailedPayment] = []
    for ln in lines:
        p = by_line[ln.line_no]
        if p.status in ("paid", "failed"):
            continue  # answered the same way by an earlier file
        p.return_id, p.value_date = record.id, ln.value_date
        if ln.paid:
            p.status = "paid"
            paid_by_month[p.month].append(p)
        else:
            p.status, p.failure_code, p.failed_at = "failed", ln.reason_code, now
            failed.append(
                FailedPayment(
                    payment_id=p.id, claim_id=p.claim_id, amount_fen=p.amount, reason_code=ln.reason_code or ""
                )
            )
    record.paid = sum(len(v) for v in paid_by_month.values())
    record.failed = len(failed)
    if all(p.status in ("paid", "failed") for p in by_line.values()):
        batch.state = "closed"
    await session.flush()
    events: list[tuple] = [
        (
            BenefitsConfirmed(
                return_id=record.id,
                batch_id=batch.id,
                run_id=batch.run_id,
                region=batch.region,
                month=f"{month:%Y-%m}",
                amount_fen=sum(p.amount for p in ps),
                payments=len(ps),
            ),
            f"{batch.region}:{month:%Y-%m}",
            batch.region,
        )
        for month, ps in sorted(paid_by_month.items())
    ]
    if failed:
        events.append(
            (
                PaymentsFailed(return_id=record.id, batch_id=batch.id, region=batch.region, payments=failed),
                f"{batch.region}:{batch.bank_code}",
                batch.region,
            )
        )
    await emit_many(session, events)
    return ReturnOutcome(record, record.paid, record.failed, False)


async def _claim(session: AsyncSession, principal: Principal, claim_id: int) -> Claim:
    claim = await session.get(Claim, claim_id)
    if claim is None or not principal.can_read(claim.region):
        raise NotFound("claim", str(claim_id))
    return claim


async def payee_account(session: AsyncSession, principal: Principal, claim_id: int) -> tuple[PayeeAccount, Claim]:
    claim = await _claim(session, principal, claim_id)
    account = await session.get(PayeeAccount, claim_id)
    if account is None:
        raise NotFound("payee_account", str(claim_id))
    return account, claim


async def set_payee_account(
    session: AsyncSession, principal: Principal, claim_id: int, bank_code: str, card: str, holder: str
) -> tuple[PayeeAccount, str]:
    claim = await _claim(session, principal, claim_id)
    principal.ensure_writable(claim.region, field="path.claim_id")
    check_account(bank_code, card, holder, claim.name)
    account = await session.get(PayeeAccount, claim_id)
    if account is None:
        account = PayeeAccount(claim_id=claim_id)
        session.add(account)
    account.bank_code, account.card_number, account.holder_name = bank_code, card_number(card), holder.strip()
    account.updated_at, account.updated_by = utcnow(), principal.sub
    await session.flush()
    return account, claim.region
