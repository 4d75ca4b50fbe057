"""How each business event is booked: double-entry journal lines (policy.md Contributions 1, 4-6; N§3 ¶1, N§3(4)).

Accounts are (region, fund, kind). Kinds:
  receivable          what units owe, per fund                         (asset)
  assessed            contributions declared                            (income, accrual side)
  late_fee_assessed   late fees charged (C13)                           (income, accrual side)
  fund                money in the fund                                 (asset)
  provincial_clearing unemployment money the province holds for a home region until remitted (N§3(4))
  suspense            money received beyond what was owed               (asset)
  unit_credit         the units' credit for it                          (liability)
Every posting balances: debits equal credits. No fund account is debited except by money received or remitted.
"""

from __future__ import annotations

from dataclasses import dataclass

from insurance_shared import PROVINCE

FUNDS = ("pension", "unemployment")
NO_FUND = "none"


@dataclass(frozen=True, slots=True)
class Line:
    region: str
    fund: str
    kind: str
    debit: int = 0
    credit: int = 0


def balanced(lines: list[Line]) -> bool:
    return sum(x.debit for x in lines) == sum(x.credit for x in lines)


def declared(region: str, pension: int, unemployment: int) -> list[Line]:
    """A declaration (or, with negative amounts, the reversal of a replaced one) makes the unit owe."""
    out: list[Line] = []
    for fund, amount in (("pension", pension), ("unemployment", unemployment)):
        if amount > 0:
            out += [Line(region, fund, "receivable", debit=amount), Line(region, fund, "assessed", credit=amount)]
        elif amount < 0:
            out += [Line(region, fund, "assessed", debit=-amount), Line(region, fund, "receivable", credit=-amount)]
    return out


def fee_charged(region: str, fee_pension: int, fee_unemployment: int) -> list[Line]:
    out: list[Line] = []
    for fund, amount in (("pension", fee_pension), ("unemployment", fee_unemployment)):
        if amount:
            out += [
                Line(region, fund, "receivable", debit=amount),
                Line(region, fund, "late_fee_assessed", credit=amount),
            ]
    return out


def fee_undone(
    region: str, payer_region: str, fund: str, *, cancelled: int, credited: int, provincial_direct: bool
) -> list[Line]:
    """A late fee overturned on appeal (C13): the income is reversed; what was still owed of it no longer is, and
    what was paid leaves the fund it reached (the province's clearing account for a provincial-direct unit's
    unemployment money, N§3(4)) and is held as the payer's credit."""
    out: list[Line] = []
    if cancelled:
        out += [
            Line(region, fund, "late_fee_assessed", debit=cancelled),
            Line(region, fund, "receivable", credit=cancelled),
        ]
    if credited:
        source = (
            Line(PROVINCE, fund, "provincial_clearing", credit=credited)
            if provincial_direct and fund == "unemployment"
            else Line(payer_region, fund, "fund", credit=credited)
        )
        out += [
            Line(region, fund, "late_fee_assessed", debit=credited),
            Line(payer_region, NO_FUND, "unit_credit", credit=credited),
            Line(payer_region, NO_FUND, "suspense", debit=credited),
            source,
        ]
    return out


def received(
    region: str,
    *,
    pension: int,
    unemployment: int,
    credit_used: int,
    credit_created: int,
    provincial_direct: bool,
) -> list[Line]:
    """Money settling receivables (late fees included in the per-fund amounts). The unemployment part of a
    provincial-direct unit's money stays in the province's clearing account until remitted (N§3(4))."""
    out: list[Line] = []
    if pension:
        out += [Line(region, "pension", "fund", debit=pension), Line(region, "pension", "receivable", credit=pension)]
    if unemployment:
        target = (
            Line(PROVINCE, "unemployment", "provincial_clearing", debit=unemployment)
            if provincial_direct
            else Line(region, "unemployment", "fund", debit=unemployment)
        )
        out += [target, Line(region, "unemployment", "receivable", credit=unemployment)]
    if credit_used:
        out += [
            Line(region, NO_FUND, "unit_credit", debit=credit_used),
            Line(region, NO_FUND, "suspense", credit=credit_used),
        ]
    if credit_created:
        out += [
            Line(region, NO_FUND, "suspense", debit=credit_created),
            Line(region, NO_FUND, "unit_credit", credit=credit_created),
        ]
    return out


def remitted(home_region: str, amount: int) -> list[Line]:
    """What the province moves to a home region's fund: what its provincial-direct units paid, less the late fees
    refunded to them since the last remittance (which already left the clearing account)."""
    return [
        Line(home_region, "unemployment", "fund", debit=amount),
        Line(PROVINCE, "unemployment", "provincial_clearing", credit=amount),
    ]
