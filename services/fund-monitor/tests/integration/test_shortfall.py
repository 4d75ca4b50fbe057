"""Shortfall plans (N§4): the gap of a year covered from the sources in the statutory order; the adjustment-fund
part carried out as a real journal movement between the province's and the region's funds."""

import datetime as dt

PROVINCE = ("province",)


async def test_plan_and_adjustment_transfer(client, auth_headers, fm) -> None:
    province = auth_headers(*PROVINCE, region="220000")
    year = fm.TODAY.year
    last_year_day = dt.date(year - 1, 12, 1)
    # 200,000 left from last year; this year 50,000 in and 500,000 out: a shortfall of 450,000
    r = await client.post(
        "/regions/220100/opening-balance", json={"as_of": str(last_year_day), "amount": "200000.00"}, headers=province
    )
    assert r.status_code == 201, r.text
    await fm.feed(fm.benefits("220100", dt.date(year, 1, 1), 500_000))
    r = await client.post(
        "/regions/220100/income",
        json={"kind": "interest", "amount": "50000.00", "booked_on": f"{year}-01-15", "reference": "y-int"},
        headers=province,
    )
    assert r.status_code == 201, r.text

    body = {
        "year": year,
        "available": {
            "provincial_adjustment_fund": "150000.00",
            "state_asset_income": "30000.00",
            "local_fiscal_subsidy": "20000.00",
            "bank_loan": "10000.00",
        },
    }
    r = await client.post("/regions/220100/shortfall-plans", json=body, headers=province)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert (plan["income"], plan["expenditure"], plan["gap"]) == ("50000.00", "500000.00", "450000.00")
    assert [(ln["source"], ln["drawn"]) for ln in plan["lines"]] == [
        ("rolling_balance", "200000.00"),  # the fund's balance at the start of the year
        ("provincial_adjustment_fund", "150000.00"),
        ("state_asset_income", "30000.00"),
        ("local_fiscal_subsidy", "20000.00"),
        ("bank_loan", "10000.00"),
    ]
    assert plan["uncovered"] == "40000.00"
    assert {c["clause"] for c in plan["criteria"]} == {"N§4"}

    # the adjustment fund holds nothing yet
    pid = plan["id"]
    r = await client.post(f"/shortfall-plans/{pid}/adjustment-transfer", headers=province)
    assert r.status_code == 409 and r.json()["code"] == "insufficient_adjustment_fund"
    r = await client.post(
        "/regions/220000/opening-balance", json={"as_of": str(last_year_day), "amount": "1000000.00"}, headers=province
    )
    assert r.status_code == 201, r.text
    before = (await client.get("/regions/220100/capacity", headers=province)).json()["balance"]
    r = await client.post(f"/shortfall-plans/{pid}/adjustment-transfer", headers=province)
    assert r.status_code == 201, r.text
    assert r.json()["transfer_entry_id"] is not None
    after = (await client.get("/regions/220100/capacity", headers=province)).json()["balance"]
    assert float(after) - float(before) == 150_000
    overview = (await client.get("/dashboard/overview", headers=province)).json()
    assert overview["province"]["adjustment_fund"] == "850000.00"
    again = await client.post(f"/shortfall-plans/{pid}/adjustment-transfer", headers=province)
    assert again.status_code == 409 and again.json()["code"] == "already_transferred"
    tb = (await client.get("/journal/trial-balance", headers=province)).json()
    assert tb["balanced"] is True


async def test_shortfall_bad_input(client, auth_headers, fm) -> None:
    province = auth_headers(*PROVINCE, region="220000")
    await fm.feed(fm.benefits("220100", fm.THIS_MONTH, 1_000))
    year = fm.TODAY.year
    cases = [
        ("/regions/229900/shortfall-plans", {"year": year}, province, 422, "path.region"),
        ("/regions/220100/shortfall-plans", {"year": year + 1}, province, 422, "body.year"),
        (
            "/regions/220100/shortfall-plans",
            {"year": year, "available": {"bank_loan": "-1.00"}},
            province,
            422,
            "body.available.bank_loan",
        ),
        (
            "/regions/220100/shortfall-plans",
            {"year": year, "available": {"rolling_balance": "5.00"}},
            province,
            422,
            "body.available.rolling_balance",
        ),
        (
            "/regions/220100/shortfall-plans",
            {"year": year, "available": {"lottery": "5.00"}},
            province,
            422,
            "body.available.lottery",
        ),
        (
            "/regions/220100/shortfall-plans",
            {"year": year},
            auth_headers("social_insurance", region="220100"),
            403,
            None,
        ),
    ]
    for path, body, headers, status, field in cases:
        r = await client.post(path, json=body, headers=headers)
        assert r.status_code == status, (body, r.text)
        if field:
            assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert await fm.count("SELECT count(*) FROM shortfall_plans") == 0
    r = await client.post("/regions/220200/shortfall-plans", json={"year": year}, headers=province)
    assert r.status_code == 409 and r.json()["code"] == "no_shortfall"
