"""Reads of the declarations feature that others' endpoints need."""

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Declaration, DeclarationLine

_PERSON_MONTHS = (
    select(
        Declaration.home_region,
        Declaration.unit_credit_code,
        Declaration.period,
        Declaration.id,
        Declaration.paid,
        DeclarationLine.unemployment_unit + DeclarationLine.unemployment_person,
    )
    .join(DeclarationLine, DeclarationLine.declaration_id == Declaration.id)
    .where(DeclarationLine.id_number == bindparam("id_number"))
    .order_by(Declaration.home_region, Declaration.unit_credit_code, Declaration.period, Declaration.id)
)


async def person_months(session: AsyncSession, id_number: str) -> list[tuple[str, str, dt.date, int, bool, int]]:
    """(home region, unit, period, declaration id, paid, unemployment fen) of every line declared for the person."""
    return [tuple(r) for r in await session.execute(_PERSON_MONTHS, {"id_number": id_number})]  # type: ignore[misc]
