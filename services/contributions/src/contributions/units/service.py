from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import Conflict, FieldError, NotFound, Principal, Problem
from insurance_shared.contracts import UnitRegistered
from insurance_shared.events import emit

from ..rules.units import unit_registration_violations
from . import repository
from .models import Unit
from .schemas import UnitCreate, UnitUpdate


def _check(unit_like: dict) -> None:
    violations = unit_registration_violations(**unit_like)
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


async def update_unit(session: AsyncSession, principal: Principal, credit_code: str, body: UnitUpdate) -> Unit:
    unit = await repository.get_by_credit_code(session, credit_code)
    if unit is None or not principal.can_read(unit.region):
        raise NotFound("unit", credit_code)
    principal.ensure_writable(unit.region, field="path.credit_code")
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    merged = {
        "kind": str(changes.get("kind", unit.kind.value)),
        "region": unit.region,
        "home_region": unit.home_region,
        "provincial_direct": unit.provincial_direct,
        "fully_budget_funded": changes.get("fully_budget_funded", unit.fully_budget_funded),
        "declared_staff": changes.get("declared_staff", unit.declared_staff),
    }
    _check(merged)
    for key, value in changes.items():
        setattr(unit, key, value)
    await session.flush()
    return unit


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
