from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from insurance_shared import (
    Forbidden,
    NotFound,
    Principal,
    RegionCode,
    Role,
    Session,
    Write,
    problem_doc,
    require_roles,
    writer,
)

from . import repository, service
from .schemas import UnitCreate, UnitOut, UnitPage, UnitUpdate

router = APIRouter(prefix="/units", tags=["units"])

_readers = require_roles(Role.SOCIAL_INSURANCE, Role.LABOR_DEPARTMENT, Role.PROVINCE, Role.SERVICE)


@router.post(
    "",
    status_code=201,
    response_model=UnitOut,
    summary="登记用人单位",
    description="登记一个应参保的用人单位. 省直单位由省级机构(220000)登记并注明所属统筹地区 (N§3(4)).",
    responses={409: problem_doc("该统一社会信用代码已登记 (unit_already_registered) 或幂等键被另一请求使用")},
)
async def register_unit(
    body: UnitCreate,
    w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE, Role.PROVINCE))],
):
    unit = await service.register_unit(w.session, w.principal, body)
    w.audit("unit.registered", "unit", unit.credit_code, unit.region)
    return await w.respond(201, UnitOut.model_validate(unit), location=f"/units/{unit.credit_code}")


@router.get("/{credit_code}", response_model=UnitOut, summary="查询用人单位")
async def get_unit(
    credit_code: Annotated[str, Path(max_length=18, title="统一社会信用代码")],
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
) -> UnitOut:
    unit = await repository.get_by_credit_code(session, credit_code.upper())
    if unit is None:
        raise NotFound("unit", credit_code)
    principal.ensure_readable(unit.region, "unit", credit_code)
    return UnitOut.model_validate(unit)


@router.get("", response_model=UnitPage, summary="按统筹地区列出用人单位 (分页)")
async def list_units(
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
    region: Annotated[RegionCode | None, Query(description="默认为令牌所属地区")] = None,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,18}$", description="上一页的 next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    q: Annotated[str | None, Query(max_length=100, description="按名称包含的文字查找")] = None,
) -> UnitPage:
    region = region or principal.region
    if not principal.can_read(region):
        raise Forbidden("region_forbidden", f"a token of region {principal.region} may not list region {region}")
    units = await repository.list_by_region(session, region, after_id=int(cursor or 0), limit=limit, name_contains=q)
    next_cursor = str(units[-1].id) if len(units) == limit else None
    return UnitPage(items=[UnitOut.model_validate(u) for u in units], next_cursor=next_cursor)


@router.patch("/{credit_code}", response_model=UnitOut, summary="修改用人单位信息")
async def update_unit(
    credit_code: Annotated[str, Path(max_length=18, title="统一社会信用代码")],
    body: UnitUpdate,
    w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE, Role.PROVINCE))],
):
    unit = await service.update_unit(w.session, w.principal, credit_code.upper(), body)
    w.audit("unit.updated", "unit", unit.credit_code, unit.region)
    return await w.respond(200, UnitOut.model_validate(unit))
