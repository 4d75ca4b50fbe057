"""Many payments in one upload: a bank's or the tax bureau's return file of collected contributions, one payment
per line for any units of the caller's region, applied in file order exactly as single payments are (late fee to
the payment date, oldest period first, credit). All or nothing: any line wrong, every error listed with its line,
and no payment is recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from insurance_shared import FieldError, Principal, Problem, Unprocessable
from insurance_shared.uploads import LineErrors, UploadError

from .models import Payment
from .schemas import PaymentIn
from .service import pay_many

COLUMNS = ("credit_code", "amount", "paid_on")
OPTIONAL = ("payer",)
MAX_LINES = 100_000


@dataclass(frozen=True, slots=True)
class Recorded:
    line_no: int
    payment: Payment
    late_fee: int
    periods_paid: list[str]  # what this payment settled, as it stood when it was applied


def _line_field(ref: str, field: str | None) -> str:
    """A single payment's field (body.amount, path.credit_code) as the line's (line[4].amount)."""
    if not field:
        return ref
    return f"{ref}.{field.split('.', 1)[1] if '.' in field else field}"


async def record_payments(
    session: AsyncSession, principal: Principal, lines: AsyncIterator[tuple[int, dict | None]], today: dt.date
) -> list[Recorded]:
    found: list[tuple[int, str, str, str]] = []  # (line, field, code, message): reported in line order
    recorded: list[Recorded] = []
    parsed: list[tuple[int, str, PaymentIn]] = []

    def fail(field: str, code: str, message: str) -> None:
        found.append((line_no, field, code, message))

    n = line_no = 0
    async for line_no, fields in lines:
        n += 1
        ref = f"line[{line_no}]"
        if n > MAX_LINES:
            raise UploadError("too_many_lines", f"at most {MAX_LINES} payments per upload", field=ref)
        if fields is None:
            fail(ref, "bad_json_line", "not a JSON object")
            continue
        code = fields.get("credit_code")
        if not isinstance(code, str) or not code.strip():
            fail(f"{ref}.credit_code", "missing", "the paying unit's credit code")
            continue
        if not fields.get("paid_on"):
            fail(f"{ref}.paid_on", "missing", "the day the money arrived")
            continue
        try:
            body = PaymentIn.model_validate({k: fields[k] for k in ("amount", "paid_on", "payer") if fields.get(k)})
        except ValidationError as exc:
            for e in exc.errors():
                fail(f"{ref}.{'.'.join(str(p) for p in e['loc'])}", e["type"], e["msg"])
            continue
        parsed.append((line_no, code.strip().upper(), body))
    results = await pay_many(session, principal, [(code, body) for _, code, body in parsed], today)
    for (line_no, _, _), result in zip(parsed, results, strict=True):
        if isinstance(result, Problem):
            ref = f"line[{line_no}]"
            for e in result.errors or [FieldError(field="", code=result.code, message=result.detail or result.title)]:
                found.append((line_no, _line_field(ref, e.field), e.code, e.message))
        else:
            recorded.append(Recorded(line_no, result.payment, result.fee_charged, result.periods_paid))
    if n == 0:
        raise Unprocessable("no_lines", "the upload has no payments", field="body")
    errors = LineErrors()
    for _, field, code, message in sorted(found, key=lambda f: f[0]):
        errors.add(field, code, message)
    errors.raise_any("payments_invalid", "Payments refused", "no payment of this upload was recorded")
    return recorded
