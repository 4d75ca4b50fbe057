"""Reads of the rehire feature."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import RehireBreach


async def breaches(session: AsyncSession, credit_code: str) -> list[RehireBreach]:
    return list(
        (
            await session.execute(
                select(RehireBreach).where(RehireBreach.unit_credit_code == credit_code).order_by(RehireBreach.id)
            )
        ).scalars()
    )
