"""Re-employment funds (N§6): a fund of its own per region, apart from the unemployment-insurance fund; allocations
by hand, subsidy spending from claims' events (once per run), uptake per region in monitoring and CSV, and the flag
for a region that paid no subsidy in a whole quarter."""

import csv
import datetime as dt
import io

from fund_monitor.rules.months import format_month
from fund_monitor.rules.uptake import last_whole_quarter
from insurance_shared.contracts import SocialInsuranceSubsidyPaid

PROVINCE = ("province",)


def run(run_id: int, region: str, month, amount_fen: int, people: int = 3) -> SocialInsuranceSubsidyPaid:
    # today read when called, not when this module is imported: TEST_TODAY moves the clock (make test-dates)
    return SocialInsuranceSubsidyPaid(
        return_id=run_id,
        run_id=run_id,
        region=region,
        month=format_month(month),
        people=people,
        months=people,
        amount_fen=amount_fen,
        paid_on=dt.date.today(),
    )


async def test_uptake_per_region_flag_and_nothing_in_the_unemployment_fund(client, auth_headers, fm) -> None:
    TODAY = dt.date.today()
    THIS_MONTH = TODAY.replace(day=1)
    province = auth_headers(*PROVINCE, region="220000")
    bad = await client.post(
        "/reemployment-funds/220100/allocations",
        json={"year": TODAY.year, "amount": "0.00", "reference": "x"},
        headers=province,
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "amount_zero")
    city = await client.post(
        "/reemployment-funds/220100/allocations",
        json={"year": TODAY.year, "amount": "10000.00", "reference": "吉财社〔2026〕12号"},
        headers=auth_headers("social_insurance"),
    )
    assert city.status_code == 403  # the province allocates
    ok = await client.post(
        "/reemployment-funds/220100/allocations",
        json={"year": TODAY.year, "amount": "10000.00", "reference": "吉财社〔2026〕12号"},
        headers=province,
    )
    assert ok.status_code == 201, ok.text

    _, q_last, label = last_whole_quarter(THIS_MONTH)
    # 220100 paid in the last whole quarter (the same return delivered twice is booked once); 220200 did not
    first = run(1, "220100", q_last, 110_001)
    await fm.feed(first, first, run(2, "220100", THIS_MONTH, 40_000, people=1), run(3, "220200", THIS_MONTH, 5_000))
    r = await client.get("/reemployment-funds", headers=province)
    assert r.status_code == 200, r.text
    by = {x["region"]: x for x in r.json()["regions"]}
    assert len(by) == 9
    a, b = by["220100"], by["220200"]
    spent_this_year = 40_000 + (110_001 if q_last.year == TODAY.year else 0)
    assert (a["budget"], a["spent"], a["people_last_run"], a["quarter"]) == (
        "10000.00",
        f"{spent_this_year / 100:.2f}",
        1,
        label,
    )
    assert a["budget_used"] == f"{spent_this_year / 1_000_000:.4f}"
    assert (a["uptake_zero"], a["uptake"]["clause"], a["quarter_amount"]) == (False, "N§6 ¶2", "1100.01")
    assert (b["uptake_zero"], b["budget_used"], b["uptake"]["met"]) == (True, None, False)
    assert "reduced" in b["uptake"]["explanation"]

    # in monitoring, per region, and in its CSV
    m = (await client.get("/monitoring", headers=province)).json()
    mon = {x["region"]: x for x in m["regions"]}
    assert mon["220200"]["si_subsidy"]["uptake_zero"] is True and m["province"]["si_subsidy"] is None
    rows = list(
        csv.DictReader(io.StringIO((await client.get("/monitoring.csv", headers=province)).text.lstrip("\ufeff")))
    )
    assert {r["region"]: r["si_subsidy_uptake_zero"] for r in rows}["220200"] == "True"
    exported = list(
        csv.DictReader(
            io.StringIO((await client.get("/reemployment-funds.csv", headers=province)).text.lstrip("\ufeff"))
        )
    )
    assert {r["region"]: (r["budget_fen"], r["uptake_zero"]) for r in exported}["220100"] == ("1000000", "False")

    # the subsidy is not the unemployment-insurance fund's money: no journal entry, no capacity change
    assert await fm.count("SELECT count(*) FROM journal_entries WHERE source LIKE '%subsidy_run%'") == 0
    # a city reads its own region only
    own = (await client.get("/reemployment-funds", headers=auth_headers("social_insurance"))).json()
    assert [x["region"] for x in own["regions"]] == ["220100"]
