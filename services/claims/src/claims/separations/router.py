import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends

from insurance_shared import (
    SYSTEM,
    CriterionOut,
    Role,
    Unprocessable,
    Write,
    criterion_dict,
    ensure_document,
    parameter_values,
    record_decision,
    writer,
)

from ..rules.eligibility import default_values, parameters_on, separation_deadline
from .models import Separation
from .schemas import SeparationOut, SeparationsIn, SeparationsOut
from .service import classify

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
    today = dt.date.today()
    out = []
    for i, p in enumerate(body.persons):
        if p.separation_date > today:
            raise Unprocessable(
                "date_in_future",
                "a separation is filed once it has happened",
                field=f"body.persons[{i}].separation_date",
            )
        if p.certificate_document_id is not None:
            await ensure_document(
                w.session, body.region, p.certificate_document_id, f"body.persons[{i}].certificate_document_id"
            )
        # the deadline of the law in force on the separation date (R16, or SIL50 for separations from 2011-07-01)
        days = parameters_on(await parameter_values(w.session, default_values()), body.region, p.separation_date)[
            "separation_filing_days"
        ]
        in_time = separation_deadline(p.separation_date, today, days)
        row = Separation(
            unit_credit_code=body.unit_credit_code,
            region=body.region,
            id_number=p.id_number,
            name=p.name,
            separation_date=p.separation_date,
            reason=p.reason.value,
            involuntary=classify(p.reason),
            filed_on=today,
            late=not in_time.met,
            certificate_document_id=p.certificate_document_id,
        )
        w.session.add(row)
        await w.session.flush()
        w.audit("separation.filed", "separation", str(row.id), body.region)
        decision_id = None
        if row.late:  # a finding against the unit, which it may contest: recorded with its clause and dates
            decision_id = await record_decision(
                w.session,
                kind="separation.late_filing",
                subject=("separation", row.id),
                region=body.region,
                person=row.id_number,
                unit=row.unit_credit_code,
                outcome="late",
                clause=in_time.clause,
                explanation=in_time.explanation,
                decided_by=SYSTEM,
                rule="claims.rules.eligibility.separation_deadline",
                criteria=[in_time],
                documents=(row.certificate_document_id,),
                effective_date=today,
            )
            w.audit("decision.recorded", "decision", str(decision_id), body.region)
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
                filing_deadline=CriterionOut(**criterion_dict(in_time)),
                decision_id=decision_id,
            )
        )
    return await w.respond(201, SeparationsOut(out))
