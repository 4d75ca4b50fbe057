"""Events the claims service emits that other services consume (the claims issue adds the rest)."""

import datetime as dt

from pydantic import Field

from ..pii import person_key
from .appeals import AppealStep
from .catalogue import EventData, event_type


@event_type("claims.claim_registered.v2", source="claims")
class ClaimRegistered(EventData):
    """失业登记 (R16: benefit time runs from the registration date). Subject: ``person``, the keyed hash of the identity number."""

    claim_id: int
    person: str
    region: str
    registered_on: dt.date
    separation_date: dt.date | None = None
    eligible: bool = True


@event_type("claims.claim_stopped.v2", source="claims")
class ClaimStopped(EventData):
    """停发 (R15, N§5). Subject: ``person``, the keyed hash of the identity number."""

    claim_id: int
    person: str
    region: str
    reason: str
    effective_date: dt.date
    evidence: str | None = None  # the document the stop rests on, with its clause (a licence, an agreement)


@event_type("claims.claim_reinstated.v2", source="claims")
class ClaimReinstated(EventData):
    """An appeal overturned the decision that stopped or closed a claim: it runs again in ``state`` (``active``, or
    ``verification_requested`` after a rejection overturned) as if that decision had never been made; the months
    it missed go out with the region's next payment run. Subject: ``person``, the keyed hash of the identity number."""

    claim_id: int
    person: str
    region: str
    state: str
    reinstated_on: dt.date
    appeal_id: int
    overturned_decision_id: int


@event_type("claims.appeal_step.v1", source="claims")
class ClaimsAppealStep(AppealStep):
    """An appeal against one of claims' decisions was lodged or decided (行政复议)."""


@event_type("claims.claim_closed.v2", source="claims")
class ClaimClosed(EventData):
    """A claim left the benefit roll other than by a stop (which ``claim_stopped`` announces): ``exhausted`` (its
    benefit period ran out), ``verification_rejected`` (the community did not verify it, N§5 ¶2), ``withdrawn``.
    From ``effective_date`` the person is no longer counted as registered unemployed on this claim.
    Subject: ``person``, the keyed hash of the identity number."""

    claim_id: int
    person: str
    region: str
    state: str  # exhausted | verification_rejected | withdrawn
    effective_date: dt.date


@event_type("claims.claim_redecided.v2", source="claims")
class ClaimRedecided(EventData):
    """A claim decided again under the rules in force on its registration date, as corrected (#19): the new
    decision is kept beside the old. ``proceeds``: a refused claim is now eligible and goes on to verification.
    Subject: ``person``, the keyed hash of the identity number."""

    claim_id: int
    person: str
    region: str
    registered_on: dt.date
    eligible: bool
    was_eligible: bool
    total_months: int
    proceeds: bool


@event_type("claims.claim_approved.v2", source="claims")
class ClaimApproved(EventData):
    """核实通过, 开始发放 (N§5 ¶2). Subject: ``person``, the keyed hash of the identity number."""

    claim_id: int
    person: str
    region: str
    certificate_no: str
    monthly_amount_fen: int
    total_months: int
    entitlement_end: dt.date


@event_type("claims.benefit_paid.v1", source="claims")
class BenefitPaid(EventData):
    """A monthly run's benefit payments for one region and month. Subject: ``<region>:<month>``."""

    region: str
    month: str  # YYYY-MM
    amount_fen: int
    claims: int
    run_id: int


@event_type("claims.subsidy_paid.v1", source="claims")
class SubsidyPaid(EventData):
    """A payment besides the monthly benefit (R19): a medical subsidy (monthly), a funeral subsidy or a survivors'
    pension (once). Subject: the keyed hash of the identity number. ``payment_id`` identifies the payment: a claim has one medical
    subsidy a month, so the claim alone does not (events from before it was added lack it)."""

    claim_id: int
    region: str
    kind: str  # medical | funeral | survivors
    amount_fen: int
    paid_on: dt.date
    payment_id: int | None = None


@event_type("claims.parameter_set.v1", source="claims")
class ClaimsParameterSet(EventData):
    """The province set a value of one of claims' dated parameters (benefit amount, minimum wage, ...) from a date.
    Subject: ``<region>:<name>``."""

    name: str
    region: str
    value: str
    valid_from: dt.date
    reference: str


@event_type("claims.payment_batch_approved.v1", source="claims")
class PaymentBatchApproved(EventData):
    """A second officer approved a batch; its file may go to the bank (N§4). Subject: ``<region>:<bank>``."""

    batch_id: int
    run_id: int
    region: str
    bank_code: str
    lines: int
    total_fen: int
    made_by: str
    approved_by: str


@event_type("claims.medical_contributions_transferred.v1", source="claims")
class MedicalContributionsTransferred(EventData):
    """The fund paid the basic medical-insurance contributions of a region's beneficiaries for one month to the
    medical-insurance fund (SIL48, from 2011-07-01), approved by a second officer. fund-monitor books it as its own
    expenditure kind (``medical_insurance``). Subject: ``<region>:<month>``."""

    transfer_id: int
    run_id: int
    region: str
    month: str  # YYYY-MM the contributions are for
    beneficiaries: int
    per_person_fen: int
    amount_fen: int
    clause: str


@event_type("claims.benefits_confirmed.v1", source="claims")
class BenefitsConfirmed(EventData):
    """The bank confirmed benefit payments of one region and benefit month (a return file's paid lines): the money
    left the fund. fund-monitor books benefit expenditure from these, never from a computed run.
    Subject: ``<region>:<month>``."""

    return_id: int
    batch_id: int
    run_id: int
    region: str
    month: str  # YYYY-MM the benefits are for
    amount_fen: int
    payments: int


class FailedPayment(EventData):
    payment_id: int
    claim_id: int
    amount_fen: int
    reason_code: str


@event_type("claims.payments_failed.v1", source="claims")
class PaymentsFailed(EventData):
    """The bank could not pay these lines of a batch; each is paid again in a later batch once the account is
    corrected (for a claim stopped since, only its days before the stop; the rest goes back to the fund); never twice. Subject: ``<region>:<bank>``."""

    return_id: int
    batch_id: int
    region: str
    payments: list[FailedPayment]


@event_type("claims.payment_reissued.v1", source="claims")
class PaymentReissued(EventData):
    """A failed payment goes to the bank again, in a new batch, after its account was corrected.
    Subject: the claim's id."""

    payment_id: int
    claim_id: int
    region: str
    batch_id: int
    attempt: int


@event_type("claims.payment_returned_to_fund.v1", source="claims")
class PaymentReturnedToFund(EventData):
    """Part or all of a payment not yet paid falls on or after its claim's stop (R15) and is not paid: ``amount_fen``
    stays in the fund (it was never booked as spent). The payment keeps the rest, its days before the stop. Subject: the keyed hash of the identity number."""

    payment_id: int
    claim_id: int
    region: str
    month: str
    amount_fen: int


@event_type("claims.si_subsidy_paid.v1", source="claims")
class SocialInsuranceSubsidyPaid(EventData):
    """Social-insurance subsidy (社会保险补贴, N§6) the bank confirmed paid: from one return file of a region's run,
    ``months`` person-months of ``people`` flexible workers, each against a month they paid. Paid from the
    re-employment funds, never from the unemployment-insurance fund. ``return_id`` identifies it (a run is
    confirmed by one or more return files). Subject: ``<region>:si_subsidy``."""

    return_id: int
    run_id: int
    region: str
    month: str  # YYYY-MM of the run
    people: int = Field(ge=0)
    months: int = Field(ge=0)
    amount_fen: int = Field(ge=0)
    paid_on: dt.date  # the latest value date of the lines


# ---- superseded versions, still read: stored feeds and streams hold them -------------------------------------------
# v1 named the claimant by identity number in clear: v2 carries the keyed hash alone (#25). Each upgrades to its
# successor on the consumer, which holds the same lookup key.


@event_type("claims.claim_registered.v1", source="claims")
class ClaimRegisteredV1(EventData):
    claim_id: int
    id_number: str
    region: str
    registered_on: dt.date
    separation_date: dt.date | None = None
    eligible: bool = True

    def upgrade(self) -> ClaimRegistered:
        return ClaimRegistered(person=person_key(self.id_number), **self.model_dump(exclude={"id_number"}))


@event_type("claims.claim_stopped.v1", source="claims")
class ClaimStoppedV1(EventData):
    claim_id: int
    id_number: str
    region: str
    reason: str
    effective_date: dt.date
    evidence: str | None = None  # the document the stop rests on, with its clause (a licence, an agreement)

    def upgrade(self) -> ClaimStopped:
        return ClaimStopped(person=person_key(self.id_number), **self.model_dump(exclude={"id_number"}))


@event_type("claims.claim_reinstated.v1", source="claims")
class ClaimReinstatedV1(EventData):
    claim_id: int
    id_number: str
    region: str
    state: str
    reinstated_on: dt.date
    appeal_id: int
    overturned_decision_id: int

    def upgrade(self) -> ClaimReinstated:
        return ClaimReinstated(person=person_key(self.id_number), **self.model_dump(exclude={"id_number"}))


@event_type("claims.claim_closed.v1", source="claims")
class ClaimClosedV1(EventData):
    claim_id: int
    id_number: str
    region: str
    state: str  # exhausted | verification_rejected | withdrawn
    effective_date: dt.date

    def upgrade(self) -> ClaimClosed:
        return ClaimClosed(person=person_key(self.id_number), **self.model_dump(exclude={"id_number"}))


@event_type("claims.claim_redecided.v1", source="claims")
class ClaimRedecidedV1(EventData):
    claim_id: int
    id_number: str
    region: str
    registered_on: dt.date
    eligible: bool
    was_eligible: bool
    total_months: int
    proceeds: bool

    def upgrade(self) -> ClaimRedecided:
        return ClaimRedecided(person=person_key(self.id_number), **self.model_dump(exclude={"id_number"}))


@event_type("claims.claim_approved.v1", source="claims")
class ClaimApprovedV1(EventData):
    claim_id: int
    id_number: str
    region: str
    certificate_no: str
    monthly_amount_fen: int
    total_months: int
    entitlement_end: dt.date

    def upgrade(self) -> ClaimApproved:
        return ClaimApproved(person=person_key(self.id_number), **self.model_dump(exclude={"id_number"}))
