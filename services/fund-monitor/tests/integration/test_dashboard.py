"""The provincial dashboard: one call for every region, CSV, and the page rendered by headless Chromium from live
data (N§8)."""

import asyncio
import re
import shutil
import socket
import tempfile

import pytest
import uvicorn

PROVINCE = ("province",)


async def seed(client, auth_headers, fm) -> None:
    province = auth_headers(*PROVINCE, region="220000")
    for region, amount in (("220100", "100000.00"), ("220200", "9000000.00")):
        r = await client.post(
            f"/regions/{region}/opening-balance",
            json={"as_of": str(fm.month(-3)), "amount": amount},
            headers=province,
        )
        assert r.status_code == 201, r.text
    await fm.feed(
        *(fm.benefits("220100", fm.month(-i), 50_000) for i in range(3)),
        *(fm.benefits("220200", fm.month(-i), 500_000) for i in range(3)),
    )


async def test_overview_one_call_for_every_region(client, auth_headers, fm) -> None:
    await seed(client, auth_headers, fm)
    province = auth_headers(*PROVINCE, region="220000")
    r = await client.get("/dashboard/overview", headers=province)
    assert r.status_code == 200, r.text
    o = r.json()
    by = {x["region"]: x for x in o["regions"]}
    assert len(by) == 9 and "220000" not in by
    # 220100: 100,000 − 150,000 = −50,000; 150,000 spent over the four months since the fund opened: critical
    assert (by["220100"]["balance"], by["220100"]["capacity_months"], by["220100"]["level"]) == (
        "-50000.00",
        "-1.33",
        "critical",
    )
    assert sorted(a["level"] for a in by["220100"]["open_alerts"]) == ["critical", "early_warning"]
    assert by["220100"]["open_alerts"][0]["recipients"] == 3
    assert by["220200"]["level"] == "ok" and by["220200"]["capacity_months"] == "20.00"
    assert by["220300"]["level"] == "no_data" and by["220300"]["balance"] is None
    assert [p["month"] for p in by["220200"]["trend"]][-1] == f"{fm.THIS_MONTH:%Y-%m}"
    assert o["province"]["balance"] == "7450000.00" and o["province"]["regions_critical"] == 1

    city = (await client.get("/dashboard/overview", headers=auth_headers("social_insurance", region="220200"))).json()
    assert [x["region"] for x in city["regions"]] == ["220200"] and city["province"] is None

    csv = await client.get("/dashboard/overview.csv", headers=province)
    assert csv.status_code == 200 and csv.text.count("\r\n") == 10
    assert "220100,长春市," in csv.text


async def test_overview_follows_changes_at_once(client, auth_headers, fm) -> None:
    await seed(client, auth_headers, fm)
    province = auth_headers(*PROVINCE, region="220000")
    before = (await client.get("/dashboard/overview", headers=province)).json()
    again = (await client.get("/dashboard/overview", headers=province)).json()
    assert again["generated_at"] == before["generated_at"]  # answered from memory
    r = await client.post(
        "/regions/220200/income",
        json={"kind": "interest", "amount": "100.00", "booked_on": str(fm.TODAY), "reference": "c1"},
        headers=province,
    )
    assert r.status_code == 201
    after = (await client.get("/dashboard/overview", headers=province)).json()
    cc = {x["region"]: x for x in after["regions"]}["220200"]
    assert cc["balance"] == "7500100.00"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
async def test_page_renders_regions_and_charts_in_chromium(
    app_factory, live_db, live_client, auth_headers, fm_live
) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed for this test (apt-get install chromium; .ci/run installs it)"
    await seed(live_client, auth_headers, fm_live)
    app = app_factory(live_db)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        token = auth_headers(*PROVINCE, region="220000")["Authorization"].split()[1]
        with tempfile.TemporaryDirectory() as profile:
            proc = await asyncio.create_subprocess_exec(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=20000",
                "--dump-dom",
                f"http://127.0.0.1:{port}/dashboard#token={token}",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    finally:
        server.should_exit = True
        await task
    dom = out.decode()
    assert 'data-state="ready"' in dom, (dom[:2000], err.decode()[-2000:])
    tiles = re.findall(r'class="tile level-(\w+)" data-region="(\d+)"', dom)
    assert len(tiles) == 9
    assert ("critical", "220100") in tiles and ("ok", "220200") in tiles
    assert "长春市" in dom and "延边朝鲜族自治州" in dom
    capacity_chart = dom[dom.index('id="capacity-chart"') :]
    assert "<svg" in capacity_chart[:5000] and "<path" in capacity_chart  # ECharts drew the bars as SVG
    trend = dom[dom.index('id="trend-chart"') :]
    assert "<svg" in trend[:5000]
    alerts = dom[dom.index('id="alerts"') : dom.index("</table>", dom.index('id="alerts"'))]
    assert "长春市" in alerts and "预警 (&lt;2 个月)" in alerts


async def test_reading_the_overview_writes_nothing_the_month_turn_is_recomputed_in_the_background(
    client, auth_headers, fm, db
) -> None:
    """#18: a GET committed the month's turn (every region recomputed, alerts raised) on the first read of a month.
    Reading now writes nothing; a background task makes the turn (turn_month, every minute)."""
    from sqlalchemy import text

    from fund_monitor.funds.service import turn_month
    from fund_monitor.main import bus

    await seed(client, auth_headers, fm)
    last_month = fm.month(-1).isoformat()
    async with db.sessionmaker() as s:  # as if the month had just turned: every status is last month's
        await s.execute(text("UPDATE region_status SET as_of = :m"), {"m": fm.month(-1)})
        await s.commit()
    province = auth_headers(*PROVINCE, region="220000")
    assert (await client.get("/dashboard/overview", headers=province)).status_code == 200
    assert await fm.count(f"SELECT count(*) FROM region_status WHERE as_of = '{last_month}'") == 2  # untouched

    assert await turn_month(db, bus) is True
    assert await turn_month(db, bus) is False  # once: the regions are current now
    assert await fm.count(f"SELECT count(*) FROM region_status WHERE as_of = '{fm.THIS_MONTH.isoformat()}'") == 2


async def test_metrics_show_open_alerts_capacity_and_webhook_deliveries(client, auth_headers, fm) -> None:
    """#26 item 4: an operator alerts on these without reading the dashboard."""
    await seed(client, auth_headers, fm)
    text = (await client.get("/metrics")).text
    assert 'fund_monitor_open_alerts{level="critical"} 1.0' in text
    assert 'fund_monitor_open_alerts{level="early_warning"} 1.0' in text
    assert 'fund_monitor_capacity_months{region="220100"} -1.33' in text
    assert 'fund_monitor_capacity_months{region="220200"} 20.0' in text
    assert 'fund_monitor_webhook_deliveries{state="failed"} 0.0' in text
