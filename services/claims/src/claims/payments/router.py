import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from insurance_shared import MoneyOut, RegionCode, Role, Session, Write, mask_id_number, mask_name, writer
from insurance_shared.app import problem_doc

from ..registry.models import BenefitPayment, Claim
from . import service

router = APIRouter(tags=["payments"])


class RunIn(BaseModel):
    """按月发放: 每个已核实的申领每月只发一次; 中途失败可重跑."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"region": "220100", "month": "2026-11"}]}
    )

    region: RegionCode
    month: str = Field(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")


class RunOut(BaseModel):
    id: int
    region: str
    month: str
    status: str
    claims_paid: int
    amount: MoneyOut


@router.post(
    "/payment-runs",
    response_model=RunOut,
    summary="月度发放",
    responses={409: problem_doc("该月已发放 (month_already_paid)")},
)
async def run(body: RunIn, w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE))]):
    w.principal.ensure_writable(body.region)
    month = dt.date.fromisoformat(body.month + "-01")
    r = await service.run_month(w.session, body.region, month, dt.date.today())
    w.audit("payment_run.completed", "payment_run", str(r.id), body.region)
    return await w.respond(
        200,
        RunOut(id=r.id, region=r.region, month=body.month, status=r.status, claims_paid=r.claims_paid, amount=r.amount),
    )


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
    rows = (
        await session.execute(
            select(BenefitPayment.id, Claim.name, Claim.id_number, BenefitPayment.amount)
            .join(Claim, Claim.id == BenefitPayment.claim_id)
            .where(
                BenefitPayment.region == region,
                BenefitPayment.month == first,
                BenefitPayment.kind == "benefit",
                BenefitPayment.id > cursor,
            )
            .order_by(BenefitPayment.id)
            .limit(limit)
        )
    ).all()
    return BeneficiaryPage(
        region=region,
        month=month,
        items=[
            Beneficiary(name=mask_name(n), id_number=mask_id_number(i), amount=a, period=month) for _, n, i, a in rows
        ],
        next_cursor=str(rows[-1][0]) if len(rows) == limit else None,
    )
