import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from insurance_shared import (
    MoneyOut,
    Principal,
    RegionCode,
    Role,
    Session,
    Write,
    mask_id_number,
    mask_name,
    problem_doc,
    record_look,
    require_roles,
    writer,
)

from ..rules.payees import banks, masked, return_reasons
from . import medical, repository, service
from .models import MedicalTransfer, PayeeAccount, PaymentBatch

router = APIRouter(tags=["payments"])


class RunIn(BaseModel):
    """按月发放: 每个已核实的申领每月只发一次; 中途失败可重跑."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"region": "220100", "month": "2026-11"}]}
    )

    region: RegionCode
    month: str = Field(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")


class BatchOut(BaseModel):
    id: int
    run_id: int
    region: str
    bank_code: str
    state: str = Field(description="draft (待复核) | approved (已复核, 可下载文件) | closed (银行已全部回盘)")
    lines: int
    total: MoneyOut
    made_by: str
    approved_by: str | None
    approved_at: dt.datetime | None


class MedicalTransferOut(BaseModel):
    """失业保险基金代缴的基本医疗保险费 (SIL48, 2011-07-01 起): 每个地区每月一笔, 经另一名经办人复核后划转."""

    id: int
    run_id: int
    region: str
    month: str
    beneficiaries: int = Field(description="当月领取失业保险金的人数 (当月有领取天数即计一个月)")
    per_person: MoneyOut = Field(description="每人每月缴费标准 (参数 medical_contribution)")
    amount: MoneyOut = Field(description="划入医疗保险基金的金额 = 人数 × 标准")
    parameter_valid_from: dt.date = Field(description="所用标准的生效日期")
    parameter_clause: str = Field(description="所用标准的依据")
    clause: str = Field(description="SIL48 (社会保险法 第四十八条)")
    state: str = Field(description="draft (待复核) | approved (已复核并划转)")
    made_by: str
    approved_by: str | None
    approved_at: dt.datetime | None


def transfer_out(t: MedicalTransfer) -> MedicalTransferOut:
    return MedicalTransferOut(
        id=t.id,
        run_id=t.run_id,
        region=t.region,
        month=f"{t.month:%Y-%m}",
        beneficiaries=t.beneficiaries,
        per_person=t.per_person,
        amount=t.amount,
        parameter_valid_from=t.parameter_valid_from,
        parameter_clause=t.parameter_clause,
        clause=t.clause,
        state=t.state,
        made_by=t.made_by,
        approved_by=t.approved_by,
        approved_at=t.approved_at,
    )


class RunOut(BaseModel):
    id: int
    region: str
    month: str
    status: str
    claims_paid: int = Field(description="本月计发的申领数 (经银行确认后才算已付)")
    amount: MoneyOut = Field(description="本月计发金额")
    batches: list[BatchOut] = Field(description="按银行生成的待复核批次 (含此前失败后更正账户的、此前缺账户的)")
    awaiting_account: int = Field(description="因尚无收款账户而未进入批次的笔数")
    reissued: int = Field(description="失败后账户已更正、重新发放的笔数")
    returned_to_fund: int = Field(
        description="失败且申领已停发的款项中, 停发之日起的部分退回基金的笔数 (停发前的天数仍应支付, 待账户更正后重发)"
    )
    medical_transfer: MedicalTransferOut | None = Field(
        description="本月代缴基本医疗保险费的待复核划转 (SIL48, 2011-07-01 起; 此前的月份为 null: 医疗补助金按 R19 申请)"
    )


def batch_out(b: PaymentBatch) -> BatchOut:
    return BatchOut(
        id=b.id,
        run_id=b.run_id,
        region=b.region,
        bank_code=b.bank_code,
        state=b.state,
        lines=b.lines,
        total=b.total,
        made_by=b.made_by,
        approved_by=b.approved_by,
        approved_at=b.approved_at,
    )


@router.post(
    "/payment-runs",
    response_model=RunOut,
    summary="月度计发: 生成待复核的发放批次",
    description=(
        "Computes the month's benefit of every verified claim of the region and puts what waits for the bank into "
        "one draft batch per bank. Nothing is paid yet: another officer approves each batch "
        "(`POST /payment-batches/{id}/approve`), its file goes to the bank (`GET /payment-batches/{id}/file`), and "
        "the bank's return file (`POST /payment-batches/{id}/returns`) says what was paid. For months from "
        "2011-07-01 it also drafts the month's transfer of the beneficiaries' basic medical-insurance contributions "
        "to the medical-insurance fund (SIL48), approved the same way (`POST /medical-transfers/{id}/approve`). "
        "Role `social_insurance` of the region."
    ),
    responses={409: problem_doc("该月已计发 (month_already_paid)")},
)
async def run(body: RunIn, w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE, resumable=True))]):
    w.principal.ensure_writable(body.region)
    month = dt.date.fromisoformat(body.month + "-01")
    r, outcome = await service.run_month(w.session, body.region, month, dt.date.today(), w.principal.sub)
    w.audit("payment_run.completed", "payment_run", str(r.id), body.region)
    for b in outcome.batches:
        w.audit("payment_batch.drafted", "payment_batch", str(b.id), b.region)
    if outcome.medical is not None and outcome.medical.state == "draft":
        w.audit("medical_transfer.drafted", "medical_transfer", str(outcome.medical.id), body.region)
    return await w.respond(
        200,
        RunOut(
            id=r.id,
            region=r.region,
            month=body.month,
            status=r.status,
            claims_paid=r.claims_paid,
            amount=r.amount,
            batches=[batch_out(b) for b in outcome.batches],
            awaiting_account=outcome.awaiting_account,
            reissued=outcome.reissued,
            returned_to_fund=outcome.returned_to_fund,
            medical_transfer=transfer_out(outcome.medical) if outcome.medical else None,
        ),
    )


BatchId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_batch_readers = require_roles(Role.SOCIAL_INSURANCE, Role.PROVINCE, Role.SERVICE)


class LineOut(BaseModel):
    line_no: int
    payment_id: int
    claim_id: int
    month: str
    account: str = Field(description="脱敏账号", examples=["6222 **** **** 1234"])
    holder_name: str
    amount: MoneyOut
    status: str = Field(description="pending | approved | paid | failed")
    failure_code: str | None
    failure_reason: str | None


class BatchDetailOut(BatchOut):
    items: list[LineOut]


@router.get("/payment-batches", response_model=list[BatchOut], summary="发放批次 (按地区、状态)")
async def list_batches(
    session: Session,
    principal: Annotated[Principal, Depends(_batch_readers)],
    region: Annotated[RegionCode | None, Query()] = None,
    state: Annotated[Literal["draft", "approved", "closed"] | None, Query()] = None,
) -> list[BatchOut]:
    region = principal.region_to_read(region)
    return [batch_out(b) for b in await repository.batches(session, region, state)]


@router.get("/payment-batches/{batch_id}", response_model=BatchDetailOut, summary="发放批次明细 (账号脱敏)")
async def get_batch(
    batch_id: BatchId, session: Session, principal: Annotated[Principal, Depends(_batch_readers)]
) -> BatchDetailOut:
    batch = await service.batch_for(session, principal, batch_id)
    reasons = return_reasons()
    items = [
        LineOut(
            line_no=p.line_no or 0,
            payment_id=p.id,
            claim_id=p.claim_id,
            month=f"{p.month:%Y-%m}",
            account=masked(p.card_number or ""),
            holder_name=mask_name(p.holder_name or ""),
            amount=p.amount,
            status=p.status,
            failure_code=p.failure_code,
            failure_reason=reasons[p.failure_code]["reason"] if p.failure_code in reasons else None,
        )
        for p in await service.lines_of(session, batch.id)
    ]
    await record_look(
        session,
        principal,
        "claims.payment_batch.read",
        object=("payment_batch", batch.id),
        region=batch.region,
        people=len({i.claim_id for i in items}),
    )
    return BatchDetailOut(**batch_out(batch).model_dump(), items=items)


@router.post(
    "/payment-batches/{batch_id}/approve",
    response_model=BatchOut,
    summary="复核批次 (另一名经办人)",
    description="A second officer of the batch's region approves a draft batch; the officer who made it cannot "
    "(403 maker_cannot_approve). Role `social_insurance`.",
    responses={409: problem_doc("批次不是待复核状态 (batch_not_draft)")},
)
async def approve(batch_id: BatchId, w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE))]):
    batch = await service.batch_for(w.session, w.principal, batch_id, lock=True)
    await service.approve(w.session, w.principal, batch)
    w.audit("payment_batch.approved", "payment_batch", str(batch.id), batch.region)
    return await w.respond(200, batch_out(batch))


@router.get(
    "/payment-batches/{batch_id}/file",
    response_class=Response,
    summary="银行代发文件 (GB18030 CSV, 已复核批次)",
    description=(
        "The approved batch's file for the bank, GB18030 CSV, the same bytes at every download. Two header lines "
        "(`# batch <id> bank <code> region <code>`, `# sha256 <hex of the rest of the file>`), then "
        "`batch_id,line_no,account,holder_name,amount,purpose,month` lines (purpose 失业保险金) and a "
        "`TOTAL,<lines>,,,<amount>,,` line. 409 `batch_not_approved` for a draft."
    ),
    responses={200: {"content": {"text/csv": {}}}, 409: problem_doc("批次尚未复核 (batch_not_approved)")},
)
async def batch_file(
    batch_id: BatchId, session: Session, principal: Annotated[Principal, Depends(_batch_readers)]
) -> Response:
    batch = await service.batch_for(session, principal, batch_id)
    content = await service.file_of(session, batch)
    await record_look(
        session,
        principal,
        "claims.bank_file.export",
        object=("payment_batch", batch.id),
        region=batch.region,
        people=batch.lines,
    )
    return Response(
        content,
        media_type="text/csv; charset=gb18030",
        headers={"Content-Disposition": f'attachment; filename="batch-{batch.id}.csv"'},
    )


class ReturnOut(BaseModel):
    return_id: int
    batch: BatchOut
    paid: int
    failed: int
    replayed: bool = Field(description="同一文件再次上传: 未作任何改变")


@router.post(
    "/payment-batches/{batch_id}/returns",
    response_model=ReturnOut,
    summary="银行回盘文件 (逐行: 已付 / 失败及原因)",
    description=(
        "The bank's answer to an approved batch: CSV `line_no,account,amount,status,reason_code,value_date`, status "
        "`paid` or `failed` (with one of the bank reason codes of `rules/banks.json`). All or nothing: every line "
        "must be one of the batch's with its account and amount, every problem is named by line; the same file "
        "again changes nothing; a line already answered otherwise is a 409. Paid lines are announced "
        "(claims.benefits_confirmed.v1: fund-monitor books them as spent); failed ones are paid again in a later "
        "batch once the account is corrected (for a claim stopped since, only the days before the stop; the rest "
        "goes back to the fund). Role "
        "`social_insurance` of the region."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "line_no,account,amount,status,reason_code,value_date\n"
                    "1,6222020200112345679,1350.00,paid,,2026-11-20\n2,6222020200112345687,1350.00,failed,R03,2026-11-20\n",
                }
            },
        }
    },
    responses={409: problem_doc("批次未复核, 或某行已有不同回盘结果 (batch_not_approved, line_already_answered)")},
)
async def returns(batch_id: BatchId, request: Request, w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE))]):
    content = await request.body()
    batch = await service.batch_for(w.session, w.principal, batch_id, lock=True)
    outcome = await service.apply_return(w.session, w.principal, batch, content, dt.date.today())
    w.audit(
        "payment_batch.returned" if not outcome.replayed else "payment_batch.return_replayed",
        "payment_batch",
        str(batch.id),
        batch.region,
    )
    return await w.respond(
        200,
        ReturnOut(
            return_id=outcome.record.id,
            batch=batch_out(batch),
            paid=outcome.paid,
            failed=outcome.failed,
            replayed=outcome.replayed,
        ),
    )


TransferId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/medical-transfers", response_model=list[MedicalTransferOut], summary="代缴基本医疗保险费划转 (SIL48)")
async def list_medical_transfers(
    session: Session,
    principal: Annotated[Principal, Depends(_batch_readers)],
    region: Annotated[RegionCode | None, Query()] = None,
    state: Annotated[Literal["draft", "approved"] | None, Query()] = None,
    month: Annotated[str | None, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")] = None,
) -> list[MedicalTransferOut]:
    region = principal.region_to_read(region)
    first = dt.date.fromisoformat(month + "-01") if month else None
    return [transfer_out(t) for t in await medical.transfers(session, region, state, first)]


@router.get("/medical-transfers/{transfer_id}", response_model=MedicalTransferOut, summary="代缴基本医疗保险费划转")
async def get_medical_transfer(
    transfer_id: TransferId, session: Session, principal: Annotated[Principal, Depends(_batch_readers)]
) -> MedicalTransferOut:
    return transfer_out(await medical.transfer_for_reading(session, principal, transfer_id))


@router.post(
    "/medical-transfers/{transfer_id}/approve",
    response_model=MedicalTransferOut,
    summary="复核代缴基本医疗保险费划转 (另一名经办人)",
    description="A second officer of the region approves the month's transfer of the beneficiaries' basic "
    "medical-insurance contributions to the medical-insurance fund (SIL48); the officer whose run made it cannot "
    "(403 maker_cannot_approve). Then the money moves: announced as "
    "claims.medical_contributions_transferred.v1, which fund-monitor books as expenditure `medical_insurance`. "
    "Role `social_insurance`.",
    responses={409: problem_doc("划转不是待复核状态 (transfer_not_draft)")},
)
async def approve_medical_transfer(
    transfer_id: TransferId, w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE))]
):
    t = await medical.approve(w.session, w.principal, transfer_id)
    w.audit("medical_transfer.approved", "medical_transfer", str(t.id), t.region)
    return await w.respond(200, transfer_out(t))


class Beneficiary(BaseModel):
    name: str = Field(examples=["张*"])
    id_number: str = Field(examples=["220102********1239"])
    amount: MoneyOut
    period: str = Field(examples=["2026-11"])


class BeneficiaryPage(BaseModel):
    """公示: 只含脱敏姓名、脱敏身份号码、金额和所属期."""

    region: str
    month: str
    items: list[Beneficiary]
    next_cursor: str | None


@router.get(
    "/public/beneficiaries",
    response_model=BeneficiaryPage,
    summary="失业保险金领取人员公示 (N§5, 无需令牌)",
    tags=["public"],
)
async def beneficiaries(
    session: Session,
    region: Annotated[RegionCode, Query()],
    month: Annotated[str, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")],
    cursor: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> BeneficiaryPage:
    first = dt.date.fromisoformat(month + "-01")
    rows = await repository.paid_beneficiaries(session, region, first, cursor, limit)
    return BeneficiaryPage(
        region=region,
        month=month,
        items=[
            Beneficiary(name=mask_name(n), id_number=mask_id_number(i), amount=a, period=month) for _, n, i, a in rows
        ],
        next_cursor=str(rows[-1][0]) if len(rows) == limit else None,
    )


class PayeeAccountIn(BaseModel):
    """收款账户: 申领人本人名下、承办失业保险金发放的银行账户 (社会化发放, N§4)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"bank_code": "ICBC", "card_number": "6222020200112345679", "holder_name": "张三"}]
        },
    )

    bank_code: str = Field(min_length=1, max_length=20, description="见 rules/banks.json")
    card_number: str = Field(min_length=12, max_length=23, description="银行卡号 (Luhn 校验)")
    holder_name: str = Field(min_length=1, max_length=100, description="须与申领人姓名一致")


class PayeeAccountOut(BaseModel):
    claim_id: int
    bank_code: str
    bank_name: str
    account: str = Field(description="脱敏账号", examples=["6222 **** **** 5679"])
    holder_name: str
    updated_at: dt.datetime
    applies_from: str = Field(description="变更自下一批次起生效; 已生成的批次沿用原账户")


ClaimIdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]


def payee_out(a: PayeeAccount) -> PayeeAccountOut:
    return PayeeAccountOut(
        claim_id=a.claim_id,
        bank_code=a.bank_code,
        bank_name=banks()[a.bank_code],
        account=masked(a.card_number),
        holder_name=mask_name(a.holder_name),
        updated_at=a.updated_at,
        applies_from="next_batch",
    )


@router.put(
    "/claims/{claim_id}/payee-account",
    response_model=PayeeAccountOut,
    summary="设置或更正收款账户 (本人名下)",
    description=(
        "The claimant's own account: a bank of `rules/banks.json`, a card number that passes the Luhn check, the "
        "holder's name equal to the claimant's; answered masked. A change is audited and applies from the next "
        "batch (a batch already made keeps the account it was made with). Roles `employment_service`, "
        "`social_insurance` of the claim's region."
    ),
)
async def set_payee_account(
    claim_id: ClaimIdPath,
    body: PayeeAccountIn,
    w: Annotated[Write, Depends(writer(Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE))],
):
    account, region = await service.set_payee_account(
        w.session, w.principal, claim_id, body.bank_code, body.card_number, body.holder_name
    )
    w.audit("payee_account.set", "claim", str(claim_id), region)
    return await w.respond(200, payee_out(account))


@router.get("/claims/{claim_id}/payee-account", response_model=PayeeAccountOut, summary="收款账户 (脱敏)")
async def get_payee_account(
    claim_id: ClaimIdPath,
    session: Session,
    principal: Annotated[
        Principal, Depends(require_roles(Role.EMPLOYMENT_SERVICE, Role.SOCIAL_INSURANCE, Role.PROVINCE))
    ],
) -> PayeeAccountOut:
    account, claim = await service.payee_account(session, principal, claim_id)
    await record_look(
        session,
        principal,
        "claims.bank_account.read",
        object=("claim", claim_id),
        region=claim.region,
        person=claim.id_number,
    )
    return payee_out(account)
