"""The link with the minimum-living guarantee (低保, N§6 ¶2): the civil-affairs roster of a region is imported whole
(all or nothing; the latest replaces the one before) and used for one thing only: to list the region's claimants
and hard-to-employ people who are on it, for priority job referrals by the employment service."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Principal, ResidentId, person_key
from insurance_shared.uploads import LineErrors, model_lines

from ..claims.models import Claim
from ..claims.service import OPEN_STATES
from .models import HardToEmploy, LivingRosterEntry, LivingRosterImport

COLUMNS = ("id_number",)
MAX_LINES = 200_000


class RosterLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id_number: ResidentId


async def import_roster(
    session: AsyncSession,
    principal: Principal,
    region: str,
    lines: AsyncIterator[tuple[int, dict | None]],
    sha256: str,
) -> LivingRosterImport:

    principal.ensure_writable(region, field="path.region")
    errors = LineErrors()
    seen: dict[str, int] = {}
    async for line_no, body in model_lines(
        lines, RosterLine, COLUMNS, errors, max_lines=MAX_LINES, per="roster", empty="a roster has at least one person"
    ):
        if body.id_number in seen:
            errors.add(f"line[{line_no}].id_number", "duplicate_person", f"already on line {seen[body.id_number]}")
        else:
            seen[body.id_number] = line_no
    errors.raise_any("roster_invalid", "Roster refused", "the region's roster is unchanged")
    imported = LivingRosterImport(region=region, lines=len(seen), sha256=sha256, imported_by=principal.sub)
    session.add(imported)
    await session.flush()
    await session.execute(delete(LivingRosterEntry).where(LivingRosterEntry.region == region))
    rows = [{"region": region, "person_key": person_key(i), "import_id": imported.id} for i in seen]
    for i in range(0, len(rows), 5000):
        await session.execute(insert(LivingRosterEntry.__table__), rows[i : i + 5000])
    return imported


@dataclass(frozen=True, slots=True)
class Referral:
    id_number: str
    name: str
    claimant: int | None  # the open claim's id
    hard_to_employ: int | None  # the certification's id


async def priority_referrals(session: AsyncSession, region: str, on: dt.date) -> list[Referral]:
    """Claimants with an open claim and people certified hard to employ (in force on ``on``) in ``region`` who are
    on its 低保 roster: the employment service refers them to jobs first."""
    on_roster = select(LivingRosterEntry.person_key).where(LivingRosterEntry.region == region)
    people: dict[str, dict] = {}
    for claim_id, id_number, name in await session.execute(
        select(Claim.id, Claim.id_number, Claim.name).where(
            Claim.region == region, Claim.state.in_(OPEN_STATES), Claim.person_key.in_(on_roster)
        )
    ):
        people.setdefault(id_number, {"name": name, "claimant": None, "hard_to_employ": None})["claimant"] = claim_id
    for cert_id, id_number, name in await session.execute(
        select(HardToEmploy.id, HardToEmploy.id_number, HardToEmploy.name).where(
            HardToEmploy.region == region,
            HardToEmploy.certified_on <= on,
            HardToEmploy.review_on >= on,
            HardToEmploy.person_key.in_(on_roster),
        )
    ):
        people.setdefault(id_number, {"name": name, "claimant": None, "hard_to_employ": None})["hard_to_employ"] = (
            cert_id
        )
    return [Referral(i, p["name"], p["claimant"], p["hard_to_employ"]) for i, p in sorted(people.items())]


async def latest_import(session: AsyncSession, region: str) -> LivingRosterImport | None:
    return (
        await session.execute(
            select(LivingRosterImport)
            .where(LivingRosterImport.region == region)
            .order_by(LivingRosterImport.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
