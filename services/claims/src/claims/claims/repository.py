"""The claims feature's reads that routers need (region filtering here, not in the router)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Claim, Referral


async def claims_of_region(
    session: AsyncSession, region: str, state: str | None, cursor: int, limit: int
) -> list[Claim]:
    stmt = select(Claim).where(Claim.region == region, Claim.id > cursor).order_by(Claim.id).limit(limit)
    if state:
        stmt = stmt.where(Claim.state == state)
    return list((await session.execute(stmt)).scalars())


async def referral(session: AsyncSession, referral_id: int) -> Referral | None:
    return await session.get(Referral, referral_id)
