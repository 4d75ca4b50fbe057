import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from insurance_shared import NotFound, Principal, Role, Session, Write, require_roles, writer

from ..rules.periods import format_period
from ..units.repository import get_by_credit_code
from . import service
from .schemas import AllocationOut, ArrearsOut, ArrearsPeriod, PaymentIn, PaymentOut

router = APIRouter(tags=["payments"])
CreditCodePath = Annotated[str, Path(min_length=18, max_length=18, title="统一社会信用代码")]


@router.post("/units/{credit_code}/payments", status_code=201, response_model=PaymentOut, summary="单位缴费 (合并金额)")
async def pay(
    credit_code: CreditCodePath,
    body: PaymentIn,
    w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE, Role.PROVINCE))],
):
    payment, allocations, by_id, fee = await service.pay(
        w.session, w.principal, credit_code.upper(), body, dt.date.today()
    )
    w.audit("payment.recorded", "payment", str(payment.id), payment.region)
    out = PaymentOut(
        id=payment.id,
        unit_credit_code=payment.unit_credit_code,
        amount=payment.amount,
        payer=payment.payer,
        paid_on=payment.paid_on,
        late_fee_charged=fee,
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
    return await w.respond(201, out)


@router.get("/units/{credit_code}/arrears", response_model=ArrearsOut, summary="欠费及滞纳金 (截至某日)")
async def arrears(
    credit_code: CreditCodePath,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles(Role.SOCIAL_INSURANCE, Role.PROVINCE))],
    on: Annotated[dt.date | None, Query(description="默认今天")] = None,
) -> ArrearsOut:
    unit = await get_by_credit_code(session, credit_code.upper())
    if unit is None or not principal.can_read(unit.region):
        raise NotFound("unit", credit_code)
    as_of = on or dt.date.today()
    periods, credit = await service.arrears(session, unit.credit_code, as_of)
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
        )
        for d, o in periods
    ]
    return ArrearsOut(
        unit_credit_code=unit.credit_code,
        as_of=as_of,
        periods=items,
        total=sum(o.total for _, o in periods),
        credit=credit,
    )
