import datetime as dt
from collections import defaultdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from insurance_shared import (
    MoneyOut,
    Principal,
    Role,
    Session,
    Write,
    problem_doc,
    record_look,
    require_roles,
    writer,
)
from insurance_shared.uploads import streamed_blocks, upload_body

from ..persons import service as person_service
from ..persons.schemas import HistoryGroup, HistoryMonth, HistoryOut
from ..rules.periods import format_period
from . import columnar, repository, service
from .models import Declaration
from .schemas import DeclarationIn, DeclarationOut, UsedParameterOut

router = APIRouter(tags=["declarations"])
CreditCodePath = Annotated[str, Path(min_length=18, max_length=18, title="统一社会信用代码")]
_writers = (Role.SOCIAL_INSURANCE, Role.PROVINCE)


def _out(d: Declaration | service.Draft, clamped: int, used: list) -> DeclarationOut:
    return DeclarationOut(
        id=d.id,
        unit_credit_code=d.unit_credit_code,
        period=format_period(d.period),
        kind=d.kind,
        region=d.region,
        home_region=d.home_region,
        lines=d.lines,
        clamped_lines=clamped,
        unit_share_payer=d.unit_share_payer,
        pension_unit=d.pension_unit,
        pension_person=d.pension_person,
        unemployment_unit=d.unemployment_unit,
        unemployment_person=d.unemployment_person,
        total=d.total,
        owed_pension=d.owed_pension,
        owed_unemployment=d.owed_unemployment,
        fee_pension=d.fee_pension,
        fee_unemployment=d.fee_unemployment,
        due_date=d.due_date,
        paid=d.paid,
        parameters=[
            UsedParameterOut(name=u.name, value=u.value, valid_from=u.valid_from, clause=u.clause) for u in used
        ],
    )


async def _from_body(body: DeclarationIn):
    for i, line in enumerate(body.lines):
        yield service.Line(f"body.lines[{i}]", line.id_number, line.base)


@router.post(
    "/units/{credit_code}/declarations",
    status_code=201,
    response_model=DeclarationOut,
    summary="月度申报 (JSON)",
    responses={409: problem_doc("该期已有缴费, 请用补充申报 (period_paid_use_adjustment)")},
)
async def declare(credit_code: CreditCodePath, body: DeclarationIn, w: Annotated[Write, Depends(writer(*_writers))]):
    decl, clamped, used = await service.declare(
        w.session,
        w.principal,
        credit_code.upper(),
        body.period,
        body.kind,
        _from_body(body),
        today=dt.date.today(),
        period_field="body.period",
    )
    w.audit(f"declaration.{body.kind}", "declaration", str(decl.id), decl.region)
    return await w.respond(201, _out(decl, clamped, used), location=f"/declarations/{decl.id}")


_UPLOAD_BODY = upload_body(
    "id_number,base\n11010519491231002X,4500.00\n", '{"id_number": "11010519491231002X", "base": "4500.00"}\n'
)


def _upload(request: Request, w: Write):
    """The body's kind (csv or jsonl) and its lines in blocks, for the bulk declaration path."""
    return streamed_blocks(request, w, columnar.BLOCK_LINES)


@router.post(
    "/units/{credit_code}/declarations/bulk",
    status_code=201,
    response_model=DeclarationOut,
    summary="月度申报批量上传 (CSV 或 JSON Lines, 流式)",
    description=(
        "Body: `text/csv` (header `id_number,base[,name]`; UTF-8 or GB18030, or say `charset=`) or "
        '`application/x-ndjson` (one `{"id_number": ..., "base": "4500.00"}` per line). Read as a stream; '
        "every line is checked and any error is reported with its line number (`line[N]`, the header is line 1), "
        "after which nothing of the declaration is written."
    ),
    openapi_extra=_UPLOAD_BODY,
)
async def declare_bulk(
    request: Request,
    credit_code: CreditCodePath,
    w: Annotated[Write, Depends(writer(*_writers, streamed=True))],
    period: Annotated[str, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="所属期 YYYY-MM")],
    kind: Annotated[Literal["regular", "adjustment"], Query()] = "regular",
):
    async with _upload(request, w) as (file_kind, blocks):
        decl, clamped, used = await columnar.declare(
            w.session,
            w.principal,
            credit_code.upper(),
            period,
            kind,
            file_kind,
            blocks,
            today=dt.date.today(),
            period_field="query.period",
        )
    w.audit(f"declaration.{kind}", "declaration", str(decl.id), decl.region)
    return await w.respond(201, _out(decl, clamped, used), location=f"/declarations/{decl.id}")


class PeriodsOut(BaseModel):
    """多期申报结果: 每个所属期一份申报, 按所属期排序."""

    declarations: list[DeclarationOut]
    lines: int = Field(description="全部行数")


@router.post(
    "/units/{credit_code}/declarations/periods",
    status_code=201,
    response_model=PeriodsOut,
    summary="多期申报批量上传 (补报、历史数据迁移; CSV 或 JSON Lines, 流式)",
    description=(
        "Several periods of one unit in one upload: each line names its period. `text/csv` with header "
        '`period,id_number,base[,name]`, or JSON Lines (`{"period": "2024-01", "id_number": ..., "base": ...}`). '
        "Each period becomes its own declaration, checked exactly as a single period's would be (a period "
        "already paid is refused: use an adjustment); any error, reported with its line number, and nothing of "
        "any period is written."
    ),
    openapi_extra=upload_body(
        "period,id_number,base\n2024-01,11010519491231002X,4500.00\n2024-02,11010519491231002X,4600.00\n",
        '{"period": "2024-01", "id_number": "11010519491231002X", "base": "4500.00"}\n',
    ),
)
async def declare_periods(
    request: Request,
    credit_code: CreditCodePath,
    w: Annotated[Write, Depends(writer(*_writers, streamed=True))],
    kind: Annotated[Literal["regular", "adjustment"], Query()] = "regular",
):
    async with _upload(request, w) as (file_kind, blocks):
        made = await columnar.declare_periods(
            w.session, w.principal, credit_code.upper(), kind, file_kind, blocks, today=dt.date.today()
        )
    for decl, _, _ in made:
        w.audit(f"declaration.{kind}", "declaration", str(decl.id), decl.region)
    body = PeriodsOut(declarations=[_out(d, c, u) for d, c, u in made], lines=sum(d.lines for d, _, _ in made))
    return await w.respond(201, body)


@router.get("/declarations/{declaration_id}", response_model=DeclarationOut, summary="查询申报")
async def get_declaration(
    declaration_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    session: Session,
    principal: Annotated[Principal, Depends(require_roles(Role.SOCIAL_INSURANCE, Role.PROVINCE))],
) -> DeclarationOut:
    return _out(await repository.readable(session, principal, declaration_id), 0, [])


class LineOut(BaseModel):
    line_no: int
    id_number: str
    declared_base: MoneyOut
    base: MoneyOut
    pension_unit: MoneyOut
    pension_person: MoneyOut
    unemployment_unit: MoneyOut
    unemployment_person: MoneyOut


class LinePage(BaseModel):
    items: list[LineOut]
    next_cursor: str | None = Field(examples=["500"])


@router.get("/declarations/{declaration_id}/lines", response_model=LinePage, summary="申报明细 (分页)")
async def declaration_lines(
    declaration_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    session: Session,
    principal: Annotated[Principal, Depends(require_roles(Role.SOCIAL_INSURANCE, Role.PROVINCE))],
    cursor: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> LinePage:
    declaration = await repository.readable(session, principal, declaration_id)
    rows = await repository.lines(session, declaration_id, cursor, limit)
    await record_look(
        session,
        principal,
        "contributions.declaration_lines.read",
        object=("declaration", declaration_id),
        region=declaration.region,
        people=len(rows),
    )
    items = [
        LineOut(
            line_no=r.line_no,
            id_number=number,
            declared_base=r.declared_base,
            base=r.base,
            pension_unit=r.pension_unit,
            pension_person=r.pension_person,
            unemployment_unit=r.unemployment_unit,
            unemployment_person=r.unemployment_person,
        )
        for r, number in rows
    ]
    return LinePage(items=items, next_cursor=str(items[-1].line_no) if len(items) == limit else None)


# a person's months as the declarations hold them: served here, where the declarations are, under /persons
history_router = APIRouter(prefix="/persons", tags=["persons"])
_history_readers = require_roles(Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE, Role.PROVINCE, Role.SERVICE)
IdNumber = Annotated[str, Path(min_length=18, max_length=18, title="公民身份号码")]


@history_router.get("/{id_number}/history", response_model=HistoryOut, summary="个人缴费记录 (按地区、单位)")
async def history(
    id_number: IdNumber, session: Session, principal: Annotated[Principal, Depends(_history_readers)]
) -> HistoryOut:
    await person_service.person_view(session, principal, id_number)
    rows = await repository.person_months(session, id_number)
    await record_look(
        session,
        principal,
        "contributions.history.read",
        object=("person", id_number),
        region=principal.region,
        person=id_number,
    )
    groups: dict[tuple[str, str], list[HistoryMonth]] = defaultdict(list)
    for region, unit, period, decl_id, paid, unemployment in rows:
        if principal.can_read(region):
            groups[(region, unit)].append(
                HistoryMonth(period=format_period(period), unemployment=unemployment, paid=paid, declaration_id=decl_id)
            )
    out = [
        HistoryGroup(
            region=region,
            unit_credit_code=unit,
            months=months,
            paid_months=len({m.period for m in months if m.paid}),
        )
        for (region, unit), months in groups.items()
    ]
    return HistoryOut(id_number=id_number, groups=out, paid_months_total=sum(g.paid_months for g in out))
