import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends

from insurance_shared import CriterionOut, Role, Write, criterion_dict, writer

from . import service
from .schemas import SeparationOut, SeparationsIn, SeparationsOut

router = APIRouter(tags=["claims"])
_insurance = writer(Role.SOCIAL_INSURANCE)


@router.post(
    "/separations",
    status_code=201,
    response_model=SeparationsOut,
    summary="单位报送离职人员 (期限: 离职之日适用的 R16 或 SIL50 参数)",
)
async def file_separations(body: SeparationsIn, w: Annotated[Write, Depends(_insurance)]):
    w.principal.ensure_writable(body.region)
    out = []
    for f in await service.file(w.session, body, dt.date.today()):
        row = f.separation
        w.audit("separation.filed", "separation", str(row.id), body.region)
        if f.decision_id is not None:
            w.audit("decision.recorded", "decision", str(f.decision_id), body.region)
        out.append(
            SeparationOut(
                id=row.id,
                id_number=row.id_number,
                separation_date=row.separation_date,
                reason=row.reason,
                involuntary=row.involuntary,
                filed_on=row.filed_on,
                late=row.late,
                certificate_document_id=row.certificate_document_id,
                filing_deadline=CriterionOut(**criterion_dict(f.deadline)),
                decision_id=f.decision_id,
            )
        )
    return await w.respond(201, SeparationsOut(out))
