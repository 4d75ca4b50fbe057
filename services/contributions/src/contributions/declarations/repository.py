"""Reads of the declarations feature that others' endpoints need."""

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import NotFound, Principal, person_key

from ..persons.models import Person
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
    .where(DeclarationLine.person_key == bindparam("key"))
    .order_by(Declaration.home_region, Declaration.unit_credit_code, Declaration.period, Declaration.id)
)


async def person_months(session: AsyncSession, id_number: str) -> list[tuple[str, str, dt.date, int, bool, int]]:
    """(home region, unit, period, declaration id, paid, unemployment fen) of every line declared for the person."""
    rows = await session.execute(_PERSON_MONTHS, {"key": person_key(id_number)})
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def readable(session: AsyncSession, principal: Principal, declaration_id: int) -> Declaration:
    """The declaration, if the caller may see it; another region's is as unknown as none."""
    d = await session.get(Declaration, declaration_id)
    if d is None or not principal.can_read(d.region):
        raise NotFound("declaration", str(declaration_id))
    return d


async def lines(
    session: AsyncSession, declaration_id: int, cursor: int, limit: int
) -> list[tuple[DeclarationLine, str]]:
    """A page of the declaration's lines, each with the person's identity number (kept sealed with the person)."""
    rows = await session.execute(
        select(DeclarationLine, Person.id_number)
        .join(Person, Person.person_key == DeclarationLine.person_key)
        .where(DeclarationLine.declaration_id == declaration_id, DeclarationLine.line_no > cursor)
        .order_by(DeclarationLine.line_no)
        .limit(limit)
    )
    return [(line, number) for line, number in rows]
