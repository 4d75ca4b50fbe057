from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Conflict, FieldError, Principal, Problem
from insurance_shared.contracts import UnitRegistered
from insurance_shared.events import emit

from ..rules.units import unit_registration_violations
from . import repository
from .models import Unit
from .schemas import UnitCreate


async def register_unit(session: AsyncSession, principal: Principal, body: UnitCreate) -> Unit:
    principal.ensure_writable(body.region)
    violations = unit_registration_violations(
        kind=body.kind.value,
        region=body.region,
        home_region=body.home_region,
        provincial_direct=body.provincial_direct,
        fully_budget_funded=body.fully_budget_funded,
        declared_staff=body.declared_staff,
    )
    if violations:
        raise Problem(
            422,
            "unit_registration_inconsistent",
            "Unit registration contradicts the policy",
            "; ".join(f"{v.message} ({v.clause})" for v in violations),
            errors=[
                FieldError(field=f"body.{v.field}", code=v.code, message=f"{v.message} ({v.clause})")
                for v in violations
            ],
        )
    if await repository.get_by_credit_code(session, body.credit_code) is not None:
        raise Conflict("unit_already_registered", f"unit {body.credit_code} is already registered")
    unit = Unit(**body.model_dump())
    session.add(unit)
    await session.flush()
    await emit(
        session,
        UnitRegistered(
            credit_code=unit.credit_code,
            name=unit.name,
            kind=unit.kind.value,
            region=unit.region,
            home_region=unit.home_region,
            provincial_direct=unit.provincial_direct,
            fully_budget_funded=unit.fully_budget_funded,
            declared_staff=unit.declared_staff,
        ),
        subject=unit.credit_code,
        region=unit.region,
    )
    return unit
