"""就业困难人员认定 (N§6 ¶2): who is hard to employ, in which categories, certified by whom and when, reviewed when.
The categories are data (rules/hard_to_employ.json)."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import NotFound, Principal, Unprocessable, person_key

from ..rules.subsidy import Certification
from .models import HardToEmploy


@cache
def categories() -> dict[str, dict[str, str]]:
    data = json.loads(resources.files("claims.rules").joinpath("hard_to_employ.json").read_text("utf-8"))
    return {c["code"]: c for c in data["categories"]}


async def certify(
    session: AsyncSession,
    principal: Principal,
    *,
    id_number: str,
    name: str,
    region: str,
    codes: list[str],
    certified_on: dt.date,
    review_on: dt.date,
) -> HardToEmploy:
    principal.ensure_writable(region)
    known = categories()
    for i, code in enumerate(codes):
        if code not in known:
            raise Unprocessable(
                "unknown_category",
                f"{code!r} is not a hard-to-employ category; known: {', '.join(known)}",
                field=f"body.categories[{i}]",
            )
    if len(set(codes)) != len(codes):
        raise Unprocessable("duplicate_category", "each category is given once", field="body.categories")
    if review_on <= certified_on:
        raise Unprocessable(
            "review_before_certification",
            f"the review date comes after the certification ({certified_on})",
            field="body.review_on",
        )
    row = HardToEmploy(
        person_key=person_key(id_number),
        id_number=id_number,
        name=name,
        region=region,
        categories=",".join(codes),
        certified_by=principal.sub,
        certified_on=certified_on,
        review_on=review_on,
    )
    session.add(row)
    await session.flush()
    return row


async def readable(session: AsyncSession, principal: Principal, certification_id: int) -> HardToEmploy:
    row = await session.get(HardToEmploy, certification_id)
    if row is None or not principal.can_read(row.region):
        raise NotFound("hard_to_employ", str(certification_id))
    return row


async def listed(
    session: AsyncSession, principal: Principal, region: str | None, id_number: str | None, after: int, limit: int
) -> list[HardToEmploy]:
    query = select(HardToEmploy).where(HardToEmploy.id > after)
    if (region := principal.region_to_read(region)) is not None:
        query = query.where(HardToEmploy.region == region)
    if id_number is not None:
        query = query.where(HardToEmploy.person_key == person_key(id_number))
    return list((await session.execute(query.order_by(HardToEmploy.id).limit(limit))).scalars())


async def in_force(session: AsyncSession, id_number: str, region: str, on: dt.date) -> Certification | None:
    """The person's certification in force on ``on`` in ``region`` (the latest certified by then), or None."""
    row = (
        (
            await session.execute(
                select(HardToEmploy)
                .where(
                    HardToEmploy.person_key == person_key(id_number),
                    HardToEmploy.region == region,
                    HardToEmploy.certified_on <= on,
                )
                .order_by(HardToEmploy.certified_on.desc(), HardToEmploy.id.desc())
            )
        )
        .scalars()
        .first()
    )
    if row is None:
        return None
    return Certification(row.id, tuple(row.categories.split(",")), row.certified_on, row.review_on)
