"""Claims end to end on PostgreSQL: the contribution history arrives as events; registration decides and
explains; the community verifies; the monthly run pays once; stops, referrals, one-off payments, disclosure."""

import calendar
import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal

import httpx
from sqlalchemy import select, text
from stdnum.cn import ric

from claims.history.consumers import handlers
from claims.main import create_app
from claims.payments.models import PaymentBatch, PaymentRun
from claims.payments.service import _insert_payments, make_batches
from claims.settings import Settings
from insurance_shared import Database, person_key
from insurance_shared.contracts import ContributionPeriodPaid, EmploymentEnded, PaidPerson, PersonEnrolled
from insurance_shared.contracts.contributions import (
    ContributionPeriodPaidV1,
    EmploymentEndedV1,
    PaidPersonV1,
    PersonEnrolledV1,
)
from insurance_shared.db import utcnow
from insurance_shared.events import Envelope, Inbox, Incoming
from insurance_shared.events.outbox import outbox
from insurance_shared.migrations import upgrade
from insurance_shared.pii import installed

TODAY = dt.date.today()
UNIT = "91220101MA0Y3XXK87"
EMP = ("employment_service",)
INS = ("social_insurance",)


def pid(n: int) -> str:
    base = f"22010219850101{n:03d}"
    return base + ric.calc_check_digit(base + "0")


def sealed(value: str) -> str:
    """A value as the service stores it in a sealed column (#25), for rows seeded straight into a table."""
    return installed().encrypt(value.encode())


def month(k: int) -> dt.date:
    """The first day of the month k months before this one."""
    y, m = divmod(TODAY.year * 12 + TODAY.month - 1 - k, 12)
    return dt.date(y, m + 1, 1)


async def deliver(db, *items) -> None:
    batch = [
        Incoming(
            Envelope(
                id=uuid.uuid4(),
                type=d.event_type,
                source=d.source,
                subject=getattr(d, "person", None) or getattr(d, "id_number", None) or d.unit_credit_code or "x",
                time=utcnow(),
                region="220100",
                data=d.model_dump(mode="json"),
            )
        )
        for d in items
    ]
    await Inbox(db, handlers).apply("contributions", batch)


async def history(
    db, n: int, months: int, reason="contract_expired_not_renewed", ended_k: int = 1, unit=UNIT, region="220100"
) -> None:
    events = [
        ContributionPeriodPaid(
            unit_credit_code=unit,
            period=f"{month(k):%Y-%m}",
            region=region,
            declaration_id=k,
            people=[PaidPerson(person=person_key(pid(n)), unemployment_fen=15000)],
        )
        for k in range(ended_k, ended_k + months)
    ]
    events.append(
        PersonEnrolled(
            person=person_key(pid(n)),
            unit_credit_code=unit,
            region=region,
            track="unit",
            start_date=month(ended_k + months - 1),
            employment_id=n * 100,
        )
    )
    end = month(ended_k - 1) - dt.timedelta(days=1)
    events.append(
        EmploymentEnded(
            person=person_key(pid(n)),
            unit_credit_code=unit,
            region=region,
            track="unit",
            start_date=month(ended_k + months - 1),
            end_date=end,
            separation_reason=reason,
            involuntary=reason != "voluntary_resignation",
            employment_id=n * 100,
        )
    )
    await deliver(db, *events)


def registration(n: int, registered_on: dt.date | None = None) -> dict:
    return {
        "id_number": pid(n),
        "name": "张三",
        "region": "220100",
        "registered_on": str(registered_on or month(0)),
        "job_seeking": True,
    }


async def active_claim(client, auth_headers, n: int = 1, months: int = 14, registered_on=None) -> dict:
    r = await client.post("/claims", json=registration(n, registered_on), headers=auth_headers(*EMP))
    assert r.status_code == 201, r.text
    claim = r.json()
    await client.post(
        f"/claims/{claim['id']}/verification-request", json={"community": "community-1"}, headers=auth_headers(*EMP)
    )
    v = await client.post(
        f"/claims/{claim['id']}/verify",
        json={"certificate_no": "证0001"},
        headers=auth_headers("community", sub="community-1"),
    )
    assert v.status_code == 200, v.text
    return v.json()


CARD = "6222020200112345679"  # passes the Luhn check


async def payee(client, auth_headers, claim_id: int, card: str = CARD, name: str = "张三"):
    r = await client.put(
        f"/claims/{claim_id}/payee-account",
        json={"bank_code": "ICBC", "card_number": card, "holder_name": name},
        headers=auth_headers(*EMP),
    )
    assert r.status_code == 200, r.text
    return r.json()


async def pay_batch(client, auth_headers, batch_id: int, failed: dict[int, str] | None = None) -> dict:
    """A second officer approves; the bank pays every line (or fails the given line numbers with a reason code)."""
    approved = await client.post(f"/payment-batches/{batch_id}/approve", headers=auth_headers(*INS, sub="checker-2"))
    assert approved.status_code == 200, approved.text
    return await pay_batch_answer(client, auth_headers, batch_id, failed)


async def pay_batch_answer(client, auth_headers, batch_id: int, failed: dict[int, str] | None = None) -> dict:
    """The bank's answer to an approved batch: every line paid, or the given line numbers failed."""
    detail = (await client.get(f"/payment-batches/{batch_id}", headers=auth_headers(*INS))).json()
    file = (await client.get(f"/payment-batches/{batch_id}/file", headers=auth_headers(*INS))).content
    accounts = {int(r[1]): r[2] for r in (line.split(",") for line in file.decode("gb18030").splitlines()[3:-1])}
    failed = failed or {}
    body = "line_no,account,amount,status,reason_code,value_date\n" + "".join(
        f"{x['line_no']},{accounts[x['line_no']]},{x['amount']},"
        + (f"failed,{failed[x['line_no']]}" if x["line_no"] in failed else "paid,")
        + f",{TODAY}\n"
        for x in detail["items"]
    )
    r = await client.post(
        f"/payment-batches/{batch_id}/returns",
        content=body.encode(),
        headers={**auth_headers(*INS), "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def outbox_types(db) -> list[str]:
    async with db.sessionmaker() as s:
        return list((await s.execute(select(outbox.c.type).order_by(outbox.c.id))).scalars())


async def test_history_sent_as_v1_events_still_counts(client, auth_headers, db) -> None:
    """Feeds and streams still hold v1 events naming people by number in clear (before #25): each reaches the v2
    handler upgraded to the keyed hash, so the history and the decision are the same as from v2 events."""
    unit_months = [
        ContributionPeriodPaidV1(
            unit_credit_code=UNIT,
            period=f"{month(k):%Y-%m}",
            region="220100",
            declaration_id=900 + k,
            people=[PaidPersonV1(id_number=pid(61), unemployment_fen=15000)],
        )
        for k in range(1, 15)
    ]
    job = {"unit_credit_code": UNIT, "region": "220100", "track": "unit", "start_date": month(14)}
    end = {"end_date": month(0) - dt.timedelta(days=1), "separation_reason": "dismissed", "involuntary": True}
    await deliver(
        db,
        *unit_months,
        PersonEnrolledV1(id_number=pid(61), name="张三", employment_id=6100, **job),
        EmploymentEndedV1(id_number=pid(61), employment_id=6100, **job, **end),
    )
    async with db.sessionmaker() as s:
        stored = set((await s.execute(text("SELECT DISTINCT person_key FROM contribution_months"))).scalars())
    assert stored == {person_key(pid(61))}
    check = await client.post(
        "/eligibility/check", json={"id_number": pid(61), "region": "220100"}, headers=auth_headers(*EMP)
    )
    assert check.status_code == 200 and (check.json()["eligible"], check.json()["total_months"]) == (True, 12)


async def test_registration_explains_and_verification_and_payment(client, auth_headers, db) -> None:
    await history(db, 1, 14)
    check = await client.post(
        "/eligibility/check", json={"id_number": pid(1), "region": "220100"}, headers=auth_headers(*EMP)
    )
    assert check.status_code == 200 and check.json()["eligible"] and check.json()["total_months"] == 12
    async with db.sessionmaker() as s:
        assert (await s.execute(text("SELECT count(*) FROM claims"))).scalar_one() == 0  # a check writes nothing
    r = await client.post("/claims", json=registration(1), headers=auth_headers(*EMP))
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["state"], c["eligible"], c["total_months"], c["monthly_amount"]) == ("registered", True, 12, "1350.00")
    crit = {x["name"]: x for x in c["decision"]["criteria"]}
    assert (
        crit["contribution_months"]["clause"] == "SIL45(1); SIL52"  # the Social Insurance Law governs today
        and crit["contribution_months"]["values"]["ended_job_months"] == 14
    )
    assert crit["duration"]["clause"] == "SIL46" and crit["amount"]["parameters"][0]["valid_from"] == "2005-01-01"
    # community verification: only the institution asked may answer
    await client.post(
        f"/claims/{c['id']}/verification-request", json={"community": "community-1"}, headers=auth_headers(*EMP)
    )
    other = await client.post(
        f"/claims/{c['id']}/verify", json={"certificate_no": "x"}, headers=auth_headers("community", sub="community-2")
    )
    assert other.status_code == 404
    v = await client.post(
        f"/claims/{c['id']}/verify",
        json={"certificate_no": "长南社证0815"},
        headers=auth_headers("community", sub="community-1"),
    )
    assert v.status_code == 200 and v.json()["state"] == "active"
    again = await client.post(
        f"/claims/{c['id']}/verify", json={"certificate_no": "y"}, headers=auth_headers("community", sub="community-1")
    )
    assert again.status_code == 409 and again.json()["current_state"] == "active"
    # the monthly run computes from the registration day (R16), once, into a draft batch for the claimant's bank
    no_account = await client.post(
        "/payment-runs", json={"region": "220100", "month": f"{month(1):%Y-%m}"}, headers=auth_headers(*INS)
    )
    assert no_account.json()["batches"] == []  # registered this month: nothing for last month anyway
    await payee(client, auth_headers, c["id"])
    run = await client.post(
        "/payment-runs", json={"region": "220100", "month": f"{month(0):%Y-%m}"}, headers=auth_headers(*INS)
    )
    assert run.status_code == 200, run.text
    assert run.json()["claims_paid"] == 1 and run.json()["amount"] == "1350.00"  # registered on the 1st: a full month
    (batch,) = run.json()["batches"]
    assert (batch["state"], batch["lines"], batch["total"], batch["bank_code"]) == ("draft", 1, "1350.00", "ICBC")
    twice = await client.post(
        "/payment-runs", json={"region": "220100", "month": f"{month(0):%Y-%m}"}, headers=auth_headers(*INS)
    )
    assert twice.status_code == 409 and twice.json()["code"] == "month_already_paid"
    future = await client.post(
        "/payment-runs", json={"region": "220100", "month": f"{TODAY.year + 1}-01"}, headers=auth_headers(*INS)
    )
    assert future.status_code == 422 and future.json()["code"] == "month_in_future"
    ancient = await client.post(
        "/payment-runs", json={"region": "220100", "month": "1900-01"}, headers=auth_headers(*INS)
    )
    assert ancient.status_code == 422 and ancient.json()["code"] == "month_before_law"  # once a 500 (found by fuzzing)
    public_url = f"/public/beneficiaries?region=220100&month={month(0):%Y-%m}"
    assert (await client.get(public_url)).json()["items"] == []  # computed is not paid
    await pay_batch(client, auth_headers, batch["id"])
    public = await client.get(public_url)
    assert public.status_code == 200
    assert public.json()["items"] == [
        {
            "name": "张*",
            "id_number": pid(1)[:6] + "********" + pid(1)[-4:],
            "amount": "1350.00",
            "period": f"{month(0):%Y-%m}",
        }
    ]
    assert await outbox_types(db) == [
        "claims.claim_registered.v2",
        "claims.claim_approved.v2",
        "claims.payment_batch_approved.v1",
        "claims.benefits_confirmed.v1",
    ]


async def test_registering_with_the_community_asks_it_to_verify_at_once(client, auth_headers, db) -> None:
    """N§5 ¶2: the office registers the person and asks the community, in one call when it names the community."""
    await history(db, 1, 14)
    await history(db, 2, 30, reason="voluntary_resignation")
    r = await client.post("/claims", json={**registration(1), "community": "community-1"}, headers=auth_headers(*EMP))
    assert r.status_code == 201, r.text
    claim = r.json()
    assert (claim["state"], claim["eligible"]) == ("verification_requested", True)
    again = await client.post(
        f"/claims/{claim['id']}/verification-request", json={"community": "community-2"}, headers=auth_headers(*EMP)
    )
    assert again.status_code == 409, again.text  # already asked
    other = await client.post(
        f"/claims/{claim['id']}/verify",
        json={"certificate_no": "证0002"},
        headers=auth_headers("community", sub="community-2"),
    )
    assert other.status_code == 404  # only the institution asked may answer
    v = await client.post(
        f"/claims/{claim['id']}/verify",
        json={"certificate_no": "证0001"},
        headers=auth_headers("community", sub="community-1"),
    )
    assert v.status_code == 200 and v.json()["state"] == "active", v.text
    async with db.sessionmaker() as s:
        actions = (
            (
                await s.execute(
                    text("SELECT action FROM audit_log WHERE object_key = :k ORDER BY id"), {"k": str(claim["id"])}
                )
            )
            .scalars()
            .all()
        )
    assert actions == ["claim.registered", "claim.verification_requested", "claim.verified"]
    # an ineligible registration is not sent for verification
    refused = await client.post(
        "/claims", json={**registration(2), "community": "community-1"}, headers=auth_headers(*EMP)
    )
    assert refused.status_code == 201 and refused.json()["state"] == "ineligible", refused.text
    blank = await client.post("/claims", json={**registration(1), "community": ""}, headers=auth_headers(*EMP))
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "body.community", blank.text


async def test_voluntary_resignation_is_registered_but_ineligible(client, auth_headers, db) -> None:
    await history(db, 2, 30, reason="voluntary_resignation")
    c = (await client.post("/claims", json=registration(2), headers=auth_headers(*EMP))).json()
    assert (c["state"], c["eligible"]) == ("ineligible", False)
    assert not {x["name"]: x for x in c["decision"]["criteria"]}["involuntary_separation"]["met"]


async def test_bad_registrations(client, auth_headers, db) -> None:
    unknown = await client.post("/claims", json=registration(9), headers=auth_headers(*EMP))
    assert unknown.status_code == 404 and unknown.json()["code"] == "person_not_found"
    await history(db, 3, 14)
    future = await client.post(
        "/claims", json=registration(3, TODAY + dt.timedelta(days=2)), headers=auth_headers(*EMP)
    )
    assert future.status_code == 422 and future.json()["errors"][0] == {
        "field": "body.registered_on",
        "code": "date_in_future",
        "message": future.json()["errors"][0]["message"],
    }
    lax = await client.post("/claims", json={**registration(3), "job_seeking": 0}, headers=auth_headers(*EMP))
    assert lax.status_code == 422 and lax.json()["errors"][0]["field"] == "body.job_seeking"  # #24: 0 is no answer
    ancient = await client.post("/claims", json=registration(3, dt.date(1998, 3, 1)), headers=auth_headers(*EMP))
    assert ancient.status_code == 422 and ancient.json()["errors"][0]["code"] == "date_before_law"
    assert "2005-01-01" in ancient.json()["errors"][0]["message"]
    assert (await client.post("/claims", json=registration(3), headers=auth_headers(*EMP))).status_code == 201
    dup = await client.post("/claims", json=registration(3), headers=auth_headers(*EMP))
    assert dup.status_code == 409 and dup.json()["code"] == "claim_active"
    other_region = await client.post("/claims", json=registration(3), headers=auth_headers(*EMP, region="220200"))
    assert other_region.status_code == 403
    # a merged-track flexible worker in flexible employment is not registered (N§3(2))
    await history(db, 4, 14)
    await deliver(
        db,
        PersonEnrolled(
            person=person_key(pid(4)),
            unit_credit_code=None,
            region="220100",
            track="flexible",
            start_date=month(0),
            employment_id=4999,
        ),
    )
    flex = await client.post("/claims", json=registration(4, TODAY), headers=auth_headers(*EMP))
    assert flex.status_code == 422 and flex.json()["code"] == "flexible_worker_in_employment"


async def test_reemployment_stops_automatically_and_keeps_months(client, auth_headers, db) -> None:
    await history(db, 5, 70, ended_k=3)  # 60+ months: 18 months of benefit; the job ended before month(2)
    c = await active_claim(client, auth_headers, 5, registered_on=month(2))
    assert c["total_months"] == 18
    # a contribution month for the month before the registration changes nothing; one after it stops the claim
    await deliver(
        db,
        ContributionPeriodPaid(
            unit_credit_code=UNIT,
            period=f"{month(3):%Y-%m}",
            region="220100",
            declaration_id=99,
            people=[PaidPerson(person=person_key(pid(5)), unemployment_fen=1)],
        ),
    )
    assert (await client.get(f"/claims/{c['id']}", headers=auth_headers(*EMP))).json()["state"] == "active"
    await deliver(
        db,
        ContributionPeriodPaid(
            unit_credit_code="91220101MA0Y3XXK9X"[:18],
            period=f"{month(0):%Y-%m}",
            region="220100",
            declaration_id=100,
            people=[
                PaidPerson(person=person_key(pid(6)), unemployment_fen=1),
                PaidPerson(person=person_key(pid(5)), unemployment_fen=1),
            ],
        ),
    )
    stopped = (await client.get(f"/claims/{c['id']}", headers=auth_headers(*EMP))).json()
    assert (stopped["state"], stopped["stop_reason"], stopped["stopped_on"]) == (
        "stopped",
        "reemployed_contribution",
        str(month(0)),
    )
    assert stopped["months_left"] == 16  # 18 months from month(2), stopped two months in
    assert "claims.claim_stopped.v2" in await outbox_types(db)


async def test_referrals_second_unjustified_refusal_stops(client, auth_headers, db) -> None:
    await history(db, 6, 14)
    c = await active_claim(client, auth_headers, 6)
    outcomes = []
    for _ in range(2):
        ref = (
            await client.post(
                f"/claims/{c['id']}/referrals",
                json={"employer": "某公司", "job": "保管员", "referred_on": str(TODAY)},
                headers=auth_headers(*EMP),
            )
        ).json()
        outcomes.append(
            (
                await client.post(
                    f"/referrals/{ref['id']}/outcome",
                    json={"outcome": "refused_unjustified"},
                    headers=auth_headers(*EMP),
                )
            ).json()
        )
    assert [o["claim_stopped"] for o in outcomes] == [False, True]
    claim = (await client.get(f"/claims/{c['id']}", headers=auth_headers(*EMP))).json()
    assert (claim["state"], claim["stop_reason"]) == ("stopped", "refused_jobs")
    late = await client.post(
        f"/claims/{c['id']}/referrals",
        json={"employer": "x", "job": "y", "referred_on": str(TODAY)},
        headers=auth_headers(*EMP),
    )
    assert late.status_code == 422 and late.json()["code"] == "claim_not_active"


async def test_death_pays_funeral_and_survivors(client, auth_headers, db) -> None:
    """A death from 2011-07-01: the survivors' pension with the stop; the funeral subsidy once the survivors have
    chosen this fund's (SIL49 ¶2: one of the pension's, the work-injury's and this one)."""
    await history(db, 7, 14)
    c = await active_claim(client, auth_headers, 7)
    r = await client.post(
        f"/claims/{c['id']}/stops", json={"reason": "death", "effective_date": str(TODAY)}, headers=auth_headers(*INS)
    )
    assert r.status_code == 200, r.text

    async def paid() -> dict[str, int]:
        async with db.sessionmaker() as s:
            return dict((await s.execute(text("SELECT kind, amount FROM benefit_payments ORDER BY id"))).all())

    assert await paid() == {"survivors": 135000 * 6}  # the funeral subsidy waits for the survivors' choice
    chosen = await client.post(
        f"/claims/{c['id']}/funeral-subsidy", json={"chosen": "unemployment_insurance"}, headers=auth_headers(*INS)
    )
    assert chosen.status_code == 201, chosen.text
    body = chosen.json()
    assert (body["paid_here"], body["clause"], body["death"]) == (True, "SIL49", str(TODAY))
    assert body["payment"]["amount"] == "3000.00" and body["payment"]["standard"]["name"] == "funeral_subsidy"
    assert await paid() == {"survivors": 135000 * 6, "funeral": 300000}
    twice = await client.post(
        f"/claims/{c['id']}/funeral-subsidy", json={"chosen": "basic_pension"}, headers=auth_headers(*INS)
    )
    assert twice.status_code == 409 and twice.json()["code"] == "funeral_subsidy_decided"
    types = await outbox_types(db)
    assert types.count("claims.subsidy_paid.v1") == 2
    # its own account for fund-monitor's reconciliation (#20), keyed by payment as fund-monitor books them
    totals = await client.get(f"/totals?from={TODAY:%Y-%m}&to={TODAY:%Y-%m}", headers=auth_headers(*INS))
    assert sorted((i["kind"], i["amount_fen"]) for i in totals.json()["items"]) == [
        ("funeral_subsidy", 300000),
        ("survivors_pension", 135000 * 6),
    ]
    assert all(i["key"].startswith("claims:payment:") for i in totals.json()["items"])
    again = await client.post(
        f"/claims/{c['id']}/stops",
        json={"reason": "emigration", "effective_date": str(TODAY)},
        headers=auth_headers(*INS),
    )
    assert again.status_code == 409 and again.json()["current_state"] == "stopped"


async def test_survivors_who_take_another_funds_funeral_subsidy_get_none_from_this_one(
    client, auth_headers, db
) -> None:  # SIL49 ¶2
    await history(db, 42, 14)
    c = await active_claim(client, auth_headers, 42)
    living = await client.post(
        f"/claims/{c['id']}/funeral-subsidy", json={"chosen": "unemployment_insurance"}, headers=auth_headers(*INS)
    )
    assert living.status_code == 422 and living.json()["code"] == "claim_not_ended_by_death"
    await client.post(
        f"/claims/{c['id']}/stops", json={"reason": "death", "effective_date": str(TODAY)}, headers=auth_headers(*INS)
    )
    chosen = await client.post(
        f"/claims/{c['id']}/funeral-subsidy", json={"chosen": "work_injury"}, headers=auth_headers(*INS)
    )
    assert chosen.status_code == 201, chosen.text
    assert (chosen.json()["paid_here"], chosen.json()["payment"]) == (False, None)
    record = (await client.get(f"/decisions/{chosen.json()['decision_id']}", headers=auth_headers(*INS))).json()
    assert (record["kind"], record["outcome"], record["clause"]) == (
        "claim.funeral_subsidy_choice",
        "work_injury",
        "SIL49",
    )
    async with db.sessionmaker() as s:
        kinds = (
            await s.execute(text("SELECT kind FROM benefit_payments WHERE claim_id = :c"), {"c": c["id"]})
        ).scalars()
        assert sorted(kinds) == ["survivors"]
    again = await client.post(
        f"/claims/{c['id']}/funeral-subsidy", json={"chosen": "unemployment_insurance"}, headers=auth_headers(*INS)
    )
    assert again.status_code == 409 and again.json()["code"] == "funeral_subsidy_decided"


async def test_stopped_mid_month_is_paid_up_to_the_stop(client, auth_headers, db) -> None:
    await history(db, 8, 14, ended_k=2)
    c = await active_claim(client, auth_headers, 8, registered_on=month(1))
    stop_day = month(0) + dt.timedelta(days=10)
    if stop_day > TODAY:
        stop_day = TODAY
    await client.post(
        f"/claims/{c['id']}/stops",
        json={"reason": "emigration", "effective_date": str(stop_day)},
        headers=auth_headers(*INS),
    )
    run = (
        await client.post(
            "/payment-runs", json={"region": "220100", "month": f"{month(0):%Y-%m}"}, headers=auth_headers(*INS)
        )
    ).json()
    days = (stop_day - month(0)).days
    import calendar

    in_month = calendar.monthrange(month(0).year, month(0).month)[1]
    expected = round(135000 * days / in_month)
    assert run["claims_paid"] == (1 if days else 0)
    assert run["amount"] == f"{expected // 100}.{expected % 100:02d}"


async def test_every_months_run_pays_the_entitlement_to_the_fen(client, auth_headers, db) -> None:
    """R17; N§4 (in full): a claim registered on the 10th for 18 months, paid by the runs of the 19 calendar
    months they touch, adds up to 18 monthly amounts: the first month by its days, the last the rest of it. The
    first and last months are picked of different lengths, where paying the last by its own days was wrong."""

    def length(d: dt.date) -> int:
        return calendar.monthrange(d.year, d.month)[1]

    k = next(k for k in range(20, 32) if length(month(k)) != length(month(k - 18)))
    await history(db, 41, 62, ended_k=k + 1)
    c = await active_claim(client, auth_headers, 41, registered_on=month(k) + dt.timedelta(days=9))
    assert c["total_months"] == 18
    monthly = int(Decimal(c["monthly_amount"]) * 100)
    for j in range(k, k - 19, -1):
        r = await client.post(
            "/payment-runs", json={"region": "220100", "month": f"{month(j):%Y-%m}"}, headers=auth_headers(*INS)
        )
        assert r.status_code in (200, 201), r.text
    async with db.sessionmaker() as s:
        amounts = [
            a
            for (a,) in await s.execute(
                text("SELECT amount FROM benefit_payments WHERE claim_id = :c AND kind = 'benefit' ORDER BY month"),
                {"c": c["id"]},
            )
        ]
    assert len(amounts) == 19
    assert sum(amounts) == 18 * monthly
    assert amounts[1:-1] == [monthly] * 17 and amounts[0] + amounts[-1] == monthly


async def test_a_stop_dated_back_withdraws_what_has_not_gone_to_the_bank(client, auth_headers, db) -> None:
    """R15: nothing is paid on or after a stop's effective date. A stop learnt late (re-employment found after
    the month was run) withdraws the payments not yet on their way to the bank: waiting for an account, or on a
    draft batch. They stay in the fund (returned), and an overturned stop owes them again."""
    await history(db, 43, 14, ended_k=3)
    await history(db, 44, 14, ended_k=3)
    waiting = await active_claim(client, auth_headers, 43, registered_on=month(1))  # no account yet
    drafted = await active_claim(client, auth_headers, 44, registered_on=month(1))
    await payee(client, auth_headers, drafted["id"])
    for k in (1, 0):
        r = await client.post(
            "/payment-runs", json={"region": "220100", "month": f"{month(k):%Y-%m}"}, headers=auth_headers(*INS)
        )
        assert r.status_code in (200, 201), r.text

    async def medical_beneficiaries(k: int) -> int:  # SIL48: the draft transfer of the region's month
        async with db.sessionmaker() as s:
            return (
                await s.execute(
                    text("SELECT beneficiaries FROM medical_transfers WHERE region = '220100' AND month = :m"),
                    {"m": month(k)},
                )
            ).scalar_one()

    assert (await medical_beneficiaries(1), await medical_beneficiaries(0)) == (2, 2)
    stop_day = month(1) + dt.timedelta(days=5)
    for c in (waiting, drafted):
        r = await client.post(
            f"/claims/{c['id']}/stops",
            json={"reason": "emigration", "effective_date": str(stop_day)},
            headers=auth_headers(*INS),
        )
        assert r.status_code == 200, r.text
    in_month = calendar.monthrange(month(1).year, month(1).month)[1]
    five_days = round(135000 * 5 / in_month)

    async def payments(claim_id: int) -> list[tuple]:
        async with db.sessionmaker() as s:
            return [
                tuple(r)
                for r in await s.execute(
                    text(
                        "SELECT p.month, p.amount, p.status, b.state FROM benefit_payments p"
                        " LEFT JOIN payment_batches b ON b.id = p.batch_id"
                        " WHERE p.claim_id = :c AND p.kind = 'benefit' ORDER BY p.month"
                    ),
                    {"c": claim_id},
                )
            ]

    assert await payments(waiting["id"]) == [
        (month(1), five_days, "pending", None),
        (month(0), 135000, "returned", None),
    ]
    drafted_now = await payments(drafted["id"])
    assert [(m, a, st) for m, a, st, _ in drafted_now] == [
        (month(1), five_days, "pending"),
        (month(0), 135000, "returned"),
    ]
    assert drafted_now[1][3] is None  # off its draft batch
    # no day of month(0) is paid: neither is a beneficiary of its medical contribution any more
    assert (await medical_beneficiaries(1), await medical_beneficiaries(0)) == (2, 0)
    async with db.sessionmaker() as s:  # every draft batch's totals are its lines'
        for lines, total, real_lines, real_total in await s.execute(
            text(
                "SELECT b.lines, b.total, count(p.id), coalesce(sum(p.amount), 0) FROM payment_batches b"
                " LEFT JOIN benefit_payments p ON p.batch_id = b.id WHERE b.state = 'draft' GROUP BY b.id"
            )
        ):
            assert (lines, total) == (real_lines, real_total)
    # the account arrives: only the five days go to the bank
    await payee(client, auth_headers, waiting["id"])
    async with db.sessionmaker() as s:
        run_row = (await s.execute(select(PaymentRun).order_by(PaymentRun.id.desc()).limit(1))).scalar_one()
        outcome = await make_batches(s, run_row, "maker-1", now=utcnow())
        await s.commit()
    assert sum(b.total for b in outcome.batches) == five_days


async def test_separations_filed_late_are_flagged(client, auth_headers, db) -> None:
    body = {
        "unit_credit_code": UNIT,
        "region": "220100",
        "persons": [
            {
                "id_number": pid(10),
                "name": "甲",
                "separation_date": str(TODAY - dt.timedelta(days=3)),
                "reason": "dismissed",
            },
            {
                "id_number": pid(11),
                "name": "乙",
                "separation_date": str(TODAY - dt.timedelta(days=16)),
                "reason": "voluntary_resignation",
            },
            {  # 9 days: late under R16's 7 days, in time under SIL50's 15, which applies to it (#19)
                "id_number": pid(12),
                "name": "丙",
                "separation_date": str(TODAY - dt.timedelta(days=9)),
                "reason": "dismissed",
            },
        ],
    }
    r = await client.post("/separations", json=body, headers=auth_headers(*INS))
    assert r.status_code == 201, r.text
    assert [(x["late"], x["involuntary"]) for x in r.json()] == [(False, True), (True, False), (False, True)]
    late = r.json()[1]["filing_deadline"]
    assert (late["met"], late["clause"], late["values"]["days_late"]) == (False, "SIL50", 1)
    assert late["parameters"] == [
        {"name": "separation_filing_days", "value": "15", "valid_from": "2011-07-01", "clause": "SIL50"}
    ]
    assert late["values"]["deadline"] == str(TODAY - dt.timedelta(days=1))
    json.dumps(r.json())


async def test_suspended_claims_are_not_paid_and_a_crashed_run_resumes(client, auth_headers, db) -> None:
    await history(db, 12, 14)
    await history(db, 13, 14)
    a = await active_claim(client, auth_headers, 12)
    b = await active_claim(client, auth_headers, 13)
    s = await client.post(f"/claims/{b['id']}/suspend", json={"reason": "未按时报到"}, headers=auth_headers(*EMP))
    assert s.status_code == 200 and s.json()["state"] == "suspended"
    # a run that crashed after paying claim a: its run row is "running" and a's payment exists
    async with db.sessionmaker() as session:
        run_id = (
            await session.execute(
                text(
                    "INSERT INTO payment_runs (region, month, status, claims_paid, amount, started_at) "
                    "VALUES ('220100', :m, 'running', 0, 0, now()) RETURNING id"
                ),
                {"m": month(0)},
            )
        ).scalar_one()
        await session.execute(
            text(
                "INSERT INTO benefit_payments (claim_id, run_id, region, month, kind, amount, days, paid_on) "
                "VALUES (:c, :r, '220100', :m, 'benefit', 135000, 30, :d)"
            ),
            {"c": a["id"], "r": run_id, "m": month(0), "d": TODAY},
        )
        await session.commit()
    await client.post(f"/claims/{b['id']}/resume", headers=auth_headers(*EMP))
    run = (
        await client.post(
            "/payment-runs", json={"region": "220100", "month": f"{month(0):%Y-%m}"}, headers=auth_headers(*INS)
        )
    ).json()
    assert (run["id"], run["status"], run["claims_paid"]) == (run_id, "completed", 2)  # b paid now, a not twice
    async with db.sessionmaker() as session:
        per_claim = dict(
            (await session.execute(text("SELECT claim_id, count(*) FROM benefit_payments GROUP BY claim_id"))).all()
        )
    assert per_claim == {a["id"]: 1, b["id"]: 1}


def _same_answer(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in ("request_id", "instance")}


async def test_another_regions_agency_learns_nothing_of_a_person(client, auth_headers, db) -> None:
    """#19: a person insured only in 220200, checked by 220100's employment service, answers exactly as a person
    nobody knows; registering there writes nothing. 220200 and the province see the person."""
    await history(db, 40, 14, unit="91220201MA0Y3XXK8A", region="220200")
    city = auth_headers(*EMP, region="220100")
    foreign = await client.post("/eligibility/check", json={"id_number": pid(40), "region": "220100"}, headers=city)
    nobody = await client.post("/eligibility/check", json={"id_number": pid(41), "region": "220100"}, headers=city)
    assert foreign.status_code == nobody.status_code == 404
    assert _same_answer(foreign.json()) == _same_answer(nobody.json())
    assert "220200" not in foreign.text and "months" not in foreign.text
    registered = await client.post("/claims", json=registration(40), headers=city)
    assert registered.status_code == 404 and _same_answer(registered.json()) == _same_answer(nobody.json())
    async with db.sessionmaker() as s:
        assert (await s.execute(text("SELECT count(*) FROM claims"))).scalar_one() == 0

    home = await client.post(
        "/eligibility/check",
        json={"id_number": pid(40), "region": "220200"},
        headers=auth_headers(*EMP, region="220200"),
    )
    assert home.status_code == 200 and home.json()["eligible"] is True
    province = auth_headers("province", region="220000")
    wrong = await client.post("/eligibility/check", json={"id_number": pid(40), "region": "220100"}, headers=province)
    assert wrong.status_code == 422 and wrong.json()["code"] == "not_insured_region" and "220200" in wrong.text
    right = await client.post("/eligibility/check", json={"id_number": pid(40), "region": "220200"}, headers=province)
    assert right.status_code == 200


async def test_a_claim_that_drew_nothing_restarts_nothing(client, auth_headers, db) -> None:
    """#19: rejected at verification, the claim drew nothing; the next registration counts every earlier month
    (before, the rejected claim's registration restarted the count and the person lost all 14 months)."""
    await history(db, 42, 14)
    first = (await client.post("/claims", json=registration(42), headers=auth_headers(*EMP))).json()
    await client.post(
        f"/claims/{first['id']}/verification-request", json={"community": "community-1"}, headers=auth_headers(*EMP)
    )
    rejected = await client.post(
        f"/claims/{first['id']}/reject",
        json={"reason": "核实时本人未到场"},
        headers=auth_headers("community", sub="community-1"),
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "verification_rejected"
    again = await client.post("/claims", json=registration(42), headers=auth_headers(*EMP))
    assert again.status_code == 201, again.text
    crit = {c["name"]: c for c in again.json()["decision"]["criteria"]}
    assert again.json()["eligible"] is True and again.json()["total_months"] == 12
    assert crit["contribution_months"]["values"]["months_counted"] == 14
    assert crit["contribution_months"]["values"]["restart_after"] is None
    types = await outbox_types(db)
    assert types.count("claims.claim_closed.v2") == 1  # the rejection, announced (fund-monitor's counts)


async def paid_then_stopped(client, auth_headers, db, n: int, k: int) -> tuple[dict, int]:
    """A claim of person ``n`` registered in month ``k`` (after 14 paid months), paid for that month and stopped
    from the next: the claim and its months left."""
    await history(db, n, 14, ended_k=k + 1)
    claim = await active_claim(client, auth_headers, n, registered_on=month(k) + dt.timedelta(days=2))
    run = await client.post(
        "/payment-runs", json={"region": "220100", "month": f"{month(k):%Y-%m}"}, headers=auth_headers(*INS)
    )
    assert run.status_code in (200, 201), run.text
    stopped = await client.post(
        f"/claims/{claim['id']}/stops",
        json={"reason": "reemployed_other_income", "effective_date": str(month(k - 1))},
        headers=auth_headers(*INS),
    )
    assert stopped.status_code == 200 and stopped.json()["months_left"] > 0, stopped.text
    return claim, stopped.json()["months_left"]


async def test_a_claim_that_drew_benefits_restarts_the_count(client, auth_headers, db) -> None:
    """R17/SIL46: after a claim that was paid, the months before its registration are used; the months left are
    carried over."""
    claim, _ = await paid_then_stopped(client, auth_headers, db, 43, k=1)
    again = await client.post("/claims", json=registration(43), headers=auth_headers(*EMP))
    crit = {c["name"]: c for c in again.json()["decision"]["criteria"]}
    assert crit["contribution_months"]["values"]["restart_after"] == str(claim["registered_on"])
    assert crit["contribution_months"]["values"]["months_counted"] == 0
    assert again.json()["eligible"] is False


async def test_months_left_of_a_paid_claim_are_added_to_the_next(client, auth_headers, db) -> None:
    """R17/SIL46: a claim paid and stopped early leaves months; the next claim, after a year's new contributions,
    adds them to its own entitlement (capped at 24)."""
    first, left = await paid_then_stopped(client, auth_headers, db, 44, k=29)
    await history(db, 44, 14, ended_k=2, unit="91220101MA0Y3XXK95")  # a new job after the restart, ended
    again = await client.post("/claims", json=registration(44), headers=auth_headers(*EMP))
    assert again.status_code == 201, again.text
    months = {c["name"]: c for c in again.json()["decision"]["criteria"]}["contribution_months"]["values"]
    assert months["restart_after"] == str(first["registered_on"]) and months["months_counted"] == 14
    assert again.json()["decision"]["carried_over"] == left
    assert again.json()["total_months"] == min(12 + left, 24) and again.json()["eligible"] is True


async def test_a_paid_claim_is_not_its_own_restart_point(client, auth_headers, db) -> None:
    """R17/SIL46: the count restarts after an earlier claim that drew benefits, never after the claim being
    decided, nor after one registered later. Before, re-deciding an open claim once it had been paid counted 0
    months (it restarted after itself) and was kept pending review; a check on the day of a paid claim's
    registration did the same."""
    claim, _ = await paid_then_stopped(client, auth_headers, db, 45, k=3)
    assert claim["decision"]["months_counted"] == 14
    check = await client.post(
        "/eligibility/check",
        json={"id_number": pid(45), "region": "220100", "on": claim["registered_on"]},
        headers=auth_headers(*EMP),
    )
    months = {c["name"]: c for c in check.json()["criteria"]}["contribution_months"]["values"]
    assert (months["months_counted"], months["restart_after"]) == (14, None), check.text
    assert check.json()["eligible"] is True and check.json()["total_months"] == claim["total_months"]
    before = await client.post(
        "/eligibility/check",
        json={"id_number": pid(45), "region": "220100", "on": str(month(3) - dt.timedelta(days=1))},
        headers=auth_headers(*EMP),
    )
    assert {c["name"]: c for c in before.json()["criteria"]}["contribution_months"]["values"]["restart_after"] is None


async def test_redeciding_a_paid_open_claim_counts_its_own_months(client, auth_headers, db) -> None:
    """An open claim, paid for a month, decided again on the same history: the same months, so unchanged (before:
    0 months counted and kept_pending_review, as if the claim were its own previous unemployment)."""
    await history(db, 46, 14, ended_k=2)
    claim = await active_claim(client, auth_headers, 46, registered_on=month(1) + dt.timedelta(days=2))
    run = await client.post(
        "/payment-runs", json={"region": "220100", "month": f"{month(1):%Y-%m}"}, headers=auth_headers(*INS)
    )
    assert run.status_code in (200, 201), run.text
    r = await client.post(f"/claims/{claim['id']}/redecide", headers=auth_headers(*EMP))
    assert r.status_code == 200, r.text
    assert r.json()["decision"]["months_counted"] == 14 and r.json()["outcome"] == "unchanged", r.text


async def test_months_paid_after_a_claim_do_not_count_when_it_is_decided_again(client, auth_headers, db) -> None:
    """A claim refused with 8 months; the person then works a year elsewhere. Deciding the old claim again counts
    the months paid by its day (8, still refused), not the later job's (before: 20 months, and the old claim
    became eligible from a date when the person had only 8)."""
    await history(db, 47, 8, ended_k=14)
    refused = await client.post(
        "/claims", json=registration(47, month(13) + dt.timedelta(days=2)), headers=auth_headers(*EMP)
    )
    assert refused.status_code == 201 and refused.json()["state"] == "ineligible", refused.text
    await history(db, 47, 12, ended_k=1, unit="91220101MA0Y3XXK95")
    r = await client.post(f"/claims/{refused.json()['id']}/redecide", headers=auth_headers(*EMP))
    assert r.status_code == 200, r.text
    assert (r.json()["decision"]["months_counted"], r.json()["outcome"]) == (8, "unchanged"), r.text
    check = await client.post(
        "/eligibility/check",
        json={"id_number": pid(47), "region": "220100", "on": str(month(13) + dt.timedelta(days=2))},
        headers=auth_headers(*EMP),
    )
    assert check.status_code == 200 and check.json()["months_counted"] == 8, check.text


async def test_a_person_known_only_by_later_months_is_decided_not_hidden(client, auth_headers, db) -> None:
    """Known is anything at all, of any date: months paid after the day asked do not count for it, but the person
    is known (the province is told the decision, not 404)."""
    await deliver(
        db,
        *(
            ContributionPeriodPaid(
                unit_credit_code=UNIT,
                period=f"{month(k):%Y-%m}",
                region="220100",
                declaration_id=900 + k,
                people=[PaidPerson(person=person_key(pid(63)), unemployment_fen=15000)],
            )
            for k in range(1, 4)
        ),
    )
    body = {"id_number": pid(63), "region": "220100", "on": str(month(6))}
    r = await client.post("/eligibility/check", json=body, headers=auth_headers("province", region="220000"))
    assert r.status_code == 200 and r.json()["months_counted"] == 0, r.text


async def test_a_person_known_only_by_a_later_separation_is_decided_not_hidden(client, auth_headers, db) -> None:
    """Known is anything at all: a separation filed for a date after the day asked still makes the person known
    (the province is told the decision, with no separation on that day), not 404."""
    filed = await client.post(
        "/separations",
        json={
            "unit_credit_code": UNIT,
            "region": "220100",
            "persons": [
                {
                    "id_number": pid(61),
                    "name": "丁",
                    "separation_date": str(TODAY - dt.timedelta(days=2)),
                    "reason": "dismissed",
                }
            ],
        },
        headers=auth_headers(*INS),
    )
    assert filed.status_code == 201, filed.text
    body = {"id_number": pid(61), "region": "220100", "on": str(TODAY - dt.timedelta(days=10))}
    r = await client.post("/eligibility/check", json=body, headers=auth_headers("province", region="220000"))
    assert r.status_code == 200 and r.json()["eligible"] is False, r.text
    nobody = await client.post(
        "/eligibility/check", json={**body, "id_number": pid(62)}, headers=auth_headers("province", region="220000")
    )
    assert nobody.status_code == 404 and nobody.json()["code"] == "person_not_found"


async def test_a_claim_refused_under_the_old_count_is_redecided_on_request(client, auth_headers, db) -> None:
    """#19 item 9: a claim refused before the correction (24 months at one unit, 3 at the next, dismissed) is not
    re-decided silently; asked, claims decides again, keeps both decisions, and the claim proceeds."""
    other = "91220101MA0Y3XXK95"
    await history(db, 50, 24, ended_k=4, unit=other)  # the long earlier job, ended three months ago
    await history(db, 50, 3, reason="dismissed")  # the short last job
    old = '{"eligible": false, "months_counted": 0, "entitled_months": 0, "carried_over": 0, "total_months": 0, "monthly_amount_fen": 135000, "criteria": []}'
    async with db.sessionmaker() as s:
        claim_id = (
            await s.execute(
                text(
                    "INSERT INTO claims (person_key, id_number, name, region, registered_on, job_seeking, state,"
                    " eligible, decision, months_counted, total_months, carried_over, monthly_amount, months_left,"
                    " created_at, updated_at) VALUES (:key, :id, :name, '220100', :on, true, 'ineligible', false, :d,"
                    " 0, 0, 0, 135000, 0, now(), now()) RETURNING id"
                ),
                {"key": person_key(pid(50)), "id": sealed(pid(50)), "name": sealed("张三"), "on": month(0), "d": old},
            )
        ).scalar_one()
        await s.execute(
            text(
                "INSERT INTO claim_decisions (claim_id, eligible, total_months, decision, decided_by, reason, created_at)"
                " VALUES (:c, false, 0, :d, 'system', 'registration', now())"
            ),
            {"c": claim_id, "d": old},
        )
        await s.commit()

    elsewhere = await client.post(f"/claims/{claim_id}/redecide", headers=auth_headers(*EMP, region="220200"))
    assert elsewhere.status_code == 404  # another region's officer does not see the claim
    r = await client.post(f"/claims/{claim_id}/redecide", headers=auth_headers(*EMP, sub="officer-7"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "now_eligible" and body["previous"]["eligible"] is False
    assert (body["claim"]["state"], body["claim"]["eligible"], body["claim"]["total_months"]) == (
        "registered",
        True,
        12,
    )
    assert body["decision"]["months_counted"] == 27 and body["replaces"] is not None
    async with db.sessionmaker() as s:
        kept = (
            await s.execute(
                text("SELECT reason, eligible, decided_by FROM claim_decisions WHERE claim_id = :c ORDER BY id"),
                {"c": claim_id},
            )
        ).all()
    assert [tuple(k) for k in kept] == [("registration", False, "system"), ("redecision", True, "officer-7")]
    assert "claims.claim_redecided.v2" in await outbox_types(db)
    again = await client.post(f"/claims/{claim_id}/redecide", headers=auth_headers("province", region="220000"))
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    # it proceeds as any registered claim: verification can be asked
    asked = await client.post(
        f"/claims/{claim_id}/verification-request", json={"community": "community-1"}, headers=auth_headers(*EMP)
    )
    assert asked.status_code == 200 and asked.json()["state"] == "verification_requested"


async def test_parameters_dated_with_references_and_r18_refused_when_entered(client, auth_headers, db) -> None:
    """#19 item 5: a benefit outside the R18 band is refused when the province enters it, naming both bounds and
    their dates; so is a minimum wage that would put the region's benefit out of band. Before, the value was
    accepted in the file and refused every claimant of the region."""
    province = auth_headers("province", region="220000")
    future = str(TODAY + dt.timedelta(days=31))
    listed = (await client.get("/parameters?region=220100", headers=auth_headers(*EMP))).json()
    by = {p["name"]: p for p in listed}
    assert by["benefit_amount"]["value"] == "1350.00" and by["benefit_amount"]["reference"] == "R18"
    assert [(h["valid_from"], h["reference"]) for h in by["separation_filing_days"]["history"]] == [
        ("2005-01-01", "R16"),
        ("2011-07-01", "SIL50"),
    ]
    before_sil = (
        await client.get("/parameters?region=220100&on=2010-06-30&name=separation_filing_days", headers=province)
    ).json()
    assert [(p["value"], p["reference"]) for p in before_sil] == [("7", "R16")]

    too_high = {
        "name": "benefit_amount",
        "region": "220100",
        "value": "1900.00",
        "valid_from": future,
        "reference": "测试",
    }
    r = await client.post("/parameters", json=too_high, headers=province)
    assert r.status_code == 422 and r.json()["code"] == "parameter_breaks_rule", r.text
    assert (
        "minimum wage 1880.00 (from 2005-01-01)" in r.text
        and "minimum-living standard 780.00 (from 2005-01-01)" in r.text
    )
    low_wage = {
        "name": "minimum_wage",
        "region": "220100",
        "value": "1300.00",
        "valid_from": future,
        "reference": "测试",
    }
    r = await client.post("/parameters", json=low_wage, headers=province)
    assert r.status_code == 422 and f"minimum wage 1300.00 (from {future})" in r.text
    backdated = {**too_high, "value": "1400.00", "valid_from": str(TODAY - dt.timedelta(days=1))}
    assert (await client.post("/parameters", json=backdated, headers=province)).json()["code"] == "valid_from_in_past"
    city = await client.post("/parameters", json={**too_high, "value": "1400.00"}, headers=auth_headers(*INS))
    assert city.status_code == 403
    async with db.sessionmaker() as s:
        assert (await s.execute(text("SELECT count(*) FROM dated_parameters"))).scalar_one() == 0

    # a decision before the value is set: this process now holds the values read (reused while none is added)
    await history(db, 60, 14)
    before = {"id_number": pid(60), "region": "220100", "on": future}
    check = await client.post("/eligibility/check", json=before, headers=auth_headers(*EMP))
    assert check.json()["monthly_amount"] == "1350.00", check.text

    ok = {**too_high, "value": "1400.00", "reference": "长春市人社局 2026年第12号通知"}
    r = await client.post("/parameters", json=ok, headers=province)
    assert r.status_code == 201, r.text
    assert (r.json()["value"], r.json()["reference"]) == ("1400.00", "长春市人社局 2026年第12号通知")
    assert (await client.post("/parameters", json=ok, headers=province)).status_code == 409
    later = (await client.get(f"/parameters?region=220100&on={future}&name=benefit_amount", headers=province)).json()
    assert [h["value"] for h in later[0]["history"]] == ["1350.00", "1400.00"]
    assert "claims.parameter_set.v1" in await outbox_types(db)
    # a decision on that date uses it, citing where it comes from
    check = await client.post(
        "/eligibility/check", json={"id_number": pid(60), "region": "220100", "on": future}, headers=auth_headers(*EMP)
    )
    assert check.json()["monthly_amount"] == "1400.00"
    amount = {c["name"]: c for c in check.json()["criteria"]}["amount"]
    assert amount["parameters"][0]["clause"] == "长春市人社局 2026年第12号通知"


async def test_a_failed_payment_of_a_stopped_claim_keeps_the_days_before_the_stop(client, auth_headers, db) -> None:
    """R15 with N§4 (paid in full, never lost): the bank could not pay a month, then the claim stopped. The days
    before the stop are still owed: they wait for a corrected account and go again. Only the days from the stop
    on go back to the fund, whether the stop was recorded before the bank's answer or after it."""
    await history(db, 47, 14, ended_k=3)
    await history(db, 48, 14, ended_k=3)
    before = await active_claim(client, auth_headers, 47, registered_on=month(2))  # stopped before the answer
    after = await active_claim(client, auth_headers, 48, registered_on=month(2))  # stopped after it
    for c in (before, after):
        await payee(client, auth_headers, c["id"])
    run = (
        await client.post(
            "/payment-runs", json={"region": "220100", "month": f"{month(2):%Y-%m}"}, headers=auth_headers(*INS)
        )
    ).json()
    (batch,) = run["batches"]
    approved = await client.post(f"/payment-batches/{batch['id']}/approve", headers=auth_headers(*INS, sub="checker-2"))
    assert approved.status_code == 200, approved.text
    stop_day = month(2) + dt.timedelta(days=9)

    async def stop(c: dict) -> None:
        r = await client.post(
            f"/claims/{c['id']}/stops",
            json={"reason": "emigration", "effective_date": str(stop_day)},
            headers=auth_headers(*INS),
        )
        assert r.status_code == 200, r.text

    await stop(before)  # the batch is on its way to the bank: the stop leaves it as it is
    detail = (await client.get(f"/payment-batches/{batch['id']}", headers=auth_headers(*INS))).json()
    full = {x["claim_id"]: x["amount"] for x in detail["items"]}
    await pay_batch_answer(client, auth_headers, batch["id"], failed={1: "R03", 2: "R03"})
    await stop(after)
    in_month = calendar.monthrange(month(2).year, month(2).month)[1]
    nine_days = round(135000 * 9 / in_month)
    assert full == {before["id"]: "1350.00", after["id"]: "1350.00"}

    async def owed(claim_id: int) -> list[tuple]:
        async with db.sessionmaker() as s:
            return [
                tuple(r)
                for r in await s.execute(
                    text(
                        "SELECT month, status, amount, days FROM benefit_payments"
                        " WHERE claim_id = :c AND kind = 'benefit' ORDER BY month"
                    ),
                    {"c": claim_id},
                )
            ]

    async def rebatch():
        async with db.sessionmaker() as s:
            done = await make_batches(s, await s.get(PaymentRun, run["id"]), "maker-1", now=utcnow())
            await s.commit()
        return done

    assert await owed(after["id"]) == [(month(2), "failed", nine_days, 9)]  # cut by the stop itself
    assert await owed(before["id"]) == [(month(2), "failed", 135000, in_month)]  # failed after its stop
    outcome = await rebatch()
    assert (outcome.returned_to_fund, outcome.reissued, outcome.batches) == (1, 0, [])  # accounts not corrected
    for c in (before, after):
        assert await owed(c["id"]) == [(month(2), "failed", nine_days, 9)]
    async with db.sessionmaker() as s:
        returned = [
            json.loads(e)["data"]
            for e in (
                await s.execute(select(outbox.c.envelope).where(outbox.c.type == "claims.payment_returned_to_fund.v1"))
            ).scalars()
        ]
    assert sorted((r["claim_id"], r["amount_fen"]) for r in returned) == sorted(
        (c["id"], 135000 - nine_days) for c in (before, after)
    )
    assert (await rebatch()).returned_to_fund == 0  # once: what is left is due
    for c, card in ((before, "6222020200112345703"), (after, "6222020200112345695")):
        await payee(client, auth_headers, c["id"], card=card)
    outcome = await rebatch()
    assert (outcome.returned_to_fund, outcome.reissued) == (0, 2)
    assert sum(b.total for b in outcome.batches) == 2 * nine_days


async def test_money_out_accounts_maker_checker_bank_file_and_returns(client, auth_headers, db) -> None:
    """#21: the claimant's own account (checked), a draft batch approved by a second officer, the bank's file (the
    same bytes every time), the return file all or nothing, a failed line paid again only after the account is
    corrected, never twice; a failed line of a stopped claim returned to the fund."""
    await history(db, 70, 14, ended_k=2)
    await history(db, 71, 14, ended_k=2)
    a = await active_claim(client, auth_headers, 70, registered_on=month(1))
    b = await active_claim(client, auth_headers, 71, registered_on=month(1))
    # bad accounts: nothing written
    for body, code in (
        ({"bank_code": "NOPE", "card_number": CARD, "holder_name": "张三"}, "unknown_bank"),
        ({"bank_code": "ICBC", "card_number": "6222020200112345678", "holder_name": "张三"}, "card_number_checksum"),
        ({"bank_code": "ICBC", "card_number": CARD, "holder_name": "李四"}, "holder_not_claimant"),
    ):
        r = await client.put(f"/claims/{a['id']}/payee-account", json=body, headers=auth_headers(*EMP))
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == code, r.text
    assert (await client.get(f"/claims/{a['id']}/payee-account", headers=auth_headers(*EMP))).status_code == 404
    shown = await payee(client, auth_headers, a["id"])
    assert shown["account"] == "6222 **** **** 5679" and CARD not in str(shown)
    await payee(client, auth_headers, b["id"], card="6222020200112345687")

    run = (
        await client.post(
            "/payment-runs",
            json={"region": "220100", "month": f"{month(1):%Y-%m}"},
            headers=auth_headers(*INS, sub="maker-1"),
        )
    ).json()
    (batch,) = run["batches"]
    assert batch["lines"] == 2 and batch["made_by"] == "maker-1"
    early = await client.get(f"/payment-batches/{batch['id']}/file", headers=auth_headers(*INS))
    assert early.status_code == 409 and early.json()["code"] == "batch_not_approved"
    own = await client.post(f"/payment-batches/{batch['id']}/approve", headers=auth_headers(*INS, sub="maker-1"))
    assert own.status_code == 403 and own.json()["code"] == "maker_cannot_approve"
    other_region = await client.post(
        f"/payment-batches/{batch['id']}/approve", headers=auth_headers(*INS, region="220200", sub="x")
    )
    assert other_region.status_code == 404
    approved = await client.post(f"/payment-batches/{batch['id']}/approve", headers=auth_headers(*INS, sub="checker-2"))
    assert approved.status_code == 200 and approved.json()["approved_by"] == "checker-2"

    first = (await client.get(f"/payment-batches/{batch['id']}/file", headers=auth_headers(*INS))).content
    assert first == (await client.get(f"/payment-batches/{batch['id']}/file", headers=auth_headers(*INS))).content
    head, digest, *rest = first.split(b"\r\n", 2)
    assert head.startswith(f"# batch {batch['id']} bank ICBC region 220100".encode())
    assert digest == b"# sha256 " + hashlib.sha256(rest[0]).hexdigest().encode()
    text_ = first.decode("gb18030")
    assert "失业保险金" in text_ and "张三" in text_ and text_.rstrip().splitlines()[-1].startswith("TOTAL,2,")
    amounts = {int(r[1]): r[4] for r in (ln.split(",") for ln in text_.splitlines()[3:-1])}

    def return_file(*lines: str) -> bytes:
        return ("line_no,account,amount,status,reason_code,value_date\n" + "".join(f"{ln}\n" for ln in lines)).encode()

    async def send(content: bytes, batch_id: int = batch["id"]):
        return await client.post(
            f"/payment-batches/{batch_id}/returns",
            content=content,
            headers={**auth_headers(*INS), "Content-Type": "text/csv"},
        )

    bad = await send(
        return_file(
            f"1,{CARD},{amounts[1]},paid,,{TODAY}",
            f"2,6222020200112345679,{amounts[2]},paid,,{TODAY}",  # the other line's account
            f"3,{CARD},1.00,paid,,{TODAY}",  # no such line
            f"1,{CARD},9.99,paid,,{TODAY}",  # amount differs (and answered twice)
            f"2,6222020200112345687,{amounts[2]},failed,X99,{TODAY}",  # unknown reason
        )
    )
    assert bad.status_code == 422, bad.text
    assert {(e["field"], e["code"]) for e in bad.json()["errors"]} >= {
        ("line_no 2.account", "account_mismatch"),
        ("line_no 3", "not_in_batch"),
        ("line_no 1.amount", "amount_mismatch"),
        ("line_no 1", "duplicate_line"),
        ("line[6].reason_code", "unknown_reason"),
    }
    async with db.sessionmaker() as s:
        assert (await s.execute(text("SELECT count(*) FROM payment_returns"))).scalar_one() == 0

    good = return_file(f"1,{CARD},{amounts[1]},paid,,{TODAY}", f"2,6222020200112345687,{amounts[2]},failed,R03,{TODAY}")
    applied = (await send(good)).json()
    assert (applied["paid"], applied["failed"], applied["replayed"], applied["batch"]["state"]) == (
        1,
        1,
        False,
        "closed",
    )
    again = (await send(good)).json()
    assert (again["replayed"], again["return_id"]) == (True, applied["return_id"])
    contradicting = await send(return_file(f"2,6222020200112345687,{amounts[2]},paid,,{TODAY}"))
    assert contradicting.status_code == 409 and contradicting.json()["code"] == "line_already_answered"
    detail = (await client.get(f"/payment-batches/{batch['id']}", headers=auth_headers(*INS))).json()
    assert [(x["status"], x["failure_code"]) for x in detail["items"]] == [("paid", None), ("failed", "R03")]
    assert detail["items"][1]["failure_reason"].startswith("户名与账号不符")

    # next month: the failed payment waits until b's account is corrected, then goes again; never twice
    nxt = (
        await client.post(
            "/payment-runs",
            json={"region": "220100", "month": f"{month(0):%Y-%m}"},
            headers=auth_headers(*INS, sub="maker-1"),
        )
    ).json()
    assert nxt["reissued"] == 0 and sum(x["lines"] for x in nxt["batches"]) == 2  # this month's two, not b's failed
    await payee(client, auth_headers, b["id"], card="6222020200112345695")
    for x in nxt["batches"]:
        await pay_batch(client, auth_headers, x["id"])
    async with db.sessionmaker() as s:
        owed = (
            await s.execute(
                text("SELECT count(*) FROM benefit_payments WHERE claim_id = :b AND status = 'failed'"), {"b": b["id"]}
            )
        ).scalar_one()
    assert owed == 1
    # the month after, the corrected account is used: the failed payment is reissued into the next batch
    async with db.sessionmaker() as s:  # (a run per month: the next month has not begun, so rebatch directly)
        run_row = await s.get(PaymentRun, nxt["id"])
        outcome = await make_batches(s, run_row, "maker-1", now=utcnow())
        await s.commit()
    assert outcome.reissued == 1 and outcome.batches[0].lines == 1
    async with db.sessionmaker() as s:
        rows = (
            await s.execute(
                text(
                    "SELECT month, status, attempts, card_number FROM benefit_payments WHERE claim_id = :b ORDER BY month"
                ),
                {"b": b["id"]},
            )
        ).all()
    # last month's, failed, goes again to the corrected account; this month's was batched before the correction
    # and keeps the account it was made with (a change applies from the next batch)
    assert [(r[1], r[2], installed().decrypt(r[3]).decode()) for r in rows] == [
        ("pending", 2, "6222020200112345695"),
        ("paid", 1, "6222020200112345687"),
    ]
    assert not any("62220202" in r[3] for r in rows)  # #25: the card numbers are sealed at rest
    types = await outbox_types(db)
    assert types.count("claims.payments_failed.v1") == 1 and types.count("claims.payment_reissued.v1") == 1
    metrics = (await client.get("/metrics")).text  # what an operator alerts on
    assert 'claims_benefit_payments{status="pending"} 1.0' in metrics
    assert 'claims_payment_batches{state="draft"} 1.0' in metrics
    # the reissue fails again, and the claim stops before the account is fixed: last month was before the stop, so
    # it is still owed (N§4: never lost); it waits for the account like any failed payment, then goes again
    await pay_batch(client, auth_headers, outcome.batches[0].id, failed={1: "R01"})
    stopped = await client.post(
        f"/claims/{b['id']}/stops",
        json={"reason": "emigration", "effective_date": str(TODAY)},
        headers=auth_headers(*INS),
    )
    assert stopped.status_code == 200, stopped.text

    async def rebatch():
        async with db.sessionmaker() as s:
            done = await make_batches(s, await s.get(PaymentRun, nxt["id"]), "maker-1", now=utcnow())
            await s.commit()
        return done

    async def b_payments() -> list[tuple]:
        async with db.sessionmaker() as s:
            return [
                tuple(r)
                for r in await s.execute(
                    text("SELECT status, amount FROM benefit_payments WHERE claim_id = :b ORDER BY month"),
                    {"b": b["id"]},
                )
            ]

    owed_before = await b_payments()
    outcome = await rebatch()
    assert (outcome.returned_to_fund, outcome.reissued, outcome.batches) == (0, 0, [])
    assert await b_payments() == owed_before and [st for st, _ in owed_before] == ["failed", "paid"]
    await payee(client, auth_headers, b["id"], card="6222020200112345703")
    outcome = await rebatch()
    assert (outcome.returned_to_fund, outcome.reissued) == (0, 1)
    assert sum(x.total for x in outcome.batches) == owed_before[0][1]
    assert "claims.payment_returned_to_fund.v1" not in await outbox_types(db)


async def test_a_combined_province_token_cannot_verify_another_regions_claim(client, auth_headers, db) -> None:
    """#24 defect 1: a token of region 220000 with roles province and community (and the community's sub) verified a
    220100 claim; verify and reject skipped the write guard every other write has. Nothing changes now."""
    await history(db, 80, 14)
    r = await client.post("/claims", json={**registration(80), "community": "community-1"}, headers=auth_headers(*EMP))
    claim = r.json()
    combined = auth_headers("province", "community", region="220000", sub="community-1")
    for path, body in (("verify", {"certificate_no": "x"}), ("reject", {"reason": "x"})):
        refused = await client.post(f"/claims/{claim['id']}/{path}", json=body, headers=combined)
        assert refused.status_code in (403, 404), refused.text
    after = await client.get(f"/claims/{claim['id']}", headers=auth_headers(*EMP))
    assert (after.json()["state"], after.json()["certificate_no"]) == ("verification_requested", None)


async def test_medical_treatment_follows_the_law_in_force(client, auth_headers, db) -> None:
    """#21 item 5: before 2011-07-01 a medical subsidy at the region's standard (R19), not an amount an officer
    types; from that date none, and the run drafts the month's transfer of each beneficiary's basic
    medical-insurance contribution to the medical-insurance fund (SIL48), approved by a second officer, once."""
    k = TODAY.year * 12 + TODAY.month - (2011 * 12 + 6) + 1  # month(k - 1) is June 2011
    await history(db, 90, 14, ended_k=k)  # unemployed from 2011-06-01
    await history(db, 91, 14, ended_k=k - 1)  # unemployed from 2011-07-01, registers on the 20th
    a = await active_claim(client, auth_headers, 90, registered_on=dt.date(2011, 6, 1))
    b = await active_claim(client, auth_headers, 91, registered_on=dt.date(2011, 7, 20))
    for c in (a, b):
        await payee(client, auth_headers, c["id"])

    url = f"/claims/{a['id']}/medical-subsidies"
    typed = await client.post(url, json={"amount": "9999.00", "paid_on": "2011-06-15"}, headers=auth_headers(*INS))
    assert typed.status_code == 422 and typed.json()["errors"][0]["field"] == "body.amount"  # the standard decides
    june = await client.post(url, json={"paid_on": "2011-06-15"}, headers=auth_headers(*INS))
    assert june.status_code == 201, june.text
    assert (june.json()["amount"], june.json()["clause"]) == ("150.00", "R19")
    assert june.json()["standard"] == {
        "name": "medical_subsidy",
        "value": "150.00",
        "valid_from": "2005-01-01",
        "clause": "R19",
    }
    july = await client.post(url, json={"paid_on": "2011-07-01"}, headers=auth_headers(*INS))
    assert july.status_code == 422, july.text
    assert (july.json()["code"], july.json()["clause"], july.json()["errors"][0]["field"]) == (
        "medical_subsidy_replaced",
        "SIL48",
        "body.paid_on",
    )
    async with db.sessionmaker() as s:
        medical = (await s.execute(text("SELECT count(*) FROM benefit_payments WHERE kind = 'medical'"))).scalar_one()
    assert medical == 1  # the refused ones wrote nothing

    def run(month_: str):
        return client.post(
            "/payment-runs", json={"region": "220100", "month": month_}, headers=auth_headers(*INS, sub="maker-1")
        )

    r_june = await run("2011-06")
    assert r_june.status_code == 200 and r_june.json()["medical_transfer"] is None  # R19 governs June
    r_july = (await run("2011-07")).json()
    transfer = r_july["medical_transfer"]
    assert r_july["claims_paid"] == 2
    assert {k_: transfer[k_] for k_ in ("beneficiaries", "per_person", "amount", "clause", "state", "month")} == {
        "beneficiaries": 2,  # b drew 12 days of July: a month of contribution all the same
        "per_person": "120.00",
        "amount": "240.00",
        "clause": "SIL48",
        "state": "draft",
        "month": "2011-07",
    }
    assert (transfer["parameter_valid_from"], transfer["parameter_clause"]) == ("2011-07-01", "SIL48")

    approve = f"/medical-transfers/{transfer['id']}/approve"
    own = await client.post(approve, headers=auth_headers(*INS, sub="maker-1"))
    assert own.status_code == 403 and own.json()["code"] == "maker_cannot_approve"
    elsewhere = await client.post(approve, headers=auth_headers(*INS, region="220200", sub="x"))
    assert elsewhere.status_code == 404
    assert "claims.medical_contributions_transferred.v1" not in await outbox_types(db)
    ok = await client.post(approve, headers=auth_headers(*INS, sub="checker-2"))
    assert ok.status_code == 200 and (ok.json()["state"], ok.json()["approved_by"]) == ("approved", "checker-2")
    again = await client.post(approve, headers=auth_headers(*INS, sub="checker-3"))
    assert again.status_code == 409 and again.json()["code"] == "transfer_not_draft"
    assert (await outbox_types(db)).count("claims.medical_contributions_transferred.v1") == 1

    listed = await client.get("/medical-transfers?region=220100&month=2011-07", headers=auth_headers(*INS))
    assert [t["id"] for t in listed.json()] == [transfer["id"]]
    # reconciliation (#20): the transfer is its own movement, keyed as fund-monitor books it
    totals = await client.get("/totals?from=2011-06&to=2011-07", headers=auth_headers(*INS))
    items = {(i["kind"], i["month"]): (i["key"], i["amount_fen"]) for i in totals.json()["items"]}
    assert items[("medical_insurance", "2011-07")] == (f"claims:medical:{transfer['id']}", 24000)
    assert items[("medical_subsidy", "2011-06")][1] == 15000


async def test_keys_rotate_while_accounts_are_written_and_read(live_client, live_db, auth_headers) -> None:
    """#25 items 1-2: bank accounts and documents are sealed at rest under the service's key; a new key is put
    first (the old kept), and rotate-keys re-encrypts every value while accounts are changed and read; afterwards
    the old key can go and nothing has become unreadable. On PostgreSQL, concurrent requests on their own
    connections."""
    import asyncio

    from claims.models import Base
    from insurance_shared import pii
    from insurance_shared.rotation import rotate_keys, sealed_columns

    k1, k2, lookup = bytes(range(32)), bytes(range(7, 39)), bytes(range(3, 35))
    old = pii.Keyring({"k1": k1}, "k1", lookup)
    new = pii.Keyring({"k2": k2, "k1": k1}, "k2", lookup)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    pii.install(old, replace=True)
    try:
        claims = []
        for n in range(80, 86):
            await history(live_db, n, 14, ended_k=2)
            claims.append(await active_claim(live_client, auth_headers, n, registered_on=month(1)))
            await payee(live_client, auth_headers, claims[-1]["id"])
        doc = await live_client.post(
            "/documents",
            params={"kind": "business_licence"},
            content=png,
            headers={**auth_headers(*EMP), "Content-Type": "image/png"},
        )
        assert doc.status_code == 201, doc.text
        async with live_db.sessionmaker() as s:
            raw = (await s.execute(text("SELECT card_number FROM payee_accounts"))).scalars().all()
            assert len(raw) == 6 and all(v.startswith("v1.k1.") and CARD not in v for v in raw)

        pii.install(new, replace=True)  # the service restarted with k2 first and k1 kept

        async def requests() -> int:
            done = 0
            for i in range(24):  # accounts changed and read throughout the rotation
                claim = claims[i % len(claims)]
                await payee(live_client, auth_headers, claim["id"], card="6222020200112345687" if i % 2 else CARD)
                shown = await live_client.get(f"/claims/{claim['id']}/payee-account", headers=auth_headers(*EMP))
                assert shown.status_code == 200, shown.text
                done += 1
            return done

        columns = sealed_columns(Base.metadata)
        assert {c.name for c in columns} >= {"payee_accounts.card_number", "documents.content"}
        report, served = await asyncio.gather(rotate_keys(live_db, new, columns, batch=2), requests())
        assert served == 24 and all(p.left == 0 for p in report), report
        async with live_db.sessionmaker() as s:
            raw = (await s.execute(text("SELECT card_number, holder_name FROM payee_accounts"))).all()
            content = (await s.execute(text("SELECT content FROM documents"))).scalar_one()
        assert all(v.startswith("v1.k2.") for row in raw for v in row) and bytes(content).startswith(b"v1.k2.")

        pii.install(pii.Keyring({"k2": k2}, "k2", lookup), replace=True)  # the rotation reported done: k1 goes
        for claim in claims:
            shown = await live_client.get(f"/claims/{claim['id']}/payee-account", headers=auth_headers(*EMP))
            assert shown.status_code == 200 and shown.json()["account"].startswith("6222 "), shown.text
        got = await live_client.get(f"/documents/{doc.json()['id']}/content", headers=auth_headers(*EMP))
        assert got.status_code == 200 and got.content == png
    finally:
        pii.install(pii.Keyring.development_keyring(), replace=True)


async def _active_claim(s, n: int) -> int:
    """An active claim of person ``n`` in 220100, registered three months ago, 1,350.00 a month: written directly,
    for tests of what runs beside a payment run."""
    return (
        await s.execute(
            text(
                "INSERT INTO claims (person_key, id_number, name, region, registered_on, job_seeking, state,"
                " eligible, decision, months_counted, total_months, carried_over, monthly_amount, entitlement_end,"
                " months_left, created_at, updated_at) VALUES (:key, :id, :name, '220100', :on, true, 'active',"
                " true, '{}', 14, 12, 0, 135000, :end, 0, now(), now()) RETURNING id"
            ),
            {"key": person_key(pid(n)), "id": sealed(pid(n)), "name": sealed("张三"), "on": month(3), "end": month(-9)},
        )
    ).scalar_one()


async def test_back_pay_beside_a_run_writing_the_same_month_pays_the_rest_of_it(live_db) -> None:
    """#23's race: a stop overturned while the run of the stop's month is still writing that month's first part (the
    days before the stop). The back pay cannot see the run's uncommitted part, tries the same part number, waits
    for the run and then finds it taken: before, it gave up and the rest of the month was never paid. Now it reads
    the month again and adds the rest as the next part. On PostgreSQL, two connections."""
    import asyncio

    from claims.claims.models import Claim
    from claims.payments.service import back_pay
    from claims.rules.payments import amount_for_month

    stopped_month = month(1)
    async with live_db.sessionmaker() as s:
        claim_id = await _active_claim(s, 90)
        await s.execute(
            text(
                "INSERT INTO payment_runs (region, month, status, claims_paid, amount, started_at)"
                " VALUES ('220100', :m, 'running', 0, 0, now())"
            ),
            {"m": stopped_month},
        )
        await s.commit()
    before_stop = 67500  # what the run pays for the days before the stop
    async with live_db.sessionmaker() as run:
        await run.execute(
            text(
                "INSERT INTO benefit_payments (claim_id, region, month, kind, part, amount, days, paid_on, status,"
                " attempts) VALUES (:c, '220100', :m, 'benefit', 0, :a, 15, :m, 'pending', 0)"
            ),
            {"c": claim_id, "m": stopped_month, "a": before_stop},
        )  # not committed yet: the run is still going

        async def overturned() -> int:
            async with live_db.sessionmaker() as s:
                claim = await s.get(Claim, claim_id)
                assert claim is not None
                owed = await back_pay(s, claim, stopped_month + dt.timedelta(days=15), TODAY)
                await s.commit()
                return owed

        appeal = asyncio.create_task(overturned())
        await asyncio.sleep(0.5)  # the back pay now waits on the run's part
        await run.commit()
        owed = await asyncio.wait_for(appeal, 30)
    due, _ = amount_for_month(135000, stopped_month, month(3), month(-9))
    async with live_db.sessionmaker() as s:
        parts = (
            await s.execute(
                text("SELECT part, amount FROM benefit_payments WHERE claim_id = :c ORDER BY part"), {"c": claim_id}
            )
        ).all()
    assert [p for p, _ in parts] == [0, 1] and sum(a for _, a in parts) == due
    assert owed == due - before_stop


async def test_concurrent_registrations_of_one_person_make_one_claim(live_client, live_db, auth_headers) -> None:
    """One open claim per person, decided by the database: registrations of the same person arriving at once (two
    offices, a retry, two API replicas) on their own connections make one claim; the others answer 409
    claim_active, naming it."""
    import asyncio

    await history(live_db, 5, 14)
    answers = await asyncio.gather(
        *(live_client.post("/claims", json=registration(5), headers=auth_headers(*EMP)) for _ in range(6))
    )
    made = [r.json() for r in answers if r.status_code == 201]
    refused = [r.json() for r in answers if r.status_code != 201]
    assert len(made) == 1, [r.text for r in answers]
    assert all(p["status"] == 409 and p["code"] == "claim_active" for p in refused), refused
    assert {p["claim_id"] for p in refused} <= {made[0]["id"]}
    async with live_db.sessionmaker() as s:
        count = (await s.execute(text("SELECT count(*) FROM claims"))).scalar_one()
    assert count == 1


async def test_two_months_batching_at_once_put_a_payment_on_one_batch(live_db) -> None:
    """Batching takes every payment of the region still waiting for the bank, whatever its month, so two runs of one
    region (two months, two officers) batching at the same moment both found the same waiting payment: the second
    waited for the first's row lock, then put the payment on its own batch too, and the bank got it in two files.
    Batching now takes turns per region. On PostgreSQL, two connections, the second starting while the first holds
    its batch uncommitted."""
    import asyncio

    async with live_db.sessionmaker() as s:
        claim_id = await _active_claim(s, 91)
        await s.execute(
            text(
                "INSERT INTO payee_accounts (claim_id, bank_code, card_number, holder_name, updated_at, updated_by)"
                " VALUES (:c, 'ICBC', :card, :holder, now(), 't')"
            ),
            {"c": claim_id, "card": sealed("6222020200112345679"), "holder": sealed("张三")},
        )
        runs = []
        for m in (month(2), month(1)):
            runs.append(
                (
                    await s.execute(
                        text(
                            "INSERT INTO payment_runs (region, month, status, claims_paid, amount, started_at)"
                            " VALUES ('220100', :m, 'running', 0, 0, now()) RETURNING id"
                        ),
                        {"m": m},
                    )
                ).scalar_one()
            )
        await s.execute(
            text(
                "INSERT INTO benefit_payments (claim_id, run_id, region, month, kind, part, amount, days, paid_on,"
                " status, attempts) VALUES (:c, :r, '220100', :m, 'benefit', 0, 135000, 30, :m, 'pending', 0)"
            ),
            {"c": claim_id, "r": runs[0], "m": month(2)},
        )
        await s.commit()
    async with live_db.sessionmaker() as first:
        made = await make_batches(first, await first.get(PaymentRun, runs[0]), "officer-a", dt.datetime.now(dt.UTC))
        assert len(made.batches) == 1  # not committed yet

        async def second() -> int:
            async with live_db.sessionmaker() as s:
                out = await make_batches(s, await s.get(PaymentRun, runs[1]), "officer-b", dt.datetime.now(dt.UTC))
                await s.commit()
                return len(out.batches)

        other = asyncio.create_task(second())
        await asyncio.sleep(0.5)  # the second batching now waits on the first
        await first.commit()
        assert await asyncio.wait_for(other, 30) == 0
    async with live_db.sessionmaker() as s:
        lines = (await s.execute(text("SELECT coalesce(sum(lines), 0) FROM payment_batches"))).scalar_one()
        on = (await s.execute(text("SELECT batch_id FROM benefit_payments WHERE claim_id = :c"), {"c": claim_id})).all()
    assert lines == 1 and len(on) == 1


async def test_a_run_on_the_embedded_default_puts_each_payment_on_one_line(tmp_path, auth_headers) -> None:
    """#21 and #27 on SQLite, the embedded default: a run writes each payment with an account straight onto its
    bank's draft batch (lines 1, 2, ...), leaves one without an account waiting, and the next run puts this
    month's payments and the one that waited on one batch, each line once, the batch's count and total its lines'."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'claims.db'}"
    upgrade("claims", url)
    db = Database(url)
    try:
        app = create_app(settings=Settings(database_url=url, background_tasks=False), database=db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for n in (80, 81, 82):
                await history(db, n, 14, ended_k=2)
            a, b, c = [await active_claim(client, auth_headers, n, registered_on=month(1)) for n in (80, 81, 82)]
            await payee(client, auth_headers, a["id"])
            await payee(client, auth_headers, c["id"], card="6222020200112345687")

            async def run(k: int) -> dict:
                r = await client.post(
                    "/payment-runs",
                    json={"region": "220100", "month": f"{month(k):%Y-%m}"},
                    headers=auth_headers(*INS, sub="maker-1"),
                )
                assert r.status_code == 200, r.text
                return r.json()

            async def lines(batch_id: int) -> list[tuple[int, int, str]]:
                async with db.sessionmaker() as s:
                    rows = await s.execute(
                        text(
                            "SELECT line_no, claim_id, month FROM benefit_payments WHERE batch_id = :b ORDER BY line_no"
                        ),
                        {"b": batch_id},
                    )
                    return [(line, claim, str(m)) for line, claim, m in rows]

            async def fen_on(batch_id: int) -> int:
                async with db.sessionmaker() as s:
                    q = text("SELECT sum(amount) FROM benefit_payments WHERE batch_id = :b")
                    return (await s.execute(q, {"b": batch_id})).scalar_one()

            first = await run(1)
            (batch,) = first["batches"]
            assert (batch["lines"], first["awaiting_account"]) == (2, 1)
            assert await lines(batch["id"]) == [(1, a["id"], str(month(1))), (2, c["id"], str(month(1)))]
            assert Decimal(batch["total"]) * 100 == await fen_on(batch["id"])

            await payee(client, auth_headers, b["id"], card="6222020200112345695")
            second = await run(0)
            (batch,) = second["batches"]
            assert await lines(batch["id"]) == [
                (1, a["id"], str(month(0))),
                (2, b["id"], str(month(0))),
                (3, c["id"], str(month(0))),
                (4, b["id"], str(month(1))),  # waited for its account, then joined the next batch
            ]
            assert (batch["lines"], second["awaiting_account"]) == (4, 0)
            assert Decimal(batch["total"]) * 100 == await fen_on(batch["id"])
    finally:
        await db.dispose()


async def test_a_chunk_copied_in_goes_again_as_an_insert_when_back_pay_took_a_month(live_db) -> None:
    """#27: a run's chunk of payments goes in by COPY on PostgreSQL, which cannot skip a row already there. Back pay
    written after the run read its claims can have taken one claim's month: the chunk then goes in as an INSERT
    that skips that payment, and the batch counts only the lines it holds."""
    async with live_db.sessionmaker() as s:
        claims = [await _active_claim(s, 200 + n) for n in range(60)]
        for claim_id in claims:
            await s.execute(
                text(
                    "INSERT INTO payee_accounts (claim_id, bank_code, card_number, holder_name, updated_at,"
                    " updated_by) VALUES (:c, 'ICBC', :card, :holder, now(), 't')"
                ),
                {"c": claim_id, "card": sealed(CARD), "holder": sealed("张三")},
            )
        run = PaymentRun(region="220100", month=month(1), status="running")
        s.add(run)
        await s.flush()
        # the back pay, there before the chunk is written
        await s.execute(
            text(
                "INSERT INTO benefit_payments (claim_id, region, month, kind, part, amount, days, paid_on, status,"
                " attempts) VALUES (:c, '220100', :m, 'benefit', 0, 99, 1, :m, 'pending', 0)"
            ),
            {"c": claims[7], "m": month(1)},
        )
        await s.commit()
        span = {"lo": claims[0], "hi": claims[-1]}
        await _insert_payments(s, run, "maker-1", TODAY, [(c, 135000, 30) for c in claims], span)
        await s.commit()
        rows = (
            await s.execute(
                text(
                    "SELECT claim_id, amount, batch_id, line_no FROM benefit_payments WHERE month = :m ORDER BY claim_id"
                ),
                {"m": month(1)},
            )
        ).all()
        (batch,) = (await s.execute(select(PaymentBatch).where(PaymentBatch.run_id == run.id))).scalars()
    assert len(rows) == 60
    back_pay = next(r for r in rows if r.claim_id == claims[7])
    assert (back_pay.amount, back_pay.batch_id) == (99, None)  # left as it was
    on_batch = [r for r in rows if r.batch_id == batch.id]
    assert len(on_batch) == 59 and (batch.lines, batch.total) == (59, 59 * 135000)
    assert len({r.line_no for r in on_batch}) == 59  # one line each (the skipped payment's number is a gap)
