"""``GET /totals``: a service's own account of the fund money it moved, per movement, for reconciliation
(contracts.totals). Each service supplies one query; the range, roles, region scoping and sums are the same
everywhere and live here."""

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import Principal, Role, require_roles
from .contracts.totals import Totals, TotalsItem, summed
from .dates import LAW_START
from .db import Session
from .errors import Forbidden, Unprocessable
from .regions import RegionCode

__all__ = ["MAX_MONTHS", "ItemsQuery", "month_range", "totals_router"]

MAX_MONTHS = 36
MONTH = r"^(20\d{2})-(0[1-9]|1[0-2])$"

ItemsQuery = Callable[[AsyncSession, dt.date, dt.date], Awaitable[list[TotalsItem]]]
"""``(session, first day, first day after) → items`` of every region; the router filters by region."""


def month_range(from_month: str, to_month: str) -> tuple[dt.date, dt.date]:
    """``("2026-01", "2026-03")`` → (2026-01-01, 2026-04-01): the first day and the first day after."""
    first = dt.date(int(from_month[:4]), int(from_month[5:]), 1)
    last = dt.date(int(to_month[:4]), int(to_month[5:]), 1)
    if first < LAW_START:
        raise Unprocessable(
            "month_before_law", f"{from_month} lies before {LAW_START:%Y-%m}, where the books begin", field="query.from"
        )
    if last < first:
        raise Unprocessable("range_reversed", "`to` is before `from`", field="query.to")
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_MONTHS:
        raise Unprocessable("range_too_long", f"at most {MAX_MONTHS} months per call", field="query.to")
    after = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    return first, after


def totals_router(source: str, items: ItemsQuery, *, readers: tuple[Role, ...]) -> APIRouter:
    router = APIRouter(tags=["totals"])

    @router.get(
        "/totals",
        response_model=Totals,
        summary="本服务收付的失业保险基金款项 (供基金监测对账)",
        description=(
            f"Every movement of unemployment-fund money {source} made in the months `from`..`to` (at most "
            f"{MAX_MONTHS}), each keyed as fund-monitor's journal books it, and their sums per region, month and kind. "
            "fund-monitor's `/reconciliation` compares its books with this. Roles: "
            + ", ".join(f"`{r.value}`" for r in readers)
            + ", `province` and `service` (a city's token sees its own region)."
        ),
    )
    async def totals(
        session: Session,
        principal: Annotated[Principal, Depends(require_roles(*readers, Role.PROVINCE, Role.SERVICE))],
        from_month: Annotated[str, Query(alias="from", pattern=MONTH, examples=["2026-01"])],
        to_month: Annotated[str, Query(alias="to", pattern=MONTH, examples=["2026-03"])],
        region: Annotated[RegionCode | None, Query()] = None,
    ) -> Totals:
        first, after = month_range(from_month, to_month)
        if region is None and not principal.reads_all_regions:
            region = principal.region
        if region is not None and not principal.can_read(region):
            raise Forbidden("region_forbidden", f"a token of region {principal.region} reads its own region only")
        found = [i for i in await items(session, first, after) if region is None or i.region == region]
        found.sort(key=lambda i: (i.region, i.month, i.kind, i.key))
        return Totals(
            source=source, from_month=from_month, to_month=to_month, region=region, sums=summed(found), items=found
        )

    return router
