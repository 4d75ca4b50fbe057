import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from insurance_shared import Principal, Role, Session, Write, problem_doc, record_look, require_roles, writer
from insurance_shared.uploads import streamed_upload, upload_body, upload_dicts

from . import roster, separations, service
from .schemas import EmploymentOut, EndEmploymentIn, EnrolmentIn, PersonOut

router = APIRouter(prefix="/persons", tags=["persons"])
_writers = writer(Role.SOCIAL_INSURANCE, Role.PROVINCE)
_readers = require_roles(Role.SOCIAL_INSURANCE, Role.EMPLOYMENT_SERVICE, Role.PROVINCE, Role.SERVICE)
IdNumber = Annotated[str, Path(min_length=18, max_length=18, title="公民身份号码")]


@router.post(
    "/enrolments",
    status_code=201,
    response_model=EmploymentOut,
    summary="参保登记 (养老、失业同时)",
    responses={409: problem_doc("已有相同的参保关系 (already_enrolled)")},
)
async def enrol(body: EnrolmentIn, w: Annotated[Write, Depends(_writers)]):
    employment = await service.enrol(w.session, w.principal, body, dt.date.today())
    w.audit("person.enrolled", "employment", str(employment.id), employment.region)
    return await w.respond(201, EmploymentOut.model_validate(employment), location=f"/persons/{body.id_number}")


@router.post(
    "/{id_number}/employments/{employment_id}/end",
    response_model=EmploymentOut,
    summary="终止劳动关系 (填写离职原因)",
)
async def end_employment(
    id_number: IdNumber,
    employment_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: EndEmploymentIn,
    w: Annotated[Write, Depends(_writers)],
):
    employment = await service.end_employment(w.session, w.principal, id_number, employment_id, body, dt.date.today())
    w.audit("employment.ended", "employment", str(employment.id), employment.region)
    return await w.respond(200, EmploymentOut.model_validate(employment))


@router.get("/{id_number}", response_model=PersonOut, summary="查询参保人员")
async def get_person(
    id_number: IdNumber, session: Session, principal: Annotated[Principal, Depends(_readers)]
) -> PersonOut:
    person, employments = await service.person_view(session, principal, id_number)
    await record_look(
        session,
        principal,
        "contributions.person.read",
        object=("person", id_number),
        region=principal.region,
        person=id_number,
    )
    return PersonOut(
        id_number=person.id_number,
        name=person.name,
        employments=[EmploymentOut.model_validate(e) for e in employments],
    )


class RosterEnrolled(BaseModel):
    id_number: str
    employment_id: int


class RosterOut(BaseModel):
    """整批参保登记的结果: 每人的参保关系编号."""

    unit_credit_code: str
    enrolled: int
    employments: list[RosterEnrolled]


roster_router = APIRouter(tags=["persons"])


@roster_router.post(
    "/units/{credit_code}/enrolments/bulk",
    status_code=201,
    response_model=RosterOut,
    summary="单位职工整批参保登记 (CSV 或 JSON Lines, 流式)",
    description=(
        "Body: `text/csv` (header `id_number,name,start_date,wage`; UTF-8 or GB18030) or `application/x-ndjson` "
        "(one object with those fields per line). Every line is checked as a single enrolment would be; any "
        "error is reported with its line number (`line[N].field`, the header is line 1) and then nobody is "
        "enrolled. At most 100,000 lines."
    ),
    responses={422: problem_doc("逐行错误 (roster_invalid), 未登记任何人")},
    openapi_extra=upload_body(
        "id_number,name,start_date,wage\n11010519491231002X,张三,2025-09-01,4500.00\n",
        '{"id_number": "11010519491231002X", "name": "张三", "start_date": "2025-09-01", "wage": "4500.00"}\n',
    ),
)
async def enrol_roster(
    request: Request,
    credit_code: Annotated[str, Path(min_length=18, max_length=18, title="统一社会信用代码")],
    w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE, Role.PROVINCE, streamed=True))],
):
    async with streamed_upload(request, w) as (kind, text):
        lines = upload_dicts(text, kind, roster.COLUMNS)
        employments = await roster.enrol_roster(w.session, w.principal, credit_code.upper(), lines, dt.date.today())
    w.audit("person.roster_enrolled", "unit", credit_code.upper(), employments[0].region)
    return await w.respond(
        201,
        RosterOut(
            unit_credit_code=credit_code.upper(),
            enrolled=len(employments),
            employments=[RosterEnrolled(id_number=e.id_number, employment_id=e.employment_id) for e in employments],
        ),
    )


class SeparationEnded(BaseModel):
    id_number: str
    employment_id: int
    end_date: dt.date


class SeparationsOut(BaseModel):
    """整批终止劳动关系的结果."""

    unit_credit_code: str
    ended: int
    employments: list[SeparationEnded]


@roster_router.post(
    "/units/{credit_code}/separations/bulk",
    status_code=200,
    response_model=SeparationsOut,
    summary="单位职工整批终止劳动关系 (CSV 或 JSON Lines, 流式)",
    description=(
        "Body: `text/csv` (header `id_number,end_date,separation_reason`; UTF-8 or GB18030) or "
        "`application/x-ndjson` (one object with those fields per line). Each line ends the person's open "
        "employment with this unit, checked as a single end of employment would be (`no_open_employment`, "
        "`end_before_start`, `date_in_future`, an unknown reason); any error is reported with its line number "
        "(`line[N].field`, the header is line 1) and then nothing is ended. Each ended employment is audited and "
        "announced (`contributions.employment_ended.v2`) as a single one is. At most 100,000 lines."
    ),
    responses={422: problem_doc("逐行错误 (separations_invalid), 未终止任何劳动关系")},
    openapi_extra=upload_body(
        "id_number,end_date,separation_reason\n11010519491231002X,2026-10-31,contract_expired_not_renewed\n",
        '{"id_number": "11010519491231002X", "end_date": "2026-10-31", "separation_reason": "dismissed"}\n',
    ),
)
async def end_employments(
    request: Request,
    credit_code: Annotated[str, Path(min_length=18, max_length=18, title="统一社会信用代码")],
    w: Annotated[Write, Depends(writer(Role.SOCIAL_INSURANCE, Role.PROVINCE, streamed=True))],
):
    async with streamed_upload(request, w) as (kind, text):
        lines = upload_dicts(text, kind, separations.COLUMNS)
        ended = await separations.end_many(w.session, w.principal, credit_code.upper(), lines, dt.date.today())
    for _, e in ended:
        w.audit("employment.ended", "employment", str(e.id), e.region)
    return await w.respond(
        200,
        SeparationsOut(
            unit_credit_code=credit_code.upper(),
            ended=len(ended),
            employments=[
                SeparationEnded(id_number=id_number, employment_id=e.id, end_date=e.end_date) for id_number, e in ended
            ],
        ),
    )
