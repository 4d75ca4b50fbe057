"""/reconciliation against the books on PostgreSQL. The sources' ``GET /totals`` answers are served by a stand-in
transport here (the contract's models, built from lists in the test); the whole-system stories reconcile against the
real contributions and claims."""

import datetime as dt

import httpx
import pytest

from insurance_shared.contracts import MoneyCollected, SubsidyPaid, Totals, TotalsItem, summed

PROVINCE = ("province",)


class Sources:
    """What contributions and claims say they moved; edited by the test between checks."""

    def __init__(self) -> None:
        self.items: dict[str, list[TotalsItem]] = {"contributions": [], "claims": []}

    def handler(self, request: httpx.Request) -> httpx.Response:
        source = request.url.host
        first, last = request.url.params["from"], request.url.params["to"]
        found = [i for i in self.items[source] if first <= i.month <= last]
        body = Totals(source=source, from_month=first, to_month=last, region=None, sums=summed(found), items=found)
        return httpx.Response(200, content=body.model_dump_json(), headers={"content-type": "application/json"})


@pytest.fixture
async def reconciling(app_factory, db):
    sources = Sources()
    app = app_factory(
        db, peers={"contributions": "http://contributions", "claims": "http://claims"}, dashboard_cache_seconds=0
    )
    app.state.peer_client = httpx.AsyncClient(transport=httpx.MockTransport(sources.handler))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c, sources
    await app.state.peer_client.aclose()


async def test_differences_are_named_alerted_and_cleared_when_corrected(reconciling, auth_headers, fm) -> None:
    client, sources = reconciling
    month = fm.month(-1)
    m = f"{month:%Y-%m}"
    paid_on = month + dt.timedelta(days=4)
    payment = MoneyCollected(
        region=fm.CITY,
        fund="unemployment",
        principal_fen=12_000,
        late_fee_fen=1_128,
        collected_on=paid_on,
        payment_id=41,
    )
    subsidy = SubsidyPaid(claim_id=9, region=fm.CITY, kind="medical", amount_fen=35_000, paid_on=paid_on, payment_id=93)
    sources.items["contributions"] = [
        TotalsItem(
            key="contributions:payment:41:unemployment",
            region=fm.CITY,
            month=m,
            kind="contributions",
            amount_fen=12_000,
        ),
        TotalsItem(
            key="contributions:payment:41:unemployment", region=fm.CITY, month=m, kind="late_fees", amount_fen=1_128
        ),
    ]
    sources.items["claims"] = [
        TotalsItem(key="claims:payment:93", region=fm.CITY, month=m, kind="medical_subsidy", amount_fen=35_000)
    ]
    await fm.feed(payment, subsidy)
    province = auth_headers(*PROVINCE, region="220000")
    ok = await client.get(f"/reconciliation?from={m}&to={m}", headers=province)
    assert ok.status_code == 200, ok.text
    assert ok.json()["balanced"] is True and ok.json()["differences"] == []
    assert {(s["kind"], s["booked"], s["source"]) for s in ok.json()["sums"]} == {
        ("contributions", "120.00", "120.00"),
        ("late_fees", "11.28", "11.28"),
        ("medical_subsidy", "350.00", "350.00"),
    }

    # planted: a payment fund-monitor booked that contributions never made, and a second subsidy claims paid that
    # never reached the books
    await fm.feed(
        MoneyCollected(
            region=fm.CITY,
            fund="unemployment",
            principal_fen=5_000,
            late_fee_fen=0,
            collected_on=paid_on,
            payment_id=999,
        )
    )
    second = SubsidyPaid(claim_id=9, region=fm.CITY, kind="medical", amount_fen=35_000, paid_on=paid_on, payment_id=94)
    sources.items["claims"].append(
        TotalsItem(key="claims:payment:94", region=fm.CITY, month=m, kind="medical_subsidy", amount_fen=35_000)
    )
    r = await client.get(f"/reconciliation?from={m}&to={m}&region={fm.CITY}", headers=province)
    found = {(d["problem"], d["key"]) for d in r.json()["differences"]}
    assert r.json()["balanced"] is False
    assert found == {("unexpected", "contributions:payment:999:unemployment"), ("missing", "claims:payment:94")}
    assert await fm.count("SELECT count(*) FROM reconciliation_alerts") == 0  # the GET wrote nothing

    checked = await client.post("/reconciliation/checks", json={"from": m, "to": m}, headers=province)
    assert checked.status_code == 200, checked.text
    assert (checked.json()["raised"], checked.json()["closed"]) == (1, 0)
    (alert,) = (await client.get("/reconciliation/alerts", headers=province)).json()
    assert (alert["region"], alert["month"], alert["state"], alert["differences"]) == (fm.CITY, m, "open", 2)
    assert await fm.count("SELECT count(*) FROM outbox WHERE type = 'fund_monitor.reconciliation_mismatch.v1'") == 1
    city = auth_headers("labor_department", region="220200")
    assert (await client.get("/reconciliation/alerts", headers=city)).json() == []  # another region's: not shown
    overview = (await client.get("/dashboard/overview", headers=province)).json()
    assert overview["province"]["reconciliation_mismatches"] == 1
    (shown,) = {r["region"]: r for r in overview["regions"]}[fm.CITY]["reconciliation_mismatches"]
    assert (shown["month"], shown["differences"]) == (m, 2)

    # corrected: the lost subsidy is applied, and contributions confirms the payment after all (a late return file)
    await fm.feed(second)
    sources.items["contributions"].append(
        TotalsItem(
            key="contributions:payment:999:unemployment",
            region=fm.CITY,
            month=m,
            kind="contributions",
            amount_fen=5_000,
        )
    )
    again = await client.post("/reconciliation/checks", json={"from": m, "to": m}, headers=province)
    assert (again.json()["raised"], again.json()["closed"], again.json()["report"]["balanced"]) == (0, 1, True)
    assert (await client.get("/reconciliation/alerts", headers=province)).json() == []
    overview = (await client.get("/dashboard/overview", headers=province)).json()
    assert overview["province"]["reconciliation_mismatches"] == 0
    assert await fm.count("SELECT count(*) FROM outbox WHERE type = 'fund_monitor.reconciliation_cleared.v1'") == 1


async def test_a_source_that_cannot_be_asked_is_a_503_not_a_guess(client, auth_headers) -> None:
    r = await client.get("/reconciliation?from=2026-10&to=2026-11", headers=auth_headers("province", region="220000"))
    assert r.status_code == 503 and r.json()["code"] == "source_not_configured"
    bad = await client.get("/reconciliation?from=2026-11&to=2026-10", headers=auth_headers("province", region="220000"))
    assert bad.status_code == 422 and bad.json()["code"] == "range_reversed"
