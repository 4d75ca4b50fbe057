"""Shortfall plans (N§4) and carrying out their adjustment-fund part as a journal movement."""

import dataclasses
import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import PROVINCE, Conflict, NotFound, Principal, Unprocessable, criterion_dict, format_yuan, utcnow

from ..funds.service import refresh_dirty
from ..ledger import postings
from ..ledger.models import FundMonth
from ..ledger.postings import ADJUSTMENT_FUND, EXPENDITURE, INCOME, OPENING, RECURRING_INCOME
from ..ledger.service import account_balance, post
from ..rules import shortfall as rules
from .models import ShortfallPlan
from .schemas import ShortfallPlanIn


async def year_figures(session: AsyncSession, region: str, year: int) -> tuple[int, int, int]:
    """(recurring income of the year, expenditure of the year, fund balance at the start of the year)."""
    rows = (
        await session.execute(
            select(FundMonth.month, FundMonth.kind, FundMonth.direction, FundMonth.amount_fen).where(
                FundMonth.region == region, FundMonth.month < dt.date(year + 1, 1, 1)
            )
        )
    ).all()
    income = expenditure = opening = 0
    for month, kind, direction, amount in rows:
        amount = int(amount)
        sign = -1 if direction == EXPENDITURE else 1
        if month < dt.date(year, 1, 1):
            opening += sign * amount
        elif direction == INCOME and kind in RECURRING_INCOME:
            income += amount
        elif direction == EXPENDITURE:
            expenditure += amount
        elif direction == OPENING:
            opening += amount  # an opening balance booked within the year is still money the year started with
    return income, expenditure, opening


async def create(
    session: AsyncSession, principal: Principal, region: str, body: ShortfallPlanIn, today: dt.date
) -> ShortfallPlan:
    if region == PROVINCE:
        raise Unprocessable("not_a_pooling_region", "220000 keeps no unemployment fund of its own", field="path.region")
    if body.year > today.year:
        raise Unprocessable("future_year", f"{body.year} has not begun yet", field="body.year")
    income, expenditure, start_balance = await year_figures(session, region, body.year)
    if rules.gap(income, expenditure) == 0:
        raise Conflict(
            "no_shortfall",
            f"region {region} in {body.year}: income {format_yuan(income)} covers expenditure "
            f"{format_yuan(expenditure)}; no plan is needed (N§4)",
        )
    available = body.available.model_dump()
    rolling = available.pop("rolling_balance")
    start = max(start_balance, 0)
    if rolling is None:
        rolling = start
    elif rolling > start:
        raise Unprocessable(
            "exceeds_rolling_balance",
            f"rolling balance {format_yuan(rolling)} exceeds the fund's balance at the start of {body.year} "
            f"({format_yuan(start)})",
            field="body.available.rolling_balance",
        )
    available["rolling_balance"] = rolling
    plan = rules.plan(income, expenditure, available)
    row = ShortfallPlan(
        region=region,
        year=body.year,
        income_fen=plan.income_fen,
        expenditure_fen=plan.expenditure_fen,
        gap_fen=plan.gap_fen,
        uncovered_fen=plan.uncovered_fen,
        lines=json.dumps([dataclasses.asdict(ln) for ln in plan.lines], ensure_ascii=False),
        decision=json.dumps([criterion_dict(c) for c in plan.criteria], ensure_ascii=False, default=str),
        created_by=principal.sub,
    )
    session.add(row)
    await session.flush()
    return row


async def get_for(session: AsyncSession, principal: Principal, plan_id: int) -> ShortfallPlan:
    plan = await session.get(ShortfallPlan, plan_id)
    if plan is None:
        raise NotFound("shortfall plan", str(plan_id))
    principal.ensure_readable(plan.region, "shortfall plan", str(plan_id))
    return plan


async def transfer(session: AsyncSession, principal: Principal, plan_id: int, today: dt.date) -> ShortfallPlan:
    """Move the plan's adjustment-fund amount from the province's adjustment fund into the region's fund."""
    plan = await get_for(session, principal, plan_id)
    if plan.transfer_entry_id is not None:
        raise Conflict("already_transferred", f"plan {plan_id}'s adjustment transfer was made at {plan.transferred_at}")
    line = next(ln for ln in json.loads(plan.lines) if ln["source"] == "provincial_adjustment_fund")
    amount = int(line["drawn_fen"])
    if amount <= 0:
        raise Conflict("nothing_to_transfer", f"plan {plan_id} draws nothing from the provincial adjustment fund")
    held = await account_balance(session, ADJUSTMENT_FUND)
    if held < amount:
        raise Conflict(
            "insufficient_adjustment_fund",
            f"the provincial adjustment fund holds {format_yuan(held)}, the plan draws {format_yuan(amount)}; "
            "book the fund's opening balance (region 220000) or revise the plan",
        )
    entry = await post(session, postings.adjustment_transfer(plan.region, amount, today, plan.id))
    assert entry is not None  # the source is unique per plan and the plan had no transfer yet
    plan.transfer_entry_id, plan.transferred_at = entry.id, utcnow()
    await refresh_dirty(session)
    return plan


async def plans_of(session: AsyncSession, region: str) -> list[ShortfallPlan]:
    return list(
        (
            await session.scalars(
                select(ShortfallPlan).where(ShortfallPlan.region == region).order_by(ShortfallPlan.id)
            )
        ).all()
    )
