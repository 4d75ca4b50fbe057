"""Reads of the workforce the contributions events built."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import WorkforceEmployment, WorkforceUnit


async def unit(session: AsyncSession, credit_code: str) -> WorkforceUnit | None:
    return await session.get(WorkforceUnit, credit_code.upper())


async def active_insured(session: AsyncSession, credit_code: str) -> int:
    return (
        await session.execute(
            select(func.count()).where(
                WorkforceEmployment.unit_credit_code == credit_code, WorkforceEmployment.end_date.is_(None)
            )
        )
    ).scalar_one()
