"""The shape of an appeal's steps (行政复议, #23 item 2). Each service that takes appeals against its decisions
registers its own event type with this shape (``<service>.appeal_step.v1``), as it does for its parameters."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from .catalogue import EventData

__all__ = ["AppealStep"]


class AppealStep(EventData):
    """An appeal against a decision was lodged (``filed``) or decided (``upheld`` / ``overturned``). Subject: the
    identity number, the unit's credit code, or ``decision:<id>``."""

    appeal_id: int
    decision_id: int
    decision_kind: str
    region: str
    step: Literal["filed", "upheld", "overturned"]
    by: str
    on: dt.date
    deadline: dt.date
    review_decision_id: int | None = None
    consequence: str | None = None
