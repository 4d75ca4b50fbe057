"""Fixtures for the integration tests: feeding the other services' events to fund-monitor as the inbox would, and
small builders, reached through the ``fm`` fixture."""

import datetime as dt
import types
import uuid

import pytest
from sqlalchemy import text

from fund_monitor.consumers import handlers
from fund_monitor.rules.months import add_months, format_month, month_of
from insurance_shared.contracts import BenefitPaid
from insurance_shared.db import utcnow
from insurance_shared.events import Envelope, Inbox, Incoming

TODAY = dt.date.today()
THIS_MONTH = month_of(TODAY)
CITY = "220100"
OTHER_CITY = "220200"


def month(n: int) -> dt.date:
    """``n`` months from this one (negative: before)."""
    return add_months(THIS_MONTH, n)


def envelope(data, subject: str, *, region: str = CITY, time: dt.datetime | None = None) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=data.event_type,
        source=data.source,
        subject=subject,
        time=time or utcnow(),
        region=region,
        data=data.model_dump(mode="json"),
    )


async def deliver(db, *events) -> list[Envelope]:
    """Each item is an event's data or an Envelope; applied per source, in order, one batch each."""
    envs = [e if isinstance(e, Envelope) else envelope(e, getattr(e, "region", CITY)) for e in events]
    inbox = Inbox(db, handlers)
    for source in dict.fromkeys(e.source for e in envs):
        await inbox.apply(source, [Incoming(e) for e in envs if e.source == source])
    return envs


_runs = iter(range(1, 1_000_000))


def benefits(region: str, m: dt.date, yuan: int, claims: int = 10) -> BenefitPaid:
    return BenefitPaid(region=region, month=format_month(m), amount_fen=yuan * 100, claims=claims, run_id=next(_runs))


async def count(db, sql: str) -> int:
    async with db.sessionmaker() as s:
        return (await s.execute(text(sql))).scalar_one()


def _namespace(db):
    async def feed(*events):
        return await deliver(db, *events)

    return types.SimpleNamespace(
        feed=feed,
        month=month,
        benefits=benefits,
        envelope=envelope,
        count=lambda sql: count(db, sql),
        TODAY=TODAY,
        THIS_MONTH=THIS_MONTH,
        CITY=CITY,
        OTHER_CITY=OTHER_CITY,
    )


@pytest.fixture
def fm(db):
    return _namespace(db)


@pytest.fixture
def fm_live(live_db):
    """The same, committing for real: for tests that run a server process or a browser against the data."""
    return _namespace(live_db)
