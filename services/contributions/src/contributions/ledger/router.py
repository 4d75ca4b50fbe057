from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from insurance_shared import Principal, RegionCode, Role, Session, require_roles

from . import service

router = APIRouter(prefix="/ledger", tags=["ledger"])


class BalanceOut(BaseModel):
    region: str
    fund: str = Field(description="pension | unemployment | none")
    kind: str = Field(
        description="receivable, assessed, late_fee_assessed, fund, provincial_clearing, suspense, unit_credit"
    )
    debit: int = Field(description="分")
    credit: int = Field(description="分")
    balance: int = Field(description="借方减贷方, 分")


class TrialBalanceOut(BaseModel):
    """试算平衡: 借贷合计相等, 且没有不平衡的分录."""

    debit: int
    credit: int
    unbalanced_entries: int
    balanced: bool


@router.get("/balances", response_model=list[BalanceOut], summary="分基金账户余额 (由分录汇总)")
async def balances(
    session: Session,
    principal: Annotated[Principal, Depends(require_roles(Role.SOCIAL_INSURANCE, Role.PROVINCE, Role.SERVICE))],
    region: Annotated[RegionCode | None, Query()] = None,
) -> list[BalanceOut]:
    region = principal.region_to_read(region)
    return [BalanceOut(**b) for b in await service.balances(session, region)]  # type: ignore[arg-type]


@router.get("/trial-balance", response_model=TrialBalanceOut, summary="试算平衡 (省级)")
async def trial_balance(
    session: Session, _: Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.SERVICE))]
) -> TrialBalanceOut:
    debit, credit, unbalanced = await service.trial_balance(session)
    return TrialBalanceOut(
        debit=debit, credit=credit, unbalanced_entries=unbalanced, balanced=debit == credit and not unbalanced
    )
