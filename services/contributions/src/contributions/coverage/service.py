"""Coverage (扩面, N§2): insured counts that must rise year on year, and units other departments know of that
should be insured and are not (应参保未参保)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from enum import StrEnum

from pydantic_core import PydanticCustomError
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import FieldError, Principal, Problem, is_known_region, upsert_insert, validate_credit_code

from ..persons.models import Employment
from ..units.models import Unit
from .models import RegistryEntry


class SourceDepartment(StrEnum):
    MARKET_REGULATION = "market_regulation"  # 工商 (市场监管)
    TAX = "tax"  # 税务
    PERSONNEL = "personnel"  # 人事编制
    FINANCE = "finance"  # 财政


REGISTRY_COLUMNS = ("credit_code", "name", "region", "staff", "source_department")


def _active_on(on: dt.date):
    return and_(Employment.start_date <= on, or_(Employment.end_date.is_(None), Employment.end_date >= on))


async def insured_count(session: AsyncSession, region: str, on: dt.date) -> int:
    stmt = select(func.count(func.distinct(Employment.person_key))).where(Employment.region == region, _active_on(on))
    return int((await session.execute(stmt)).scalar_one())


def year_before(on: dt.date) -> dt.date:
    try:
        return on.replace(year=on.year - 1)
    except ValueError:  # 29 February
        return on.replace(year=on.year - 1, day=28)


async def import_registry(
    session: AsyncSession, principal: Principal, rows: AsyncIterator[tuple[int, dict[str, str | None]]]
) -> int:
    errors: list[FieldError] = []
    error_count = 0
    records: list[dict[str, object]] = []
    async for line_no, row in rows:
        ref = f"line[{line_no}]"
        bad: list[FieldError] = []
        code = row.get("credit_code") or ""
        try:
            code = validate_credit_code(code)
        except PydanticCustomError as exc:
            bad.append(FieldError(field=f"{ref}.credit_code", code=exc.type, message=exc.message()))
        region = row.get("region") or ""
        if not is_known_region(region):
            bad.append(FieldError(field=f"{ref}.region", code="unknown_region", message=f"unknown region {region!r}"))
        elif not principal.reads_all_regions and region != principal.region:
            bad.append(FieldError(field=f"{ref}.region", code="region_forbidden", message="another region's unit"))
        staff = row.get("staff") or ""
        if not staff.isdigit():
            bad.append(FieldError(field=f"{ref}.staff", code="staff_not_a_count", message="staff is a whole number"))
        source = row.get("source_department") or ""
        if source not in set(SourceDepartment):
            bad.append(
                FieldError(
                    field=f"{ref}.source_department",
                    code="unknown_source_department",
                    message=f"one of {', '.join(SourceDepartment)}",
                )
            )
        if not (row.get("name") or "").strip():
            bad.append(FieldError(field=f"{ref}.name", code="name_missing", message="a unit has a name"))
        if bad:
            error_count += len(bad)
            errors.extend(bad[: max(0, 1000 - len(errors))])
            continue
        records.append(
            {
                "credit_code": code,
                "name": row["name"].strip(),
                "region": region,
                "staff": int(staff),
                "source_department": source,
            }  # type: ignore[union-attr]
        )
    if error_count:
        raise Problem(
            422, "registry_invalid", "Registry refused", f"{error_count} error(s); nothing was imported", errors=errors
        )
    if not records:
        raise Problem(422, "empty_upload", "Registry refused", "the registry has no lines")
    dialect_insert = upsert_insert(session)
    for i in range(0, len(records), 5000):
        stmt = dialect_insert(RegistryEntry).values(records[i : i + 5000])
        stmt = stmt.on_conflict_do_update(
            index_elements=["credit_code", "source_department"],
            set_={"name": stmt.excluded.name, "region": stmt.excluded.region, "staff": stmt.excluded.staff},
        )
        await session.execute(stmt)
    return len(records)


async def gaps(session: AsyncSession, region: str, on: dt.date) -> list[tuple[RegistryEntry, str]]:
    """Registry units that should be insured and are not: unknown to us, or registered with nobody insured."""
    known = exists().where(Unit.credit_code == RegistryEntry.credit_code)
    insured = exists().where(Employment.unit_credit_code == RegistryEntry.credit_code, _active_on(on))
    stmt = (
        select(RegistryEntry, known.label("known"))
        .where(RegistryEntry.region == region, ~insured)
        .order_by(RegistryEntry.source_department, RegistryEntry.credit_code)
    )
    return [
        (entry, "registered_without_insured" if is_known else "unknown")
        for entry, is_known in await session.execute(stmt)
    ]
