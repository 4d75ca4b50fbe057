from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import (
    SYSTEM,
    FieldError,
    NotFound,
    Principal,
    Problem,
    Unprocessable,
    criterion_dict,
    ensure_document,
    ensure_transition,
    parameter_values,
    person_key,
    record_decision,
)
from insurance_shared.contracts import LayoffExecuted, LayoffFiled, LayoffWithdrawn
from insurance_shared.events import emit

from ..rules.decisions import FilingDecision, default_values, judge_filing, parameters_on
from ..workforce.models import WorkforceEmployment, WorkforceUnit
from .models import Filing, FilingPerson
from .schemas import ExecuteIn, FilingIn

LIVE = ("filed", "acknowledged", "executed")


async def active_ids(session: AsyncSession, credit_code: str, on: dt.date) -> set[str]:
    """The keyed hashes of the people the unit employed on ``on``."""
    rows = await session.execute(
        select(WorkforceEmployment.person_key).where(
            WorkforceEmployment.unit_credit_code == credit_code,
            WorkforceEmployment.start_date <= on,
            (WorkforceEmployment.end_date.is_(None)) | (WorkforceEmployment.end_date >= on),
        )
    )
    return set(rows.scalars())


def _decision_json(decision: FilingDecision) -> str:
    return json.dumps([criterion_dict(c) for c in decision.criteria], ensure_ascii=False, default=str)


async def file(session: AsyncSession, principal: Principal, body: FilingIn, today: dt.date) -> Filing:
    unit = await session.get(WorkforceUnit, body.unit_credit_code)
    if unit is None or not principal.can_read(unit.region):
        raise Unprocessable(
            "unknown_unit", f"no unit {body.unit_credit_code} is known in your region", field="body.unit_credit_code"
        )
    principal.ensure_writable(unit.region, field="body.unit_credit_code")
    if body.planned_date < today:
        raise Unprocessable("date_in_past", "a layoff is filed before it happens", field="body.planned_date")
    employed = await active_ids(session, unit.credit_code, today)
    errors, seen = [], set()
    for i, p in enumerate(body.persons):
        if p.id_number in seen:
            errors.append(
                FieldError(field=f"body.persons[{i}].id_number", code="duplicate_person", message="listed twice")
            )
        elif person_key(p.id_number) not in employed:
            errors.append(
                FieldError(
                    field=f"body.persons[{i}].id_number",
                    code="person_not_employed",
                    message=f"not employed by {unit.credit_code}",
                )
            )
        seen.add(p.id_number)
    if errors:
        raise Problem(
            422,
            "filing_invalid",
            "Filing refused",
            f"{len(errors)} person(s) refused; nothing was filed",
            errors=errors[:1000],
        )
    staff = unit.declared_staff or len(employed)
    if len(body.persons) > staff:
        raise Unprocessable(
            "more_persons_than_staff",
            f"{len(body.persons)} persons but the unit has {staff} staff",
            field="body.persons",
        )
    earlier = [
        (f.id, f.planned_date, f.persons)
        for f in (
            await session.execute(
                select(Filing).where(Filing.unit_credit_code == unit.credit_code, Filing.state.in_(LIVE))
            )
        ).scalars()
    ]
    if body.consultation and body.consultation.minutes_document_id:
        await ensure_document(
            session, unit.region, body.consultation.minutes_document_id, "body.consultation.minutes_document_id"
        )
    decision = judge_filing(
        persons=len(body.persons),
        declared_staff=unit.declared_staff,
        insured=len(employed),
        filed_on=today,
        planned_date=body.planned_date,
        consulted=body.consultation is not None,
        earlier=earlier,
        params=parameters_on(await parameter_values(session, default_values()), unit.region, today),
    )
    c = body.consultation
    filing = Filing(
        unit_credit_code=unit.credit_code,
        region=unit.region,
        state="filed",
        filed_on=today,
        planned_date=body.planned_date,
        reasons=body.reasons,
        consulted_by=c.by if c else None,
        consulted_on=c.on if c else None,
        consultation_opinion=c.opinion_summary if c else None,
        consultation_document=c.document_ref if c else None,
        consultation_document_id=c.minutes_document_id if c else None,
        measures_tried=",".join(body.measures_tried),
        persons=len(body.persons),
        declared_staff=unit.declared_staff,
        insured=len(employed),
        reportable=decision.reportable,
        late=decision.late,
        consulted=decision.consulted,
        possible_splitting=decision.possible_splitting,
        compliant=decision.compliant,
        decision=_decision_json(decision),
    )
    session.add(filing)
    await session.flush()
    filing.decision_record_id = await record_decision(
        session,
        kind="layoff.filing",
        subject=("filing", filing.id),
        region=unit.region,
        unit=unit.credit_code,
        outcome="compliant" if decision.compliant else "non_compliant",
        clause="N§7",
        explanation=(
            "the filing meets every rule"
            if decision.compliant
            else "not compliant: " + ", ".join(c.name for c in decision.criteria if not c.met)
        ),
        decided_by=SYSTEM,
        rule="layoff_reporting.rules.decisions.judge_filing",
        criteria=decision.criteria,
        documents=(filing.consultation_document_id,),
        references={"consultation_document": filing.consultation_document, "earlier_filings": [e[0] for e in earlier]},
        effective_date=today,
    )
    session.add_all(
        FilingPerson(
            filing_id=filing.id, person_key=person_key(p.id_number), id_number=p.id_number, name=p.name, planned=True
        )
        for p in body.persons
    )
    await session.flush()
    await emit(
        session,
        LayoffFiled(
            filing_id=filing.id,
            unit_credit_code=unit.credit_code,
            region=unit.region,
            expected_count=filing.persons,
            planned_date=filing.planned_date,
            reportable=filing.reportable,
            compliant=filing.compliant,
        ),
        subject=unit.credit_code,
        region=unit.region,
    )
    return filing


async def get_for(session: AsyncSession, principal: Principal, filing_id: int) -> Filing:
    filing = await session.get(Filing, filing_id)
    if filing is None or not principal.can_read(filing.region):
        raise NotFound("filing", str(filing_id))
    return filing


def _transition(filing: Filing, allowed: tuple[str, ...], to: str) -> None:
    ensure_transition("filing", filing.id, filing.state, allowed, to)


async def acknowledge(session: AsyncSession, principal: Principal, filing_id: int, now: dt.datetime) -> Filing:
    filing = await get_for(session, principal, filing_id)
    principal.ensure_writable(filing.region, field="path.filing_id")
    _transition(filing, ("filed",), "acknowledged")
    filing.state, filing.acknowledged_by, filing.acknowledged_at = "acknowledged", principal.sub, now
    await session.flush()
    return filing


async def execute(
    session: AsyncSession, principal: Principal, filing_id: int, body: ExecuteIn, today: dt.date
) -> Filing:
    filing = await get_for(session, principal, filing_id)
    principal.ensure_writable(filing.region, field="path.filing_id")
    _transition(filing, ("acknowledged",), "executed")
    if body.executed_on > today:
        raise Unprocessable("date_in_future", "record a layoff once it has happened", field="body.executed_on")
    if len(set(body.separated)) != len(body.separated):
        raise Unprocessable("duplicate_person", "a person is listed twice", field="body.separated")
    planned = {
        p.person_key: p
        for p in (await session.execute(select(FilingPerson).where(FilingPerson.filing_id == filing.id))).scalars()
    }
    # someone not in the plan may be separated too, if they worked for the unit when it filed
    employed_then = await active_ids(session, filing.unit_credit_code, filing.filed_on)
    for i, id_number in enumerate(body.separated):
        key = person_key(id_number)
        if key in planned:
            planned[key].separated = True
        elif key in employed_then:
            session.add(
                FilingPerson(
                    filing_id=filing.id, person_key=key, id_number=id_number, name="", planned=False, separated=True
                )
            )
        else:
            raise Unprocessable(
                "person_not_employed", f"not employed by {filing.unit_credit_code}", field=f"body.separated[{i}]"
            )
    filing.state, filing.executed_on = "executed", body.executed_on
    await session.flush()
    await emit(
        session,
        LayoffExecuted(
            filing_id=filing.id,
            unit_credit_code=filing.unit_credit_code,
            region=filing.region,
            executed_on=body.executed_on,
            separated_count=len(body.separated),
        ),
        subject=filing.unit_credit_code,
        region=filing.region,
    )
    return filing


async def withdraw(session: AsyncSession, principal: Principal, filing_id: int, now: dt.datetime) -> Filing:
    filing = await get_for(session, principal, filing_id)
    principal.ensure_writable(filing.region, field="path.filing_id")
    _transition(filing, ("filed", "acknowledged"), "withdrawn")
    filing.state, filing.withdrawn_at = "withdrawn", now
    await session.flush()
    await emit(
        session,
        LayoffWithdrawn(filing_id=filing.id, unit_credit_code=filing.unit_credit_code, region=filing.region),
        subject=filing.unit_credit_code,
        region=filing.region,
    )
    return filing


async def filings_of_region(
    session: AsyncSession, region: str, state: str | None, non_compliant: bool, cursor: int, limit: int
) -> list[Filing]:
    stmt = select(Filing).where(Filing.region == region, Filing.id > cursor).order_by(Filing.id).limit(limit)
    if state:
        stmt = stmt.where(Filing.state == state)
    if non_compliant:
        stmt = stmt.where(Filing.compliant.is_(False))
    return list((await session.execute(stmt)).scalars().all())
