"""A run's draft batches, one per bank for the officer who made the run, and the line numbers they give (#21).

A run writes each payment straight onto its line of a draft batch, so the row is written once: inserting every
payment and then updating each onto a line wrote it twice and was a third of a run (bench/README, "payment run,
second pass"). What waits from earlier months joins the same batches when the run ends.

Whoever puts lines on a draft batch first takes the region's batching turn and locks the run's draft batches
(``DraftBatches.take``). So two attempts of one run never give one line number twice; a stop that takes a line
off a batch (``service._keep_what_is_due``) counts it after the chunk that added lines, never before; and an
approval waits for the chunk, after which the chunk's successors open a new draft batch. A resumed run made by
another officer opens batches of its own, so no one approves lines they put on a batch themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import take_turn, utcnow

from ..claims.models import BenefitPayment
from .models import PaymentBatch, PaymentRun

# a batch's last line number given, not its count of lines: a line a stop took off leaves a gap, never a number
# to give again. max() of the (batch_id, line_no) index: one step of it, whatever the table's statistics say
_LAST_LINE = select(func.max(BenefitPayment.line_no)).where(BenefitPayment.batch_id == PaymentBatch.id)
_OPEN = (
    select(PaymentBatch.id, PaymentBatch.bank_code, _LAST_LINE.scalar_subquery())
    .where(
        PaymentBatch.run_id == bindparam("run_id"),
        PaymentBatch.state == "draft",
        PaymentBatch.made_by == bindparam("made_by"),
    )
    .order_by(PaymentBatch.id)
    .with_for_update(of=PaymentBatch)
)
_batches = PaymentBatch.__table__
_ADD = (
    update(_batches)
    .where(_batches.c.id == bindparam("batch_id"))
    .values(lines=_batches.c.lines + bindparam("lines"), total=_batches.c.total + bindparam("fen"))
)


def batching_turn(region: str) -> str:
    """The name of a region's batching turn (``insurance_shared.take_turn``)."""
    return f"claims.payments.batching.{region}"


@dataclass
class DraftBatches:
    run_id: int
    region: str
    made_by: str
    open: dict[str, list[int]]  # bank → [batch id, last line number given]
    added: dict[int, list[int]] = field(default_factory=dict)  # batch id → [lines, fen] added, not yet counted

    @classmethod
    async def take(cls, session: AsyncSession, run: PaymentRun, made_by: str) -> DraftBatches:
        """The run's draft batches by ``made_by``, locked with the region's batching turn until the transaction
        ends."""
        await take_turn(session, batching_turn(run.region))
        rows = await session.execute(_OPEN, {"run_id": run.id, "made_by": made_by})
        return cls(run.id, run.region, made_by, {bank: [batch_id, last or 0] for batch_id, bank, last in rows})

    async def open_for(self, session: AsyncSession, banks: Iterable[str], now: dt.datetime | None = None) -> None:
        """A draft batch for each of ``banks`` that has none yet."""
        for bank in sorted(set(banks) - self.open.keys()):
            batch = PaymentBatch(
                run_id=self.run_id,
                region=self.region,
                bank_code=bank,
                state="draft",
                lines=0,
                total=0,
                made_by=self.made_by,
                created_at=now or utcnow(),
            )
            session.add(batch)
            await session.flush()
            self.open[bank] = [batch.id, 0]

    def place(self, bank: str) -> tuple[int, int]:
        """(batch id, line number) of the next line of ``bank``'s batch (opened by ``open_for``)."""
        entry = self.open[bank]
        entry[1] += 1
        return entry[0], entry[1]

    def added_line(self, batch_id: int, amount: int) -> None:
        counted = self.added.setdefault(batch_id, [0, 0])
        counted[0] += 1
        counted[1] += amount

    async def count(self, session: AsyncSession) -> None:
        """Add the lines put on the batches since the last count to their totals."""
        if self.added:
            rows = [{"batch_id": b, "lines": n, "fen": fen} for b, (n, fen) in sorted(self.added.items())]
            await session.execute(_ADD, rows)
            self.added.clear()
