"""Journal entries for each kind of fund movement, as pure functions (architecture.md, Data rules: every movement
is a balanced entry between accounts; balances are derived from entries).

Accounts (debit positive, credit negative):

- ``fund:<region>``: a pooling region's unemployment-insurance fund (asset);
- ``adjustment_fund``: the provincial adjustment fund (省级调剂金, asset);
- ``clearing:province`` / ``held_for_regions``: provincial-direct units' unemployment money the province collected
  and still owes their home regions (N§3(4));
- ``income:<region>:<kind>``, ``expense:<region>:<kind>``, ``equity:<region>:opening``.

Each entry also states its *flows*: the income or expenditure it means for a region's fund in a month, which
``fund_months`` accumulates for the capacity figures.
"""

import datetime as dt
from dataclasses import dataclass

from insurance_shared import PROVINCE

# income kinds that recur month after month; the projection repeats only these
RECURRING_INCOME = ("contributions", "late_fees", "remittance", "interest", "fiscal_subsidy")
ONE_OFF_INCOME = ("adjustment_transfer",)
INCOME_KINDS = RECURRING_INCOME + ONE_OFF_INCOME
EXPENDITURE_KINDS = ("benefits", "medical_subsidy", "medical_insurance", "funeral_subsidy", "survivors_pension")
MANUAL_INCOME_KINDS = ("interest", "fiscal_subsidy")  # entered by a person, not derived from an event
SUBSIDY_KINDS = {"medical": "medical_subsidy", "funeral": "funeral_subsidy", "survivors": "survivors_pension"}

INCOME, EXPENDITURE, OPENING = "income", "expenditure", "opening"


def fund(region: str) -> str:
    return f"fund:{region}"


ADJUSTMENT_FUND = "adjustment_fund"
CLEARING = "clearing:province"
HELD_FOR_REGIONS = "held_for_regions"


@dataclass(frozen=True, slots=True)
class Line:
    account: str
    amount_fen: int  # debit positive, credit negative


@dataclass(frozen=True, slots=True)
class Flow:
    region: str
    kind: str
    direction: str  # income | expenditure | opening
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Entry:
    region: str
    kind: str
    booked_on: dt.date
    source: str  # unique: the producer's key, so the same movement is never booked twice
    description: str
    lines: tuple[Line, ...]
    flows: tuple[Flow, ...] = ()

    def __post_init__(self) -> None:
        if sum(line.amount_fen for line in self.lines) != 0:
            raise ValueError(f"unbalanced entry {self.source}: {self.lines}")
        if any(line.amount_fen == 0 for line in self.lines):
            raise ValueError(f"zero line in entry {self.source}")


def collected(
    region: str, amount_fen: int, late_fee_fen: int, on: dt.date, payment_id: int, via_province: bool
) -> Entry:
    """Unemployment money from one payment: ``amount_fen`` of contributions (principal) and, beside it,
    ``late_fee_fen`` of late fee; the fund receives their sum. A provincial-direct unit's money is held by the
    province until remitted to its home region (N§3(4)), so it is not yet any region's income."""
    total = amount_fen + late_fee_fen
    if via_province:
        return Entry(
            PROVINCE,
            "provincial_direct_collection",
            on,
            f"contributions:payment:{payment_id}:unemployment",
            "省直单位失业保险费, 待划拨统筹地区",
            (Line(CLEARING, total), Line(HELD_FOR_REGIONS, -total)),
        )
    lines = [Line(fund(region), total), Line(f"income:{region}:contributions", -amount_fen)]
    flows = [Flow(region, "contributions", INCOME, amount_fen)]
    if late_fee_fen:
        lines.append(Line(f"income:{region}:late_fees", -late_fee_fen))
        flows.append(Flow(region, "late_fees", INCOME, late_fee_fen))
    if not amount_fen:
        lines.pop(1)
        flows.pop(0)
    return Entry(
        region,
        "contributions",
        on,
        f"contributions:payment:{payment_id}:unemployment",
        "征收失业保险费",
        tuple(lines),
        tuple(flows),
    )


def late_fee_refunded(region: str, amount_fen: int, on: dt.date, refund_id: int, via_province: bool) -> Entry:
    """A late fee overturned on appeal after it was paid (C13): its unemployment part leaves the fund and the
    region's late-fee income of the month is that much lower (a negative income flow: income reversed, not spent).
    A provincial-direct unit's leaves the province's clearing account: the province holds that much less for the
    home region, and its next remittance is that much smaller."""
    source = f"contributions:late_fee_refund:{refund_id}:unemployment"
    if via_province:
        return Entry(
            PROVINCE,
            "provincial_direct_refund",
            on,
            source,
            "省直单位滞纳金复议撤销退还, 冲减待划拨款",
            (Line(HELD_FOR_REGIONS, amount_fen), Line(CLEARING, -amount_fen)),
        )
    return Entry(
        region,
        "late_fee_refund",
        on,
        source,
        "滞纳金复议撤销退还 (冲减滞纳金收入)",
        (Line(f"income:{region}:late_fees", amount_fen), Line(fund(region), -amount_fen)),
        (Flow(region, "late_fees", INCOME, -amount_fen),),
    )


def remitted(home_region: str, amount_fen: int, on: dt.date, remittance_id: int) -> Entry:
    return Entry(
        home_region,
        "remittance",
        on,
        f"contributions:remittance:{remittance_id}",
        "省直单位失业保险费划拨 (N§3(4))",
        (
            Line(HELD_FOR_REGIONS, amount_fen),
            Line(CLEARING, -amount_fen),
            Line(fund(home_region), amount_fen),
            Line(f"income:{home_region}:remittance", -amount_fen),
        ),
        (Flow(home_region, "remittance", INCOME, amount_fen),),
    )


def benefits_paid(region: str, month: dt.date, amount_fen: int, run_id: int) -> Entry:
    return Entry(
        region,
        "benefits",
        month,
        f"claims:run:{run_id}:{region}:{month:%Y-%m}",
        "失业保险金发放",
        (Line(f"expense:{region}:benefits", amount_fen), Line(fund(region), -amount_fen)),
        (Flow(region, "benefits", EXPENDITURE, amount_fen),),
    )


def benefits_confirmed(region: str, month: dt.date, amount_fen: int, return_id: int) -> Entry:
    """Benefits the bank confirmed paid (a return file's paid lines of one benefit month): the money left the fund
    then, not when the run was computed (N§4)."""
    return Entry(
        region,
        "benefits",
        month,
        f"claims:return:{return_id}:{region}:{month:%Y-%m}",
        "失业保险金发放 (银行回盘确认)",
        (Line(f"expense:{region}:benefits", amount_fen), Line(fund(region), -amount_fen)),
        (Flow(region, "benefits", EXPENDITURE, amount_fen),),
    )


def subsidy_paid(
    region: str, kind: str, amount_fen: int, on: dt.date, claim_id: int, payment_id: int | None = None
) -> Entry:
    """One payment of R19: keyed by the payment, since a claim draws a medical subsidy every month (events from
    before payments were named carry the claim, kind and month instead: claims allows one of a kind a month)."""
    expense = SUBSIDY_KINDS[kind]
    return Entry(
        region,
        expense,
        on,
        f"claims:payment:{payment_id}" if payment_id is not None else f"claims:subsidy:{claim_id}:{kind}:{on:%Y-%m}",
        "医疗补助金/丧葬补助金/抚恤金 (R19)",
        (Line(f"expense:{region}:{expense}", amount_fen), Line(fund(region), -amount_fen)),
        (Flow(region, expense, EXPENDITURE, amount_fen),),
    )


def medical_contributions(region: str, month: dt.date, amount_fen: int, transfer_id: int) -> Entry:
    """The beneficiaries' basic medical-insurance contributions of one month, paid by the fund to the
    medical-insurance fund (SIL48, from 2011-07-01): its own expenditure kind, booked in the month they are for."""
    return Entry(
        region,
        "medical_insurance",
        month,
        f"claims:medical:{transfer_id}",
        "代缴失业人员基本医疗保险费 (SIL48)",
        (Line(f"expense:{region}:medical_insurance", amount_fen), Line(fund(region), -amount_fen)),
        (Flow(region, "medical_insurance", EXPENDITURE, amount_fen),),
    )


def other_income(region: str, kind: str, amount_fen: int, on: dt.date, reference: str) -> Entry:
    if kind not in MANUAL_INCOME_KINDS:
        raise ValueError(f"{kind} is not an income entered by hand")
    return Entry(
        region,
        kind,
        on,
        f"manual:{region}:{kind}:{reference}",
        {"interest": "利息收入", "fiscal_subsidy": "财政补贴"}[kind],
        (Line(fund(region), amount_fen), Line(f"income:{region}:{kind}", -amount_fen)),
        (Flow(region, kind, INCOME, amount_fen),),
    )


def opening_balance(region: str, amount_fen: int, as_of: dt.date) -> Entry:
    """The fund's balance when the system takes over its books; for the province, the adjustment fund's."""
    account = ADJUSTMENT_FUND if region == PROVINCE else fund(region)
    flows = () if region == PROVINCE else (Flow(region, "opening", OPENING, amount_fen),)
    return Entry(
        region,
        "opening",
        as_of,
        f"opening:{region}",
        "期初余额",
        (Line(account, amount_fen), Line(f"equity:{region}:opening", -amount_fen)),
        flows,
    )


def adjustment_transfer(region: str, amount_fen: int, on: dt.date, plan_id: int) -> Entry:
    """The provincial adjustment fund covers part of a region's shortfall (N§4): money moves between funds."""
    return Entry(
        region,
        "adjustment_transfer",
        on,
        f"shortfall:plan:{plan_id}:adjustment",
        "省级调剂金调剂 (N§4)",
        (
            Line(f"expense:{PROVINCE}:adjustment_transfer", amount_fen),
            Line(ADJUSTMENT_FUND, -amount_fen),
            Line(fund(region), amount_fen),
            Line(f"income:{region}:adjustment_transfer", -amount_fen),
        ),
        (Flow(region, "adjustment_transfer", INCOME, amount_fen),),
    )
