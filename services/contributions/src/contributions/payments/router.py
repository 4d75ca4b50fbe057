import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from insurance_shared import LawDate, NotFound, Principal, Role, Session, Write, problem_doc, require_roles, writer
from insurance_shared.uploads import streamed_upload, upload_body, upload_dicts

from ..parameters.service import parameters_on
from ..rules.periods import format_period
from ..units.repository import get_by_credit_code
from . import bulk, refunds, service
from .schemas import (
    AllocationOut,
    ArrearsOut,
    ArrearsPeriod,
    BulkPaymentOut,
    BulkPaymentsOut,
    LateFeeRefundOut,
    PaymentIn,
    PaymentOut,
    UsedParameterOut,
)

router = APIRouter(tags=["payments"])
CreditCodePath = Annotated[str, Path(min_length=18, max_length=18, title="统一社会信用代码")]


def payment_out(payment, allocations, by_id, fee: int, decision_id: int | None = None) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        unit_credit_code=payment.unit_credit_code,
        amount=payment.amount,
        payer=payment.payer,
        paid_on=payment.paid_on,
        late_fee_charged=fee,
        late_fee_decision_id=decision_id,
        credit_used=payment.credit_used,
        credit_created=payment.credit_created,
        allocations=[
            AllocationOut(
                declaration_id=a.key,
                period=format_period(by_id[a.key].period),
                pension=a.pension,
                unemployment=a.unemployment,
                fee_pension=a.fee_pension,
                fee_unemployment=a.fee_unemployment,
                period_paid=by_id[a.key].paid,
            )
            for a in allocations
        ],
    )


@router.post("/units/{credit_code}/payments", status_code=201, response_model=PaymentOut, summary="单位缴费 (合并金额)")
async def pay(
    credit_code: CreditCodePath,
    body: PaymentIn,
    w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE, Role.PROVINCE))],
):
    payment, allocations, by_id, fee, decision_id = await service.pay(
        w.session, w.principal, credit_code.upper(), body, dt.date.today()
    )
    w.audit("payment.recorded", "payment", str(payment.id), payment.region)
    out = payment_out(payment, allocations, by_id, fee, decision_id)
    return await w.respond(201, out)


@router.post(
    "/payments/bulk",
    status_code=201,
    response_model=BulkPaymentsOut,
    summary="批量入账 (银行/税务回盘文件; CSV 或 JSON Lines, 流式)",
    description=(
        "One payment per line, for any units of your region: `text/csv` with header "
        "`credit_code,amount,paid_on[,payer]` (UTF-8 or GB18030) or JSON Lines with those fields. Lines are "
        "applied in file order, each exactly as `POST /units/{credit_code}/payments` would (late fee to the "
        "payment date, oldest period first, credit). Any error is reported with its line (`line[N].field`, the "
        "header is line 1) and then no payment is recorded. At most 100,000 lines."
    ),
    responses={422: problem_doc("逐行错误 (payments_invalid), 未入账任何一笔")},
    openapi_extra=upload_body(
        "credit_code,amount,paid_on\n91220101MA0000001X,3100.00,2026-11-10\n",
        '{"credit_code": "91220101MA0000001X", "amount": "3100.00", "paid_on": "2026-11-10"}\n',
    ),
)
async def pay_bulk(
    request: Request,
    w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE, Role.PROVINCE, streamed=True))],
):
    async with streamed_upload(request, w) as (kind, text):
        recorded = await bulk.record_payments(
            w.session, w.principal, upload_dicts(text, kind, bulk.COLUMNS, bulk.OPTIONAL), dt.date.today()
        )
    items = []
    for r in recorded:
        w.audit("payment.recorded", "payment", str(r.payment.id), r.payment.region)
        items.append(
            BulkPaymentOut(
                line=r.line_no,
                payment_id=r.payment.id,
                unit_credit_code=r.payment.unit_credit_code,
                amount=r.payment.amount,
                paid_on=r.payment.paid_on,
                late_fee_charged=r.late_fee,
                credit_created=r.payment.credit_created,
                periods_paid=r.periods_paid,
            )
        )
    out = BulkPaymentsOut(
        payments=len(items),
        amount=sum(r.payment.amount for r in recorded),
        late_fees=sum(r.late_fee for r in recorded),
        items=items,
    )
    return await w.respond(201, out)


@router.get("/units/{credit_code}/arrears", response_model=ArrearsOut, summary="欠费及滞纳金 (截至某日)")
async def arrears(
    credit_code: CreditCodePath,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles(Role.SOCIAL_INSURANCE, Role.PROVINCE))],
    on: Annotated[LawDate | None, Query(description="默认今天")] = None,
) -> ArrearsOut:
    unit = await get_by_credit_code(session, credit_code.upper())
    if unit is None or not principal.can_read(unit.region):
        raise NotFound("unit", credit_code)
    as_of = on or dt.date.today()
    periods, credit = await service.arrears(session, service.Payer.of_unit(unit), as_of)
    return await arrears_out(session, unit.credit_code, as_of, periods, credit)


async def arrears_out(session, credit_code: str | None, as_of: dt.date, periods: list, credit: int) -> ArrearsOut:
    rules = {}
    for region in {d.region for d, _ in periods}:
        used = (await parameters_on(session, region, as_of)).used
        rate = next(u for u in used if u.name == "late_fee_daily_rate")
        rules[region] = UsedParameterOut(
            name=rate.name, value=rate.value, valid_from=rate.valid_from, clause=rate.clause
        )
    items = [
        ArrearsPeriod(
            declaration_id=d.id,
            period=format_period(d.period),
            kind=d.kind,
            due_date=d.due_date,
            owed_pension=o.pension,
            owed_unemployment=o.unemployment,
            late_fee=o.fee_pension + o.fee_unemployment,
            days_late=max(0, (as_of - d.due_date).days),
            fee_from=d.due_date + dt.timedelta(days=1),
            late_fee_rule=rules[d.region],
        )
        for d, o in periods
    ]
    return ArrearsOut(
        unit_credit_code=credit_code,
        as_of=as_of,
        periods=items,
        total=sum(o.total for _, o in periods),
        credit=credit,
    )


@router.get(
    "/late-fee-refunds",
    response_model=list[LateFeeRefundOut],
    summary="滞纳金退还 (复议撤销后)",
    description="A payer's late fees undone after an appeal overturned them (C13): per declaration, what was still "
    "owed and is cancelled, and what was paid and is now the payer's credit (it pays their next contributions "
    "first). Only the caller's region's.",
)
async def late_fee_refunds(
    session: Session,
    principal: Annotated[Principal, Depends(require_roles(Role.SOCIAL_INSURANCE, Role.PROVINCE))],
    payer: Annotated[
        str,
        Query(
            min_length=18, max_length=18, description="统一社会信用代码或公民身份号码", examples=["91220101MA0000001X"]
        ),
    ],
) -> list[LateFeeRefundOut]:
    payer = payer.upper()
    return [
        LateFeeRefundOut.model_validate(r).model_copy(update={"payer_id_number": payer if r.payer_key else None})
        for r in await refunds.refunds_of(session, principal, payer)
    ]
