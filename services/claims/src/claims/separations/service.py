"""Separations the units file (R16; SIL50): who left, when and why; the claims feature reads the latest."""

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared.contracts import is_involuntary

from .models import Separation

_LATEST = (
    select(Separation)
    .where(Separation.id_number == bindparam("id_number"), Separation.separation_date <= bindparam("on"))
    .order_by(Separation.separation_date.desc(), Separation.id.desc())
)


def classify(reason: str) -> bool:
    return is_involuntary(reason)


async def latest(session: AsyncSession, id_number: str, on: dt.date) -> Separation | None:
    """The latest separation of the person filed for a date on or before ``on``."""
    return (await session.execute(_LATEST, {"id_number": id_number, "on": on})).scalars().first()
