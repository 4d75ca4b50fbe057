"""When a claim stops by itself (R15; docs/policy.md Claims 8): a new contribution record or a new job of a person
drawing benefits is evidence of re-employment."""

import datetime as dt

PAID_MONTH, NEW_JOB = "paid_month", "new_job"


def reemployed_from(kind: str, on: dt.date, registered_on: dt.date) -> dt.date | None:
    """The day re-employment stops the claim registered on ``registered_on``, or None when the evidence predates it:
    a month paid wholly after the registration (its first day later than the registration day), or a job that began
    on or after the registration."""
    if kind == PAID_MONTH:
        return on if on > registered_on else None
    if kind == NEW_JOB:
        return on if on >= registered_on else None
    raise ValueError(f"unknown evidence {kind!r}")


def first_stop(evidence: list[tuple[str, dt.date]], registered_on: dt.date) -> dt.date | None:
    """The earliest day any of a person's evidence stops the claim, in whatever order it arrived."""
    days = [d for kind, on in evidence if (d := reemployed_from(kind, on, registered_on)) is not None]
    return min(days, default=None)
