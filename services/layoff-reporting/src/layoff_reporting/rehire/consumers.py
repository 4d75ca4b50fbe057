"""Hires, as contributions announces them: stored into the workforce picture, and a hire into a unit with an executed
layoff checked against its rehire priority list (N§7; LL27). The service's complete handler table: workforce's
handlers plus this one."""

from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared.contracts import PersonEnrolled
from insurance_shared.events import Envelope

from ..workforce.consumers import employment_row, handlers, store_enrolments
from .service import check_hire, units_with_executed_layoffs

__all__ = ["handlers"]


@handlers.on_runs(PersonEnrolled)
async def people_enrolled(session: AsyncSession, events: list[tuple[Envelope, PersonEnrolled]]) -> None:
    """Enrolments come a roster at a time. A hire into a unit with an executed layoff may breach a rehire priority
    and is checked on its own, after every earlier enrolment of the run is stored, exactly as if the run were
    applied one event after another; the rest (nearly all) are stored together."""
    watched = await units_with_executed_layoffs(session, {d.unit_credit_code for _, d in events if d.unit_credit_code})
    pending: list[dict[str, object]] = []
    for _, data in events:
        pending.append(employment_row(data))
        if data.unit_credit_code in watched:
            await store_enrolments(session, pending)
            pending = []
            await check_hire(session, data)
    await store_enrolments(session, pending)
