"""灵活就业: the real-name register (N§6 ¶1) and flexible workers' own contributions on the merged track (N§3(2))."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from insurance_shared import (
    LawDate,
    Principal,
    RegionCode,
    Role,
    Session,
    Write,
    person_key,
    problem_doc,
    record_look,
    require_roles,
    writer,
)
from insurance_shared.uploads import streamed_upload, upload_body, upload_dicts

from ..declarations.router import _out as declaration_out
from ..payments import service as payments
from ..payments.router import arrears_out, payment_out
from ..payments.schemas import ArrearsOut, PaymentOut
from . import own, register
from .models import FlexibleEmployment
from .schemas import (
    BulkOut,
    FlexibleEmploymentIn,
    FlexibleEmploymentOut,
    OwnDeclarationIn,
    OwnDeclarationsOut,
    OwnPaymentIn,
    Status,
    StatusChangeOut,
    StatusIn,
)

router = APIRouter(tags=["flexible"])
_writers = writer(Role.SOCIAL_INSURANCE, Role.PROVINCE)
_readers = require_roles(Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE, Role.PROVINCE, Role.SERVICE)
IdNumber = Annotated[str, Path(min_length=18, max_length=18, title="公民身份号码")]
FlexibleId = Annotated[int, Path(ge=1, le=2**63 - 1, title="灵活就业登记编号")]


async def _full(session, f: FlexibleEmployment) -> FlexibleEmploymentOut:
    out = FlexibleEmploymentOut.model_validate(f)
    out.history = [StatusChangeOut.model_validate(c) for c in await register.history(session, f.id)]
    return out


@router.post(
    "/flexible-employments",
    status_code=201,
    response_model=FlexibleEmploymentOut,
    summary="灵活就业实名登记 (N§6)",
    description=(
        "Registers one spell of flexible employment: `licence` (self-employed, business licence number required), "
        "`agreement` (灵活就业协议 with a street/town labor-service institution: number and end date required, the "
        "end not before the start) or `other`. Spells of one person may not overlap (`overlapping_flexible_"
        "employment`). Announced as `contributions.flexible_employment_changed.v2`: claims treats a licence or an "
        "unexpired agreement as re-employment (R15; N§5)."
    ),
    responses={422: problem_doc("日期、协议或执照不符, 或与已登记的灵活就业重叠")},
)
async def register_flexible(body: FlexibleEmploymentIn, w: Annotated[Write, Depends(_writers)]):
    f = await register.register(w.session, w.principal, body, dt.date.today())
    w.audit("flexible_employment.registered", "flexible_employment", str(f.id), f.region)
    return await w.respond(201, await _full(w.session, f), location=f"/flexible-employments/{f.id}")


@router.get("/flexible-employments", response_model=list[FlexibleEmploymentOut], summary="灵活就业登记 (按地区、状态)")
async def list_flexible(
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
    region: RegionCode | None = None,
    status: Status | None = None,
    id_number: Annotated[str | None, Query(min_length=18, max_length=18)] = None,
    after: Annotated[int, Query(ge=0, description="游标: 上一页最后一条的 id")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[FlexibleEmploymentOut]:
    rows = await register.listed(session, principal, region, status, id_number, after, limit)
    await record_look(
        session,
        principal,
        "contributions.flexible_employments.list",
        object=("flexible_employments", region or ""),
        region=region or principal.region,
        person=id_number,
        people=len({f.person_key for f in rows}),
    )
    return [FlexibleEmploymentOut.model_validate(f) for f in rows]


@router.get(
    "/flexible-employments/{flexible_id}", response_model=FlexibleEmploymentOut, summary="灵活就业登记及状态历史"
)
async def get_flexible(
    flexible_id: FlexibleId, session: Session, principal: Annotated[Principal, Depends(_readers)]
) -> FlexibleEmploymentOut:
    flexible = await register.readable(session, principal, flexible_id)
    out = await _full(session, flexible)
    await record_look(
        session,
        principal,
        "contributions.flexible_employment.read",
        object=("flexible_employment", flexible_id),
        region=flexible.region,
        person=flexible.person_key,
    )
    return out


@router.post(
    "/flexible-employments/{flexible_id}/status",
    response_model=FlexibleEmploymentOut,
    summary="灵活就业人员状态变化 (再就业、失业)",
    description=(
        "From `on` the person is `reemployed` or `unemployed`: the flexible employment ends the day before, and so "
        "does their own enrolment on the merged track in that region (the months they paid stay theirs, N§3(2))."
    ),
    responses={409: problem_doc("已结束 (flexible_employment_ended)")},
)
async def change_status(flexible_id: FlexibleId, body: StatusIn, w: Annotated[Write, Depends(_writers)]):
    f = await register.change_status(w.session, w.principal, flexible_id, body, dt.date.today())
    w.audit(f"flexible_employment.{body.status}", "flexible_employment", str(f.id), f.region)
    return await w.respond(200, await _full(w.session, f))


@router.post(
    "/flexible-workers/{id_number}/declarations",
    status_code=201,
    response_model=OwnDeclarationsOut,
    summary="灵活就业人员本人申报 (按月或按季)",
    description=(
        "A merged-track flexible worker declares a base they chose between the region's floor and ceiling "
        "(`base_outside_band` otherwise) for a month, or for a calendar quarter (`period` its first month): one "
        "declaration per month at the flexible-worker rates (parameters `flexible_pension_rate`, "
        "`flexible_unemployment_rate`), the person paying both funds alone, booked to the two ledgers. Each month "
        "must have begun and lie within the person's merged-track enrolment."
    ),
    responses={409: problem_doc("该月已申报 (period_declared)")},
)
async def declare_own(id_number: IdNumber, body: OwnDeclarationIn, w: Annotated[Write, Depends(_writers)]):
    months = await own.declare(w.session, w.principal, id_number, body, dt.date.today())
    for m in months:
        w.audit("declaration.made", "declaration", str(m.declaration.id), m.declaration.region)
    out = [declaration_out(m.declaration, 0, list(m.used)) for m in months]
    return await w.respond(
        201, OwnDeclarationsOut(id_number=id_number, declarations=out, total=sum(m.declaration.total for m in months))
    )


@router.post(
    "/flexible-workers/{id_number}/payments",
    status_code=201,
    response_model=PaymentOut,
    summary="灵活就业人员本人缴费",
    description="Applied as a unit's payment is: the late fee to the payment date first (C13), then the oldest "
    "months first, split between the funds in proportion to what each is owed (C7); a month paid in full is "
    "announced to claims, where it counts towards benefits (N§3(2)).",
)
async def pay_own(id_number: IdNumber, body: OwnPaymentIn, w: Annotated[Write, Depends(_writers)]):
    a = await own.pay(w.session, w.principal, id_number, body.amount, body.paid_on, dt.date.today())
    w.audit("payment.recorded", "payment", str(a.payment.id), a.payment.region)
    return await w.respond(201, payment_out(a.payment, a.allocations, a.by_id, a.fee_charged, a.decision_id))


@router.get("/flexible-workers/{id_number}/arrears", response_model=ArrearsOut, summary="灵活就业人员本人欠费及滞纳金")
async def arrears_own(
    id_number: IdNumber,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles(Role.SOCIAL_INSURANCE, Role.PROVINCE))],
    on: Annotated[LawDate | None, Query(description="默认今天")] = None,
) -> ArrearsOut:
    await own.ensure_visible(session, principal, id_number)
    as_of = on or dt.date.today()
    periods, credit = await payments.arrears(session, payments.Payer("person", person_key(id_number), ""), as_of)
    out = await arrears_out(session, None, as_of, [(d, o) for d, o in periods if principal.can_read(d.region)], credit)
    await record_look(
        session,
        principal,
        "contributions.own_arrears.read",
        object=("person", id_number),
        region=principal.region,
        person=id_number,
    )
    return out


@router.post(
    "/flexible-workers/contributions/bulk",
    status_code=201,
    response_model=BulkOut,
    summary="街道/乡镇劳动保障机构代收 (CSV 或 JSON Lines)",
    description=(
        "Many flexible workers' own months at once: `text/csv` with header `id_number,period,base[,frequency]"
        "[,paid_on]` (UTF-8 or GB18030) or JSON Lines with those fields. Each line is declared as a single "
        "declaration is and, when `paid_on` is given, paid in full on that day. Any error is reported with its "
        "line number (`line[N].field`, the header is line 1) and then nothing is written. At most 100,000 lines."
    ),
    responses={422: problem_doc("逐行错误 (upload_invalid), 未写入任何内容")},
    openapi_extra=upload_body(
        "id_number,period,base,frequency,paid_on\n11010519491231002X,2026-10,3000.00,monthly,2026-11-10\n",
        '{"id_number": "11010519491231002X", "period": "2026-10", "base": "3000.00", "paid_on": "2026-11-10"}\n',
    ),
)
async def bulk(
    request: Request,
    w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE, Role.PROVINCE, streamed=True))],
):
    async with streamed_upload(request, w) as (kind, text):
        lines = upload_dicts(text, kind, own.BULK_COLUMNS, own.BULK_OPTIONAL)
        result = await own.declare_many(w.session, w.principal, lines, dt.date.today())
    for kind, object_id, region in result.written:
        w.audit("declaration.made" if kind == "declaration" else "payment.recorded", kind, str(object_id), region)
    return await w.respond(
        201,
        BulkOut(
            lines=result.lines,
            people=result.people,
            declarations=result.declarations,
            payments=result.payments,
            declared=result.declared,
            paid=result.paid,
        ),
    )
