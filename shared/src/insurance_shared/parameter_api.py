"""Serving and setting a service's dated parameters (OpenFisca's parameters are the model): ``GET /parameters``
answers each value in force for a region on a date, with its legal reference and its history; ``POST /parameters``
(the province) adds a value from a date, never backdated, validated on its own and together with every other value
(e.g. R18: the benefit lies strictly between the minimum-living standard and the minimum wage of the same region
and date), audited, and announced by the service's own event.

A service declares each of its parameters once (:class:`ParameterSpec`) and passes its defaults (its
``rules/parameters.json``) and a cross-check; values added at run time live in the ``dated_parameters`` table.
"""

import datetime as dt
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Date, String, Table, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import Principal, Role, require_roles
from .contracts import EventData
from .dates import LawDate
from .db import COMMON_METADATA, BigIntPK, Session, UTCDateTime, utcnow
from .errors import Conflict, FieldError, Problem, Unprocessable
from .events.outbox import emit
from .parameters import ParameterValue, in_force
from .regions import RegionCode
from .writes import Write, writer

__all__ = [
    "ParameterSpec",
    "all_values",
    "dated_parameters",
    "forget_values",
    "parameters_router",
    "parameters_version",
]

dated_parameters = Table(
    "dated_parameters",
    COMMON_METADATA,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False),
    Column("region", String(6), nullable=False),
    Column("value", String(60), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("reference", String(200), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("name", "region", "valid_from", name="uq_dated_parameters_name_region_valid_from"),
)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def whole_number(lo: int, hi: int) -> Callable[[str], str | None]:
    def check(text: str) -> str | None:
        if not text.isdigit() or not lo <= int(text) <= hi:
            return f"a whole number from {lo} to {hi}"
        return None

    return check


def share(text: str) -> str | None:
    """A proportion strictly between 0 and 1, e.g. 0.20."""
    value = _decimal(text)
    if value is None or not 0 < value < 1:
        return "a proportion between 0 and 1, e.g. 0.20"
    return None


def no_cross_check(values: Iterable[ParameterValue]) -> list[tuple[str, str]]:
    """For a service whose parameters are independent of each other."""
    return []


def yuan(text: str) -> str | None:
    value = _decimal(text)
    if value is None or value <= 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        return "a positive amount in yuan with at most two decimal places, e.g. 1350.00"
    return None


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    name: str
    description: str
    unit: str  # months | days | yuan | rate | table | count
    validate: Callable[[str], str | None]


class ParameterOut(BaseModel):
    name: str
    description: str
    unit: str
    region: str | None = Field(description="为空表示全省默认值")
    value: str
    valid_from: dt.date
    reference: str = Field(description="法律依据 (文件与条款), 或设定人")
    history: list["ValueOut"] = Field(description="该地区此参数的每个取值, 按生效日期")


class ValueOut(BaseModel):
    region: str | None
    value: str
    valid_from: dt.date
    reference: str


class ParameterIn(BaseModel):
    """新增自某日起生效的参数值 (省级): 不得追溯, 须注明依据."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "benefit_amount",
                    "region": "220100",
                    "value": "1400.00",
                    "valid_from": "2027-01-01",
                    "reference": "长春市人社局 2026年第12号通知",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=60)
    region: RegionCode
    value: str = Field(min_length=1, max_length=60)
    valid_from: LawDate
    reference: str = Field(min_length=1, max_length=200, description="依据: 文件编号与条款")


# The run-time values' version: their number. The table is insert-only (a value is never changed or deleted, a new
# one is added from a date), and committed rows only ever add up, so two readings with the same count hold the same
# rows. A caller reads it in the same round trip as its own reads; values this process has read at that count are
# used again without a statement (an eligibility check read them on every request: #27).
parameters_version = select(func.count()).select_from(dated_parameters).scalar_subquery()
_read_by_process: "weakref.WeakKeyDictionary[Any, dict[int, tuple[tuple[ParameterValue, ...], int, tuple[ParameterValue, ...]]]]" = weakref.WeakKeyDictionary()


def forget_values(bind: Any) -> None:
    """Drop what this process has read through ``bind``: for a database whose table was emptied under it (a test's
    truncation; a restore is done with the services stopped), where the count alone could repeat."""
    _read_by_process.pop(bind, None)


async def all_values(
    session: AsyncSession, defaults: tuple[ParameterValue, ...], *, rows: int | None = None
) -> tuple[ParameterValue, ...]:
    """The defaults and every value set at run time; read once per session (a request or a batch). ``rows``: the
    count the caller read (``parameters_version``) in this transaction; with it, values this process read at that
    count are reused. (Only the parameter API writes values, and it never passes ``rows``: an uncommitted view is
    never kept.)"""
    cached = session.info.get("dated_parameters")
    if cached is not None:
        return cached
    seen = _read_by_process.setdefault(session.bind, {}) if session.bind is not None else {}
    hit = seen.get(id(defaults))
    if rows is not None and hit is not None and hit[0] is defaults and hit[1] == rows:
        cached = hit[2]
    else:
        found = (await session.execute(select(dated_parameters))).all()
        added = tuple(ParameterValue(r.name, r.region, r.value, r.valid_from, r.reference) for r in found)
        cached = defaults + added
        if rows is not None and len(found) == rows:
            seen[id(defaults)] = (defaults, rows, cached)
    session.info["dated_parameters"] = cached
    return cached


def parameters_router(
    *,
    specs: Mapping[str, ParameterSpec],
    defaults: Callable[[], tuple[ParameterValue, ...]],
    check: Callable[[Iterable[ParameterValue]], list[tuple[str, str]]],
    event: Callable[..., EventData],
    readers: tuple[Role, ...],
) -> APIRouter:
    """``check(values)`` → ``[(parameter name, problem)]`` of the whole set; ``event``: the service's event for a
    value set (subject ``<region>:<name>``)."""
    router = APIRouter(prefix="/parameters", tags=["parameters"])

    def out(name: str, values: tuple[ParameterValue, ...], region: str, on: dt.date) -> ParameterOut | None:
        v = in_force(values, name, region, on)
        if v is None:
            return None
        history = sorted(
            (x for x in values if x.name == name and x.region in (None, region)),
            key=lambda x: (x.valid_from, x.region or ""),
        )
        spec = specs[name]
        return ParameterOut(
            name=name,
            description=spec.description,
            unit=spec.unit,
            region=v.region,
            value=v.value,
            valid_from=v.valid_from,
            reference=v.clause,
            history=[
                ValueOut(region=x.region, value=x.value, valid_from=x.valid_from, reference=x.clause) for x in history
            ],
        )

    @router.get(
        "",
        response_model=list[ParameterOut],
        summary="某地区某日生效的参数 (含依据与历史取值)",
        description="Every parameter of this service in force in `region` on `on` (default today), each with its legal "
        "reference and every value it has had in that region. Any authenticated role of the region; the province reads "
        "every region.",
    )
    async def list_parameters(
        session: Session,
        principal: Annotated[Principal, Depends(require_roles(*readers, Role.PROVINCE, Role.SERVICE))],
        region: Annotated[RegionCode | None, Query()] = None,
        on: Annotated[LawDate | None, Query(description="默认今天")] = None,
        name: Annotated[str | None, Query(max_length=60)] = None,
    ) -> list[ParameterOut]:
        region = region or principal.region
        values = await all_values(session, defaults())
        names = [name] if name is not None else list(specs)
        if name is not None and name not in specs:
            raise Unprocessable("unknown_parameter", f"{name} is not a parameter of this service", field="query.name")
        found = [out(n, values, region, on or dt.date.today()) for n in names]
        return [p for p in found if p is not None]

    @router.post(
        "",
        status_code=201,
        response_model=ParameterOut,
        summary="新增参数值 (省级, 自某日起, 不追溯)",
        description="Adds a value from `valid_from` (today or later: decisions already made keep the values of their "
        "date), checked on its own and with every other value of the same region and dates; refused with 422 naming "
        "each rule it would break. Role `province`.",
    )
    async def add_parameter(body: ParameterIn, w: Annotated[Write, Depends(writer(Role.PROVINCE))]):
        spec = specs.get(body.name)
        if spec is None:
            raise Unprocessable(
                "unknown_parameter",
                f"{body.name} is not a parameter of this service: {', '.join(specs)}",
                field="body.name",
            )
        if problem := spec.validate(body.value):
            raise Unprocessable("invalid_parameter_value", f"{body.name}: {problem}", field="body.value")
        if body.valid_from < dt.date.today():
            raise Unprocessable(
                "valid_from_in_past",
                "a new value applies from today or later, so no decision already made changes",
                field="body.valid_from",
            )
        values = await all_values(w.session, defaults())
        if any(v.name == body.name and v.region == body.region and v.valid_from == body.valid_from for v in values):
            raise Conflict("parameter_exists", f"{body.name} for {body.region} from {body.valid_from} is already set")
        added = ParameterValue(body.name, body.region, body.value, body.valid_from, body.reference)
        problems = check((*values, added))
        if problems:
            raise Problem(
                422,
                "parameter_breaks_rule",
                "Unprocessable request",
                "; ".join(p for _, p in problems),
                errors=[FieldError(field="body.value", code="parameter_breaks_rule", message=p) for _, p in problems],
            )
        await w.session.execute(
            dated_parameters.insert().values(
                name=body.name,
                region=body.region,
                value=body.value,
                valid_from=body.valid_from,
                reference=body.reference,
                created_by=w.principal.sub,
                created_at=utcnow(),
            )
        )
        w.session.info.pop("dated_parameters", None)
        await emit(
            w.session,
            event(
                name=added.name,
                region=body.region,
                value=added.value,
                valid_from=added.valid_from,
                reference=added.clause,
            ),
            subject=f"{body.region}:{added.name}",
            region=body.region,
        )
        w.audit("parameter.added", "parameter", f"{body.name}:{body.region}:{body.valid_from}", body.region)
        result = out(body.name, (*values, added), body.region, body.valid_from)
        assert result is not None
        return await w.respond(201, result)

    return router
