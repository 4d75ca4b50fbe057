"""Re-employment support (N§6): the hard-to-employ register, the social-insurance subsidy and its monthly runs, and
the 低保 roster's priority referrals."""

import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from insurance_shared import (
    CriterionOut,
    Principal,
    RegionCode,
    Role,
    Session,
    Write,
    mask_name,
    problem_doc,
    record_look,
    require_roles,
    writer,
)
from insurance_shared.uploads import streamed_upload, upload_body, upload_dicts

from ..payments.router import PayeeAccountIn
from ..rules.payees import masked
from . import hard_to_employ, roster, subsidies
from .models import HardToEmploy, SocialInsuranceSubsidy, SubsidyPayee, SubsidyPayment, SubsidyRun
from .schemas import (
    CategoryOut,
    HardToEmployIn,
    HardToEmployOut,
    ReferralOut,
    RosterImportOut,
    RunIn,
    RunOut,
    SubsidyApplicationIn,
    SubsidyMonthOut,
    SubsidyOut,
    SubsidyPayeeOut,
    SubsidyPaymentOut,
    SubsidyReturnOut,
)

router = APIRouter(tags=["reemployment"])
_officers = writer(Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE, Role.PROVINCE)
_readers = require_roles(Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE, Role.PROVINCE)
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _certification_out(row: HardToEmploy) -> HardToEmployOut:
    known = hard_to_employ.categories()
    return HardToEmployOut(
        id=row.id,
        id_number=row.id_number,
        name=row.name,
        region=row.region,
        categories=[CategoryOut(**known[c]) for c in row.categories.split(",") if c in known],
        certified_by=row.certified_by,
        certified_on=row.certified_on,
        review_on=row.review_on,
    )


@router.get("/hard-to-employ/categories", response_model=list[CategoryOut], summary="就业困难人员类别")
async def categories(_: Annotated[Principal, Depends(_readers)]) -> list[CategoryOut]:
    return [CategoryOut(**c) for c in hard_to_employ.categories().values()]


@router.post(
    "/hard-to-employ",
    status_code=201,
    response_model=HardToEmployOut,
    summary="就业困难人员认定 (N§6)",
    responses={422: problem_doc("未知类别、复核日期不晚于认定日期")},
)
async def certify(body: HardToEmployIn, w: Annotated[Write, Depends(_officers)]):
    row = await hard_to_employ.certify(
        w.session,
        w.principal,
        id_number=body.id_number,
        name=body.name,
        region=body.region,
        codes=body.categories,
        certified_on=body.certified_on,
        review_on=body.review_on,
    )
    w.audit("hard_to_employ.certified", "hard_to_employ", str(row.id), row.region)
    return await w.respond(201, _certification_out(row), location=f"/hard-to-employ/{row.id}")


@router.get("/hard-to-employ", response_model=list[HardToEmployOut], summary="就业困难人员 (按地区)")
async def list_hard_to_employ(
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
    region: RegionCode | None = None,
    id_number: Annotated[str | None, Query(min_length=18, max_length=18)] = None,
    after: Annotated[int, Query(ge=0, description="游标: 上一页最后一条的 id")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[HardToEmployOut]:
    rows = await hard_to_employ.listed(session, principal, region, id_number, after, limit)
    return [_certification_out(r) for r in rows]


@router.get("/hard-to-employ/{certification_id}", response_model=HardToEmployOut, summary="就业困难人员认定")
async def get_hard_to_employ(
    certification_id: Id, session: Session, principal: Annotated[Principal, Depends(_readers)]
) -> HardToEmployOut:
    certification = await hard_to_employ.readable(session, principal, certification_id)
    await record_look(
        session,
        principal,
        "claims.hard_to_employ.read",
        object=("hard_to_employ", certification_id),
        region=certification.region,
        person=certification.id_number,
    )
    return _certification_out(certification)


def _payment_out(p: SubsidyPayment) -> SubsidyPaymentOut:
    return SubsidyPaymentOut(
        id=p.id,
        run_id=p.run_id,
        line_no=p.line_no,
        period=p.period,
        floor_fen=p.floor_fen,
        amount=p.amount,
        state=p.state,  # type: ignore[arg-type]
        bank_code=p.bank_code,
        account=masked(p.card_number),
        attempts=p.attempts,
        failure_code=p.failure_code,
        paid_on=p.paid_on,
    )


async def _subsidy_out(session, s: SocialInsuranceSubsidy) -> SubsidyOut:
    decision = json.loads(s.decision)
    return SubsidyOut(
        id=s.id,
        id_number=s.id_number,
        region=s.region,
        applied_on=s.applied_on,
        state=s.state,  # type: ignore[arg-type]
        approved=decision["approved"],
        criteria=[CriterionOut(**c) for c in decision["criteria"]],
        months_left=s.months_left,
        first_period=s.first_period,
        flexible_employment_id=s.flexible_employment_id,
        certification_id=s.certification_id,
        ended_on=s.ended_on,
        end_reason=s.end_reason,
        decided_by=s.decided_by,
        payments=[_payment_out(p) for p in await subsidies.payments_of(session, s.id)],
    )


@router.post(
    "/social-insurance-subsidies",
    status_code=201,
    response_model=SubsidyOut,
    summary="社会保险补贴申请与决定 (N§6)",
    description=(
        "Decides at once: approved (and recorded) when the person is in registered flexible employment, certified "
        "hard to employ, enrolled on the merged track paying their own contributions and within the maximum period "
        "(`si_subsidy_max_months`), each criterion with its values, parameters and clause; otherwise 422 naming "
        "each unmet criterion (`not_in_flexible_employment`, `not_hard_to_employ`, `not_paying_own_contributions`, "
        "`maximum_period_used`) with its field and clause, every criterion in `criteria`, nothing written. An approved subsidy pays, from the month of the application, `si_subsidy_share` of the month's "
        "pension and unemployment contributions at the base floor for each month the person paid, in the region's "
        "monthly run (`POST /social-insurance-subsidies/runs`), until the flexible employment ends."
    ),
    responses={
        409: problem_doc("已有有效的补贴 (subsidy_active)"),
        422: problem_doc("不符合条件: 每项未满足的标准及条款 (not_hard_to_employ 等), 未写入"),
    },
)
async def apply(body: SubsidyApplicationIn, w: Annotated[Write, Depends(_officers)]):
    s = await subsidies.apply(
        w.session, w.principal, id_number=body.id_number, name=body.name, region=body.region, applied_on=body.applied_on
    )
    w.audit(f"si_subsidy.{s.state}", "si_subsidy", str(s.id), s.region)
    return await w.respond(201, await _subsidy_out(w.session, s), location=f"/social-insurance-subsidies/{s.id}")


@router.get("/social-insurance-subsidies", response_model=list[SubsidyOut], summary="社会保险补贴 (按地区、状态)")
async def list_subsidies(
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
    region: RegionCode | None = None,
    state: Annotated[str | None, Query(pattern="^(approved|ended)$")] = None,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SubsidyOut]:
    return [
        await _subsidy_out(session, s) for s in await subsidies.listed(session, principal, region, state, after, limit)
    ]


@router.get("/social-insurance-subsidies/{subsidy_id}", response_model=SubsidyOut, summary="社会保险补贴及发放")
async def get_subsidy(
    subsidy_id: Id, session: Session, principal: Annotated[Principal, Depends(_readers)]
) -> SubsidyOut:
    subsidy = await subsidies.readable(session, principal, subsidy_id)
    out = await _subsidy_out(session, subsidy)
    await record_look(
        session,
        principal,
        "claims.subsidy.read",
        object=("social_insurance_subsidy", subsidy_id),
        region=subsidy.region,
        person=subsidy.id_number,
    )
    return out


@router.get(
    "/social-insurance-subsidies/{subsidy_id}/months/{period}",
    response_model=SubsidyMonthOut,
    summary="某月补贴核查 (本人已缴费的月份才补贴)",
    description="Whether a month is subsidised and for how much: a month the person paid, within the subsidy's "
    "time, is (paid already, or by the next run); a month not paid (`month_not_paid`) or outside the subsidy "
    "(`month_outside_subsidy`) is a 422 naming the rule (N§6 ¶2).",
)
async def subsidy_month(
    subsidy_id: Id,
    period: Annotated[str, Path(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
) -> SubsidyMonthOut:
    answer = await subsidies.month_answer(session, principal, subsidy_id, dt.date.fromisoformat(period + "-01"))
    return SubsidyMonthOut(
        subsidy_id=subsidy_id,
        period=period,
        floor_fen=answer.floor_fen,
        share=answer.share,
        amount=answer.amount,
        payment=_payment_out(answer.payment) if answer.payment is not None else None,
    )


async def _run_out(session, run: SubsidyRun) -> RunOut:
    out = RunOut.model_validate(run)
    out.payments = [_payment_out(p) for p in await subsidies.run_lines(session, run.id)]
    return out


@router.post(
    "/social-insurance-subsidies/runs",
    status_code=201,
    response_model=RunOut,
    summary="社会保险补贴月度发放 (草稿)",
    description=(
        "The region's run for `month`: one line per subsidised month, each against a month the person paid (a month "
        "not paid is not subsidised; paid later, a later run takes it), never twice for the same month. A draft "
        "until another officer approves it."
    ),
    responses={409: problem_doc("该月已有发放 (run_exists)")},
)
async def make_run(body: RunIn, w: Annotated[Write, Depends(_officers)]):
    month = dt.date.fromisoformat(body.month + "-01")
    run = await subsidies.make_run(w.session, w.principal, body.region, month, dt.date.today())
    w.audit("si_subsidy_run.made", "si_subsidy_run", str(run.id), run.region)
    return await w.respond(201, await _run_out(w.session, run), location=f"/social-insurance-subsidies/runs/{run.id}")


@router.get("/social-insurance-subsidies/runs/{run_id}", response_model=RunOut, summary="社会保险补贴月度发放")
async def get_run(run_id: Id, session: Session, principal: Annotated[Principal, Depends(_readers)]) -> RunOut:
    return await _run_out(session, await subsidies.run_for(session, principal, run_id))


@router.post(
    "/social-insurance-subsidies/runs/{run_id}/approve",
    response_model=RunOut,
    summary="审核社会保险补贴发放 (另一名经办人)",
    responses={403: problem_doc("制单人不能审核 (maker_cannot_approve)"), 409: problem_doc("非草稿 (run_not_draft)")},
)
async def approve_run(run_id: Id, w: Annotated[Write, Depends(_officers)]):
    run = await subsidies.run_for(w.session, w.principal, run_id, lock=True)
    await subsidies.approve_run(w.session, w.principal, run)
    w.audit("si_subsidy_run.approved", "si_subsidy_run", str(run.id), run.region)
    return await w.respond(200, await _run_out(w.session, run))


@router.put(
    "/social-insurance-subsidies/{subsidy_id}/payee-account",
    response_model=SubsidyPayeeOut,
    summary="补贴收款账户 (本人名下)",
    description="The subsidised person's own account, checked as a claimant's is (a bank that pays, a card that "
    "passes the Luhn check, the holder the person); runs made from now on pay into it.",
)
async def set_payee(subsidy_id: Id, body: PayeeAccountIn, w: Annotated[Write, Depends(_officers)]):
    payee = await subsidies.set_payee(
        w.session, w.principal, subsidy_id, body.bank_code, body.card_number, body.holder_name
    )
    w.audit("si_subsidy.payee_set", "si_subsidy", str(subsidy_id), w.principal.region)
    return await w.respond(200, _payee_out(payee))


def _payee_out(p: SubsidyPayee) -> SubsidyPayeeOut:
    return SubsidyPayeeOut(
        subsidy_id=p.subsidy_id,
        bank_code=p.bank_code,
        account=masked(p.card_number),
        holder_name=mask_name(p.holder_name),
        updated_at=p.updated_at,
    )


@router.get(
    "/social-insurance-subsidies/{subsidy_id}/payee-account",
    response_model=SubsidyPayeeOut,
    summary="补贴收款账户 (脱敏)",
)
async def get_payee(subsidy_id: Id, session: Session, principal: Annotated[Principal, Depends(_readers)]):
    payee, subsidy = await subsidies.payee_of(session, principal, subsidy_id)
    await record_look(
        session,
        principal,
        "claims.subsidy_bank_account.read",
        object=("social_insurance_subsidy", subsidy_id),
        region=subsidy.region,
        person=subsidy.id_number,
    )
    return _payee_out(payee)


@router.get(
    "/social-insurance-subsidies/runs/{run_id}/file",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "GB18030 CSV, as the benefits' bank files"}},
    summary="补贴发放银行文件 (审核后, 按银行)",
)
async def run_file(
    run_id: Id,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles(Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE))],
    bank_code: Annotated[str, Query(min_length=1, max_length=20)],
) -> Response:
    run = await subsidies.run_for(session, principal, run_id)
    content, lines = await subsidies.run_file(session, run, bank_code)
    await record_look(
        session,
        principal,
        "claims.subsidy_bank_file.export",
        object=("subsidy_run", run.id),
        region=run.region,
        people=lines,
    )
    return Response(
        content,
        media_type="text/csv; charset=gb18030",
        headers={"content-disposition": f'attachment; filename="si-subsidy-{run.id}-{bank_code}.csv"'},
    )


@router.post(
    "/social-insurance-subsidies/runs/{run_id}/returns",
    response_model=SubsidyReturnOut,
    summary="补贴发放银行回盘 (逐行: 已付 / 失败及原因)",
    description=(
        "The bank's answer, in the benefits' return-file format (CSV `line_no,account,amount,status,reason_code,"
        "value_date`), all or nothing; the same file again changes nothing. Paid lines are announced "
        "(claims.si_subsidy_paid.v1: fund-monitor books them against the re-employment funds); a failed line is "
        "paid again by a later run once the account is corrected."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "line_no,account,amount,status,reason_code,value_date\n"
                    "1,6222020200112345679,366.67,paid,,2026-11-20\n",
                }
            },
        }
    },
    responses={409: problem_doc("未审核, 或某行已有不同回盘结果 (run_not_approved, line_already_answered)")},
)
async def run_returns(run_id: Id, request: Request, w: Annotated[Write, Depends(_officers)]):
    content = await request.body()
    run = await subsidies.run_for(w.session, w.principal, run_id, lock=True)
    record, replayed = await subsidies.apply_return(w.session, w.principal, run, content, dt.date.today())
    w.audit(
        "si_subsidy_run.returned" if not replayed else "si_subsidy_run.return_replayed",
        "si_subsidy_run",
        str(run.id),
        run.region,
    )
    return await w.respond(
        200,
        SubsidyReturnOut(return_id=record.id, run_id=run.id, paid=record.paid, failed=record.failed, replayed=replayed),
    )


@router.post(
    "/living-roster/{region}",
    status_code=201,
    response_model=RosterImportOut,
    summary="导入民政部门低保名单 (CSV, 整批替换)",
    description=(
        "The civil-affairs minimum-living (低保) roster of one region: `text/csv` with header `id_number` (UTF-8 or "
        "GB18030) or JSON Lines. All or nothing, every error with its line; it replaces the region's roster. Used "
        "only for the priority referral list (N§6 ¶2)."
    ),
    responses={422: problem_doc("逐行错误 (roster_invalid)")},
    openapi_extra=upload_body("id_number\n11010519491231002X\n", '{"id_number": "11010519491231002X"}\n'),
)
async def import_roster(
    region: RegionCode,
    request: Request,
    w: Annotated[Write, Depends(writer(Role.EMPLOYMENT_SERVICE, Role.PROVINCE, streamed=True))],
):
    async with streamed_upload(request, w) as (kind, text):
        imported = await roster.import_roster(
            w.session, w.principal, region, upload_dicts(text, kind, roster.COLUMNS), ""
        )
    imported.sha256 = w.body_digest or ""
    w.audit("living_roster.imported", "living_roster_import", str(imported.id), region)
    return await w.respond(201, RosterImportOut.model_validate(imported))


@router.get(
    "/living-roster/{region}/priority-referrals",
    response_model=list[ReferralOut],
    summary="低保名单上的失业人员、就业困难人员: 优先推荐就业 (N§6)",
)
async def priority_referrals(
    region: RegionCode,
    session: Session,
    principal: Annotated[Principal, Depends(require_roles(Role.EMPLOYMENT_SERVICE, Role.PROVINCE))],
) -> list[ReferralOut]:
    principal.region_to_read(region)  # another region's list is refused (403), not answered
    return [
        ReferralOut(id_number=r.id_number, name=r.name, claim_id=r.claimant, hard_to_employ_id=r.hard_to_employ)
        for r in await roster.priority_referrals(session, region, dt.date.today())
    ]
