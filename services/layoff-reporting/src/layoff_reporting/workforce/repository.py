"""Reads of the workforce the contributions events built."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import NotFound, Principal

from .models import WorkforceEmployment, WorkforceUnit


async def unit(session: AsyncSession, credit_code: str) -> WorkforceUnit | None:
    return await session.get(WorkforceUnit, credit_code.upper())


async def readable_unit(session: AsyncSession, principal: Principal, credit_code: str) -> WorkforceUnit:
    """The unit, if the caller may see it; another region's unit is as unknown as a unit nobody registered."""
    found = await unit(session, credit_code)
    if found is None or not principal.can_read(found.region):
        raise NotFound("unit", credit_code)
    return found


async def active_insured(session: AsyncSession, credit_code: str) -> int:
    return (
        await session.execute(
            select(func.count()).where(
                WorkforceEmployment.unit_credit_code == credit_code, WorkforceEmployment.end_date.is_(None)
            )
        )
    ).scalar_one()
