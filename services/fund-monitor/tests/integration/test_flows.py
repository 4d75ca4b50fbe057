"""Fund flows from events into a double-entry journal; opening balances and hand-entered income; the monthly
view; bad input refused with nothing written (policy.md Fund monitoring 1; N§3(4))."""

import datetime as dt

from fund_monitor.consumers import handlers
from insurance_shared.contracts import (
    MedicalContributionsTransferred,
    MoneyCollected,
    MoneyCollectedV1,
    RemittanceMade,
    SubsidyPaid,
)
from insurance_shared.events import Inbox, Incoming

PROVINCE = ("province",)


async def opening(client, auth_headers, region="220100", amount="1000000.00", as_of=None):
    as_of = as_of or str(dt.date.today().replace(day=1) - dt.timedelta(days=400))
    return await client.post(
        f"/regions/{region}/opening-balance",
        json={"as_of": as_of, "amount": amount},
        headers=auth_headers(*PROVINCE, region="220000"),
    )


async def test_flows_from_events_balance_and_show_per_month(client, auth_headers, fm) -> None:
    paid_on = fm.month(-1) + dt.timedelta(days=9)
    collected = MoneyCollected(
        region=fm.CITY,
        fund="unemployment",
        principal_fen=500_000,
        late_fee_fen=1_000,
        collected_on=paid_on,
        payment_id=1,
    )
    pension = MoneyCollected(
        region=fm.CITY, fund="pension", principal_fen=9_000_000, late_fee_fen=0, collected_on=paid_on, payment_id=1
    )
    direct = MoneyCollected(
        region="220000",
        fund="unemployment",
        principal_fen=300_000,
        late_fee_fen=0,
        collected_on=paid_on,
        payment_id=2,
        via_province=True,
    )
    remit = RemittanceMade(home_region=fm.CITY, month="2026-10", amount_fen=300_000, remittance_id=5)
    subsidy = SubsidyPaid(claim_id=9, region=fm.CITY, kind="funeral", amount_fen=200_000, paid_on=paid_on)
    envs = await fm.feed(
        collected,
        pension,
        direct,
        fm.envelope(remit, fm.CITY, time=dt.datetime.combine(paid_on, dt.time(12), dt.UTC)),
        fm.benefits(fm.CITY, fm.month(-1), 3_000, claims=8),
        subsidy,
    )
    await fm.feed(*envs)  # redelivered: applied once

    province = auth_headers(*PROVINCE, region="220000")
    r = await client.get(f"/regions/{fm.CITY}/months", headers=province)
    assert r.status_code == 200, r.text
    (row,) = [m for m in r.json()["items"] if m["month"] == f"{fm.month(-1):%Y-%m}"]
    assert row["income"] == {"contributions": "5000.00", "late_fees": "10.00", "remittance": "3000.00"}
    assert row["expenditure"] == {"benefits": "3000.00", "funeral_subsidy": "2000.00"}
    assert row["closing_balance"] == "3010.00"
    assert row["capacity_months"] == "0.60"  # 3,010 ÷ 5,000 over a one-month-old fund

    tb = (await client.get("/journal/trial-balance", headers=province)).json()
    assert tb["balanced"] is True and tb["debits"] == tb["credits"]
    accounts = {a["account"]: a["balance"] for a in tb["accounts"]}
    assert accounts["fund:220100"] == "3010.00"
    assert accounts["clearing:province"] == "0.00"  # remitted in full
    assert not any(a.startswith("income:220100:pension") for a in accounts)  # the pension ledger is not ours
    assert await fm.count("SELECT count(*) FROM journal_entries") == 5

    journal = (await client.get(f"/journal?region={fm.CITY}", headers=province)).json()["items"]
    remittance = next(e for e in journal if e["kind"] == "remittance")
    assert {ln["account"]: ln["amount"] for ln in remittance["lines"]} == {
        "held_for_regions": "3000.00",
        "clearing:province": "-3000.00",
        "fund:220100": "3000.00",
        "income:220100:remittance": "-3000.00",
    }

    csv = await client.get(f"/regions/{fm.CITY}/months.csv", headers=province)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("\ufeffmonth,opening,income_contributions")
    assert f"{fm.month(-1):%Y-%m},0.00,5000.00" in csv.text


async def test_opening_balance_and_income(client, auth_headers, fm) -> None:
    r = await opening(client, auth_headers)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/journal/{r.json()['id']}"
    again = await opening(client, auth_headers)
    assert again.status_code == 409 and again.json()["code"] == "opening_balance_exists"

    city = auth_headers("social_insurance", region=fm.CITY)
    body = {"kind": "interest", "amount": "1250.00", "booked_on": str(fm.TODAY), "reference": "2026Q4"}
    r = await client.post(f"/regions/{fm.CITY}/income", json=body, headers=city)
    assert r.status_code == 201, r.text
    dup = await client.post(f"/regions/{fm.CITY}/income", json=body, headers=city)
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_reference"
    other = await client.post(f"/regions/{fm.OTHER_CITY}/income", json=body, headers=city)
    assert other.status_code == 403 and other.json()["code"] == "region_forbidden"

    status = (await client.get(f"/regions/{fm.CITY}/capacity", headers=city)).json()
    assert status["balance"] == "1001250.00" and status["level"] == "no_expenditure"
    assert status["criteria"][0]["clause"] == "N§8"


async def test_bad_input_is_refused_and_writes_nothing(client, auth_headers, fm) -> None:
    province = auth_headers(*PROVINCE, region="220000")
    cases = [
        ("/regions/229900/opening-balance", {"as_of": "2026-01-01", "amount": "1.00"}, province, 422, "path.region"),
        (
            "/regions/220100/opening-balance",
            {"as_of": str(fm.TODAY + dt.timedelta(days=1)), "amount": "1.00"},
            province,
            422,
            "body.as_of",
        ),
        ("/regions/220100/opening-balance", {"as_of": "2026-01-01", "amount": "-5.00"}, province, 422, "body.amount"),
        ("/regions/220100/opening-balance", {"as_of": "2026-01-01", "amount": "0"}, province, 422, "body.amount"),
        (
            "/regions/220100/opening-balance",
            {"as_of": "2026-01-01", "amount": "1.00"},
            auth_headers("social_insurance", region="220100"),
            403,
            None,
        ),
        (
            "/regions/220100/income",
            {"kind": "lottery", "amount": "1.00", "booked_on": "2026-01-01", "reference": "x"},
            province,
            422,
            "body.kind",
        ),
        (
            "/regions/220100/income",
            {"kind": "interest", "amount": "1.00", "booked_on": str(fm.TODAY + dt.timedelta(days=3)), "reference": "x"},
            province,
            422,
            "body.booked_on",
        ),
    ]
    for path, body, headers, status, field in cases:
        r = await client.post(path, json=body, headers=headers)
        assert r.status_code == status, (path, body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        if field:
            assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert await fm.count("SELECT count(*) FROM journal_entries") == 0

    future = f"{fm.month(1):%Y-%m}"
    r = await client.get(f"/regions/220100/months?to={future}", headers=province)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.to"
    assert r.json()["code"] == "future_month"
    r = await client.get("/regions/229900/months", headers=province)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path.region"
    r = await client.get("/regions/220200/months", headers=auth_headers("social_insurance", region="220100"))
    assert r.status_code == 404


async def test_a_payment_is_booked_once_however_often_it_is_announced(client, auth_headers, fm) -> None:
    # events are deduplicated by id; the journal also by the payment: the same payment announced again under new
    # event ids (twice in one run, beside a new payment) is booked once
    paid_on = fm.month(-1) + dt.timedelta(days=3)

    def collected(payment_id: int, fen: int, fee: int = 0) -> MoneyCollected:
        return MoneyCollected(
            region=fm.CITY,
            fund="unemployment",
            principal_fen=fen,
            late_fee_fen=fee,
            collected_on=paid_on,
            payment_id=payment_id,
        )

    await fm.feed(collected(7, 100_000))
    await fm.feed(collected(7, 100_000), collected(8, 50_000, 500), collected(7, 100_000))
    assert await fm.count("SELECT count(*) FROM journal_entries") == 2
    r = await client.get(f"/regions/{fm.CITY}/months", headers=auth_headers(*PROVINCE, region="220000"))
    (row,) = [m for m in r.json()["items"] if m["month"] == f"{fm.month(-1):%Y-%m}"]
    assert row["income"] == {"contributions": "1500.00", "late_fees": "5.00"}
    assert row["closing_balance"] == "1505.00"


async def test_a_late_fee_is_booked_once_in_either_form_of_the_event(client, auth_headers, fm) -> None:
    """#20 defect 1: a unit owed 120.00 of unemployment contributions and 11.28 of late fee on them and paid both;
    the fund received 131.28. The v1 event said amount 131.28 (fee included), fee 11.28, and was booked as 142.56."""
    paid_on = fm.month(-1) + dt.timedelta(days=5)
    as_contributions_sent_it = MoneyCollectedV1(
        region=fm.CITY,
        fund="unemployment",
        amount_fen=13_128,
        late_fee_fen=1_128,
        collected_on=paid_on,
        payment_id=41,
    )
    v2 = MoneyCollected(
        region=fm.CITY,
        fund="unemployment",
        principal_fen=12_000,
        late_fee_fen=1_128,
        collected_on=paid_on,
        payment_id=42,
    )
    await fm.feed(as_contributions_sent_it, v2)
    province = auth_headers(*PROVINCE, region="220000")
    journal = (await client.get(f"/journal?region={fm.CITY}", headers=province)).json()["items"]
    for entry in journal:
        assert {ln["account"]: ln["amount"] for ln in entry["lines"]} == {
            "fund:220100": "131.28",
            "income:220100:contributions": "-120.00",
            "income:220100:late_fees": "-11.28",
        }
    assert len(journal) == 2
    months = (await client.get(f"/regions/{fm.CITY}/months", headers=province)).json()["items"]
    (row,) = [m for m in months if m["month"] == f"{paid_on:%Y-%m}"]
    assert row["income"] == {"contributions": "240.00", "late_fees": "22.56"}


async def test_every_months_medical_subsidy_of_a_claim_is_booked(client, auth_headers, fm) -> None:
    """#20 defect 2: claims pays a claim one medical subsidy a month; each is its own expenditure. Keyed by the
    claim, every month after the first was skipped."""
    months = [fm.month(-3), fm.month(-2), fm.month(-1)]
    await fm.feed(
        *(
            SubsidyPaid(claim_id=9, region=fm.CITY, kind="medical", amount_fen=10_000, paid_on=m, payment_id=100 + i)
            for i, m in enumerate(months)
        ),
        # an event from before payments were named: keyed by claim, kind and month, so it is not lost either
        SubsidyPaid(claim_id=10, region=fm.CITY, kind="medical", amount_fen=5_000, paid_on=months[0]),
        SubsidyPaid(claim_id=10, region=fm.CITY, kind="medical", amount_fen=5_000, paid_on=months[1]),
    )
    assert await fm.count("SELECT count(*) FROM journal_entries") == 5
    province = auth_headers(*PROVINCE, region="220000")
    rows = {m["month"]: m for m in (await client.get(f"/regions/{fm.CITY}/months", headers=province)).json()["items"]}
    assert [rows[f"{m:%Y-%m}"]["expenditure"]["medical_subsidy"] for m in months] == ["150.00", "150.00", "100.00"]


async def test_medical_insurance_contributions_are_their_own_expenditure_booked_once(client, auth_headers, fm) -> None:
    """#21 item 5 (SIL48): the fund pays its beneficiaries' basic medical-insurance contributions; fund-monitor books
    each approved transfer once, in the month it is for, as expenditure ``medical_insurance``, apart from the R19
    medical subsidy."""
    month = fm.month(-1)
    transfer = MedicalContributionsTransferred(
        transfer_id=5,
        run_id=3,
        region=fm.CITY,
        month=f"{month:%Y-%m}",
        beneficiaries=40,
        per_person_fen=12_000,
        amount_fen=480_000,
        clause="SIL48",
    )
    await fm.feed(transfer)
    await fm.feed(transfer)  # delivered again (a redelivery, another envelope): booked once
    assert await fm.count("SELECT count(*) FROM journal_entries WHERE source = 'claims:medical:5'") == 1
    province = auth_headers(*PROVINCE, region="220000")
    rows = {m["month"]: m for m in (await client.get(f"/regions/{fm.CITY}/months", headers=province)).json()["items"]}
    assert rows[f"{month:%Y-%m}"]["expenditure"] == {"medical_insurance": "4800.00"}


async def test_an_event_dated_before_the_law_is_parked_not_booked(client, auth_headers, fm, db) -> None:
    """#20 defect 3: a payment dated in the year 1398 was booked, and every journal page holding it answered 500.
    Such an event is parked as a dead letter with the reason; the books and their pages stay whole."""
    ancient = MoneyCollected(
        region=fm.CITY,
        fund="unemployment",
        principal_fen=4_000,
        late_fee_fen=0,
        collected_on=dt.date(1398, 8, 12),
        payment_id=77,
    )
    fine = MoneyCollected(
        region=fm.CITY,
        fund="unemployment",
        principal_fen=4_000,
        late_fee_fen=0,
        collected_on=fm.month(-1),
        payment_id=78,
    )
    inbox = Inbox(db, handlers, max_attempts=1, backoff_seconds=0)
    await inbox.apply("contributions", [Incoming(fm.envelope(ancient, "220100:unemployment"))])
    await inbox.apply("contributions", [Incoming(fm.envelope(fine, "220100:unemployment:other"))])
    assert await fm.count("SELECT count(*) FROM journal_entries") == 1
    assert await fm.count("SELECT count(*) FROM dead_letters WHERE error LIKE '%1398-08-12%before 2005-01-01%'") == 1
    province = auth_headers(*PROVINCE, region="220000")
    r = await client.get(f"/journal?region={fm.CITY}", headers=province)
    assert r.status_code == 200 and len(r.json()["items"]) == 1
    months = (await client.get(f"/regions/{fm.CITY}/months", headers=province)).json()["items"]
    assert min(m["month"] for m in months) >= "2005-01"
