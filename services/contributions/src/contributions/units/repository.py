from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Unit

# built once: building a select per call cost about a fifth of a unit's read (py-spy, #27 item 3)
_BY_CREDIT_CODE = select(Unit).where(Unit.credit_code == bindparam("credit_code"))


async def get_by_credit_code(session: AsyncSession, credit_code: str) -> Unit | None:
    return (await session.execute(_BY_CREDIT_CODE, {"credit_code": credit_code})).scalar_one_or_none()


async def list_by_region(
    session: AsyncSession, region: str, *, after_id: int, limit: int, name_contains: str | None = None
) -> list[Unit]:
    stmt = select(Unit).where(Unit.region == region, Unit.id > after_id).order_by(Unit.id).limit(limit)
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Unit.name.like(f"%{escaped}%", escape="\\"))
    return list((await session.execute(stmt)).scalars())
