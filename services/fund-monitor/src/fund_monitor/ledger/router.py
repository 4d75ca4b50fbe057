import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from insurance_shared import (
    PROVINCE,
    Conflict,
    Forbidden,
    NotFound,
    Principal,
    RegionCode,
    Role,
    Session,
    Unprocessable,
    Write,
    problem_doc,
    require_roles,
)

from ..access import ObjectId, income_writer, not_future_day, province_writer, readers
from . import postings, repository
from .models import JournalEntry
from .schemas import AccountBalanceOut, EntryOut, EntryPage, IncomeIn, LineOut, OpeningBalanceIn, TrialBalanceOut
from .service import post, trial_balance

router = APIRouter(tags=["ledger"])
RegionPath = Annotated[RegionCode, Path()]


async def entry_out(session: Session, entry: JournalEntry) -> EntryOut:
    lines = await repository.lines_of(session, entry.id)
    return EntryOut(
        id=entry.id,
        region=entry.region,
        kind=entry.kind,
        booked_on=entry.booked_on,
        source=entry.source,
        description=entry.description,
        lines=[LineOut(account=ln.account, amount=ln.amount_fen) for ln in lines],
    )


@router.post(
    "/regions/{region}/opening-balance",
    status_code=201,
    response_model=EntryOut,
    summary="录入期初余额 (省; 220000 为省级调剂金)",
    responses={409: problem_doc("该地区已有期初余额 (opening_balance_exists)")},
)
async def opening_balance(region: RegionPath, body: OpeningBalanceIn, w: Annotated[Write, Depends(province_writer)]):
    not_future_day(body.as_of, "body.as_of", dt.date.today())
    if body.amount <= 0:
        raise Unprocessable("amount_not_positive", "an opening balance is more than zero", field="body.amount")
    entry = postings.opening_balance(region, body.amount, body.as_of)
    row = await post(w.session, entry)
    if row is None:
        raise Conflict("opening_balance_exists", f"region {region} already has an opening balance")
    w.audit("fund.opening_balance", "journal_entry", str(row.id), region)
    return await w.respond(201, await entry_out(w.session, row), location=f"/journal/{row.id}")


@router.post(
    "/regions/{region}/income",
    status_code=201,
    response_model=EntryOut,
    summary="录入利息、财政补贴等基金收入",
    responses={409: problem_doc("同一凭证号已入账 (duplicate_reference)")},
)
async def other_income(region: RegionPath, body: IncomeIn, w: Annotated[Write, Depends(income_writer)]):
    if Role.PROVINCE not in w.principal.roles:
        w.principal.ensure_writable(region, field="path.region")
    if region == PROVINCE:
        raise Unprocessable("not_a_pooling_region", "220000 keeps no unemployment fund of its own", field="path.region")
    if body.amount <= 0:
        raise Unprocessable("amount_not_positive", "an income is more than zero", field="body.amount")
    not_future_day(body.booked_on, "body.booked_on", dt.date.today())
    row = await post(w.session, postings.other_income(region, body.kind, body.amount, body.booked_on, body.reference))
    if row is None:
        raise Conflict("duplicate_reference", f"{body.kind} {body.reference} is already booked for region {region}")
    w.audit("fund.income", "journal_entry", str(row.id), region)
    return await w.respond(201, await entry_out(w.session, row), location=f"/journal/{row.id}")


@router.get("/journal", response_model=EntryPage, summary="日记账分录 (按地区, 含借贷行)")
async def journal(
    session: Session,
    principal: Annotated[Principal, Depends(readers)],
    region: Annotated[RegionCode | None, Query()] = None,
    cursor: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EntryPage:
    region = region or principal.region
    if not principal.can_read(region):
        raise Forbidden("region_forbidden", f"a token of region {principal.region} may not read region {region}")
    rows = await repository.entries(session, region, cursor, limit)
    items = [await entry_out(session, r) for r in rows]
    return EntryPage(items=items, next_cursor=str(rows[-1].id) if len(rows) == limit else None)


@router.get("/journal/trial-balance", response_model=TrialBalanceOut, summary="试算平衡 (省)")
async def get_trial_balance(
    session: Session, _: Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.SERVICE))]
) -> TrialBalanceOut:
    debits, credits, accounts = await trial_balance(session)
    return TrialBalanceOut(
        debits=debits,
        credits=credits,
        balanced=debits == credits,
        accounts=[AccountBalanceOut(account=a, balance=b) for a, b in accounts],
    )


@router.get("/journal/{entry_id}", response_model=EntryOut, summary="查询一笔分录")
async def get_entry(
    entry_id: ObjectId, session: Session, principal: Annotated[Principal, Depends(readers)]
) -> EntryOut:
    entry = await repository.entry(session, entry_id)
    if entry is None:
        raise NotFound("journal entry", str(entry_id))
    principal.ensure_readable(entry.region, "journal entry", str(entry_id))
    return await entry_out(session, entry)
