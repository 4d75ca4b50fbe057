"""Versioned contracts between services: event payloads, each registered in the catalogue under its type.

A type name is ``<source>.<what_happened>.v<N>``. A change that removes or retypes a field is a new version;
adding an optional field is not (consumers ignore fields they do not know).
"""

from .catalogue import EventData, catalogue, event_type
from .claims import (
    BenefitPaid,
    BenefitsConfirmed,
    ClaimApproved,
    ClaimClosed,
    ClaimRedecided,
    ClaimRegistered,
    ClaimsParameterSet,
    ClaimStopped,
    FailedPayment,
    MedicalContributionsTransferred,
    PaymentBatchApproved,
    PaymentReissued,
    PaymentReturnedToFund,
    PaymentsFailed,
    SocialInsuranceSubsidyPaid,
    SubsidyPaid,
)
from .contributions import (
    PERIOD_PAID_PART_SIZE,
    ContributionPeriodPaid,
    ContributionsParameterSet,
    EmploymentEnded,
    FlexibleEmploymentChanged,
    MoneyCollected,
    MoneyCollectedV1,
    PaidPerson,
    PersonEnrolled,
    RemittanceMade,
    UnitRegistered,
)
from .fund_monitor import (
    AlertClosed,
    AlertRaised,
    FundMonitorParameterSet,
    ReconciliationCleared,
    ReconciliationMismatch,
)
from .layoffs import LayoffExecuted, LayoffFiled, LayoffParameterSet, LayoffWithdrawn, RehirePriorityBreach
from .separation import INVOLUNTARY, SeparationReason, is_involuntary
from .totals import TOTALS_KINDS, Totals, TotalsItem, TotalsSum, summed

__all__ = [
    "INVOLUNTARY",
    "PERIOD_PAID_PART_SIZE",
    "TOTALS_KINDS",
    "AlertClosed",
    "AlertRaised",
    "BenefitPaid",
    "BenefitsConfirmed",
    "ClaimApproved",
    "ClaimClosed",
    "ClaimRedecided",
    "ClaimRegistered",
    "ClaimStopped",
    "ClaimsParameterSet",
    "ContributionPeriodPaid",
    "ContributionsParameterSet",
    "EmploymentEnded",
    "EventData",
    "FailedPayment",
    "FlexibleEmploymentChanged",
    "FundMonitorParameterSet",
    "LayoffExecuted",
    "LayoffFiled",
    "LayoffParameterSet",
    "LayoffWithdrawn",
    "MedicalContributionsTransferred",
    "MoneyCollected",
    "MoneyCollectedV1",
    "PaidPerson",
    "PaymentBatchApproved",
    "PaymentReissued",
    "PaymentReturnedToFund",
    "PaymentsFailed",
    "PersonEnrolled",
    "ReconciliationCleared",
    "ReconciliationMismatch",
    "RehirePriorityBreach",
    "RemittanceMade",
    "SeparationReason",
    "SocialInsuranceSubsidyPaid",
    "SubsidyPaid",
    "Totals",
    "TotalsItem",
    "TotalsSum",
    "UnitRegistered",
    "catalogue",
    "event_type",
    "is_involuntary",
    "summed",
]
