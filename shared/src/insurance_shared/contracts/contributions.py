"""Events the contributions service emits."""

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from ..pii import person_key
from .appeals import AppealStep
from .catalogue import EventData, event_type


@event_type("contributions.unit_registered.v1", source="contributions")
class UnitRegistered(EventData):
    """用人单位已登记. Subject: the credit code."""

    credit_code: str
    name: str
    kind: str
    region: str
    home_region: str | None = None
    provincial_direct: bool = False
    fully_budget_funded: bool = False
    declared_staff: int = Field(ge=0)


@event_type("contributions.person_enrolled.v2", source="contributions")
class PersonEnrolled(EventData):
    """参保: a person insured for pension and unemployment together (N§3(1)). Subject: ``person``, the keyed hash
    of the identity number (insurance_shared.pii): events name people only so (PIPL; #25), and no consumer needs
    the name. ``unit_credit_code`` is empty for a flexible worker's own enrolment on the merged track (已并轨)."""

    person: str
    unit_credit_code: str | None
    region: str
    track: str  # unit | flexible
    start_date: dt.date
    employment_id: int


@event_type("contributions.employment_ended.v2", source="contributions")
class EmploymentEnded(EventData):
    """终止劳动关系. Subject: ``person`` (the keyed hash)."""

    person: str
    unit_credit_code: str | None
    region: str
    track: str
    start_date: dt.date
    end_date: dt.date
    separation_reason: str
    involuntary: bool
    employment_id: int


PERIOD_PAID_PART_SIZE = 1000
"""The most people one ``period_paid`` event lists: a larger declaration is announced in parts, so that no message
grows with the size of the unit (NATS refuses messages over 1 MB by default)."""


class PaidPerson(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    person: str  # the keyed hash of the identity number
    unemployment_fen: int  # unit and personal unemployment contributions for the month
    # a flexible worker's own month only: what pension and unemployment contributions at the base floor came to
    # that month, the measure of the social-insurance subsidy (N§6); the floor is contributions' parameter
    floor_fen: int | None = Field(default=None, exclude_if=lambda v: v is None)


@event_type("contributions.period_paid.v2", source="contributions")
class ContributionPeriodPaid(EventData):
    """A unit's declaration for a month paid in full, both ledgers: that month is paid for everyone on it (only paid
    months count towards benefits, R14). One event per declaration rather than one per person and month: a
    declaration is settled as a whole, and three years of a province's payroll would otherwise be millions of
    messages. A declaration of more than ``PERIOD_PAID_PART_SIZE`` people comes in ``parts`` events, each complete
    in itself. Subject: the unit's credit code. Region: the pooling region whose unemployment fund it feeds.

    A flexible worker's own month on the merged track (N§3(2), N§6) has no unit: ``unit_credit_code`` is None,
    the one person on it paid it, and the subject is their keyed hash."""

    unit_credit_code: str | None = None
    period: str  # YYYY-MM
    region: str
    declaration_id: int
    part: int = Field(1, ge=1)
    parts: int = Field(1, ge=1)
    people: list[PaidPerson]


@event_type("contributions.money_collected.v2", source="contributions")
class MoneyCollected(EventData):
    """Money one payment brought to one fund. Subject: ``<region>:<fund>``.

    The two amounts never overlap: ``principal_fen`` settles contributions owed, ``late_fee_fen`` settles the late
    fee charged on them (C13); the money the fund received is their sum, ``total_fen``. A provincial-direct unit's
    unemployment money (``via_province``) is held by the province until remitted to its home region (N§3(4))."""

    region: str
    fund: str  # pension | unemployment
    principal_fen: int = Field(ge=0)
    late_fee_fen: int = Field(ge=0)
    collected_on: dt.date
    payment_id: int
    via_province: bool = False

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.late_fee_fen


@event_type("contributions.late_fee_refunded.v1", source="contributions")
class LateFeeRefunded(EventData):
    """The unemployment part of a late fee overturned on appeal (C13) that had been paid: it leaves the fund it
    reached (the province's clearing account when ``via_province``; the next remittance to the home region is that
    much smaller) and is held as the payer's credit. Only the paid part moves money: a fee still owed is cancelled
    within contributions. Subject: ``<region>:unemployment``; keyed for the books by ``refund_id``."""

    refund_id: int
    region: str
    amount_fen: int = Field(gt=0)
    refunded_on: dt.date
    payment_id: int  # the payment that was charged the fee
    decision_id: int  # the overturned contributions.late_fee record
    via_province: bool = False


@event_type("contributions.money_collected.v1", source="contributions")
class MoneyCollectedV1(EventData):
    """Superseded by v2 and still read, since stored feeds and streams hold it. Its ``amount_fen`` is all the money
    the fund received from the payment, the late fee *included*; ``late_fee_fen`` is the part of it that was fee.
    (Read as principal, the fee was booked twice: the reason for v2, whose fields cannot be read that way.)"""

    region: str
    fund: str
    amount_fen: int
    late_fee_fen: int
    collected_on: dt.date
    payment_id: int
    via_province: bool = False

    def upgrade(self) -> MoneyCollected:
        return MoneyCollected(
            region=self.region,
            fund=self.fund,
            principal_fen=self.amount_fen - self.late_fee_fen,
            late_fee_fen=self.late_fee_fen,
            collected_on=self.collected_on,
            payment_id=self.payment_id,
            via_province=self.via_province,
        )


@event_type("contributions.remittance_made.v1", source="contributions")
class RemittanceMade(EventData):
    """The province moved provincial-direct units' unemployment contributions to a home region (N§3(4)).
    Subject: the home region."""

    home_region: str
    month: str  # YYYY-MM of the collections covered
    amount_fen: int
    remittance_id: int


@event_type("contributions.appeal_step.v1", source="contributions")
class ContributionsAppealStep(AppealStep):
    """An appeal against one of contributions' decisions (a late fee) was lodged or decided (行政复议)."""


@event_type("contributions.parameter_set.v1", source="contributions")
class ContributionsParameterSet(EventData):
    """The province set a value of one of contributions' dated parameters from a date. Subject: ``<region>:<name>``."""

    name: str
    region: str
    value: str
    valid_from: dt.date
    reference: str


@event_type("contributions.flexible_employment_changed.v2", source="contributions")
class FlexibleEmploymentChanged(EventData):
    """灵活就业实名登记: a flexible employment registered or its status changed (N§6 ¶1). Subject: ``person``, the
    keyed hash of the identity number. ``kind``: ``licence`` (self-employed with a business licence), ``agreement`` (灵活就业协议 with a
    street/town labor-service institution) or ``other``; ``status``: ``working_flexibly``, ``reemployed`` or
    ``unemployed`` from ``status_on``. ``document_ref`` is the agreement or licence number. An unexpired agreement
    or a licence is re-employment for claims (R15; N§5)."""

    flexible_employment_id: int
    person: str
    region: str
    kind: str
    start_date: dt.date
    end_date: dt.date | None = None
    agreement_end: dt.date | None = None
    document_ref: str | None = None
    document_id: str | None = None  # the SHA-256 of the agreement or licence stored with contributions (/documents)
    status: str
    status_on: dt.date


# ---- superseded versions, still read: stored feeds and streams hold them -------------------------------------------
# v1 named people by identity number in clear (and an enrolment by name): v2 carries the keyed hash alone (#25).
# Each upgrades to its successor on the consumer, which holds the same lookup key.


@event_type("contributions.person_enrolled.v1", source="contributions")
class PersonEnrolledV1(EventData):
    id_number: str
    name: str
    unit_credit_code: str | None
    region: str
    track: str
    start_date: dt.date
    employment_id: int

    def upgrade(self) -> PersonEnrolled:
        return PersonEnrolled(person=person_key(self.id_number), **self.model_dump(exclude={"id_number", "name"}))


@event_type("contributions.employment_ended.v1", source="contributions")
class EmploymentEndedV1(EventData):
    id_number: str
    unit_credit_code: str | None
    region: str
    track: str
    start_date: dt.date
    end_date: dt.date
    separation_reason: str
    involuntary: bool
    employment_id: int

    def upgrade(self) -> EmploymentEnded:
        return EmploymentEnded(person=person_key(self.id_number), **self.model_dump(exclude={"id_number"}))


class PaidPersonV1(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id_number: str
    unemployment_fen: int
    floor_fen: int | None = None


@event_type("contributions.period_paid.v1", source="contributions")
class ContributionPeriodPaidV1(EventData):
    unit_credit_code: str | None = None
    period: str
    region: str
    declaration_id: int
    part: int = Field(1, ge=1)
    parts: int = Field(1, ge=1)
    people: list[PaidPersonV1]

    def upgrade(self) -> ContributionPeriodPaid:
        return ContributionPeriodPaid(
            **self.model_dump(exclude={"people"}),
            people=[
                PaidPerson(person=person_key(p.id_number), unemployment_fen=p.unemployment_fen, floor_fen=p.floor_fen)
                for p in self.people
            ],
        )


@event_type("contributions.flexible_employment_changed.v1", source="contributions")
class FlexibleEmploymentChangedV1(EventData):
    flexible_employment_id: int
    id_number: str
    region: str
    kind: str
    start_date: dt.date
    end_date: dt.date | None = None
    agreement_end: dt.date | None = None
    document_ref: str | None = None
    document_id: str | None = None
    status: str
    status_on: dt.date

    def upgrade(self) -> FlexibleEmploymentChanged:
        return FlexibleEmploymentChanged(person=person_key(self.id_number), **self.model_dump(exclude={"id_number"}))
