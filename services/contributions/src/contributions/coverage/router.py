import datetime as dt
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from insurance_shared import (
    CriterionOut,
    Forbidden,
    LawDate,
    Principal,
    RegionCode,
    Role,
    Session,
    Write,
    all_regions,
    criterion_dict,
    require_roles,
    writer,
)
from insurance_shared.uploads import UploadError, csv_dicts, streamed_upload, upload_body

from ..rules.coverage import rising
from . import service

router = APIRouter(prefix="/coverage", tags=["coverage"])
_readers = require_roles(Role.SOCIAL_INSURANCE, Role.LABOR_DEPARTMENT, Role.PROVINCE, Role.SERVICE)


class InsuredOut(BaseModel):
    """参保人数及同比 (N§2: 参保人数逐年增加)."""

    region: str
    on: dt.date
    insured: int
    year_before: int
    change: int
    rising: bool = Field(description="false: 未实现逐年增加, 需关注")
    criterion: CriterionOut = Field(description="判定: 比较的两个人数、日期与条款 (N§2)")


class ImportOut(BaseModel):
    imported: int


class GapItem(BaseModel):
    credit_code: str
    name: str
    region: str
    staff: int
    source_department: str
    reason: str = Field(description="unknown: 未登记; registered_without_insured: 已登记但无在保人员")


class GapsOut(BaseModel):
    """应参保未参保单位, 按来源部门."""

    region: str
    on: dt.date
    by_department: dict[str, int]
    items: list[GapItem]


@router.get("/insured", response_model=list[InsuredOut], summary="各地区参保人数及同比")
async def insured(
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
    region: Annotated[RegionCode | None, Query(description="省级令牌不填则返回全部地区")] = None,
    on: Annotated[LawDate | None, Query()] = None,
) -> list[InsuredOut]:
    day = on or dt.date.today()
    if region is not None and not principal.can_read(region):
        raise Forbidden("region_forbidden", f"a token of region {principal.region} may not read region {region}")
    regions = (
        [region] if region else ([r.code for r in all_regions()] if principal.reads_all_regions else [principal.region])
    )
    out = []
    for code in regions:
        now = await service.insured_count(session, code, day)
        before = await service.insured_count(session, code, service.year_before(day))
        judged = rising(now, before, day, service.year_before(day))
        out.append(
            InsuredOut(
                region=code,
                on=day,
                insured=now,
                year_before=before,
                change=now - before,
                rising=judged.met,
                criterion=CriterionOut(**criterion_dict(judged)),
            )
        )
    return out


@router.post(
    "/registries",
    status_code=201,
    response_model=ImportOut,
    summary="导入其他部门的单位名录 (CSV)",
    description="CSV header `credit_code,name,region,staff,source_department`; source_department one of "
    "market_regulation, tax, personnel, finance. UTF-8 or GB18030. All or nothing; errors name the line.",
    openapi_extra=upload_body(
        "credit_code,name,region,staff,source_department\n91220101MA0Y3XXK87,某公司,220100,35,tax\n"
    ),
)
async def import_registry(
    request: Request, w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE, Role.PROVINCE, streamed=True))]
):
    async with streamed_upload(request, w) as (kind, text):
        if kind != "csv":
            raise UploadError("unsupported_media_type", "send text/csv", field="header.content-type")
        n = await service.import_registry(w.session, w.principal, csv_dicts(text, service.REGISTRY_COLUMNS))
    w.audit("registry.imported", "registry_import", f"{n} lines", w.principal.region)
    return await w.respond(201, ImportOut(imported=n))


@router.get("/gaps", response_model=GapsOut, summary="应参保未参保单位 (按来源部门)")
async def gaps(
    session: Session,
    principal: Annotated[Principal, Depends(_readers)],
    region: Annotated[RegionCode | None, Query()] = None,
    on: Annotated[LawDate | None, Query()] = None,
) -> GapsOut:
    region = region or principal.region
    if not principal.can_read(region):
        raise Forbidden("region_forbidden", f"a token of region {principal.region} may not read region {region}")
    day = on or dt.date.today()
    found = await service.gaps(session, region, day)
    return GapsOut(
        region=region,
        on=day,
        by_department=dict(Counter(e.source_department for e, _ in found)),
        items=[
            GapItem(
                credit_code=e.credit_code,
                name=e.name,
                region=e.region,
                staff=e.staff,
                source_department=e.source_department,
                reason=reason,
            )
            for e, reason in found
        ],
    )
