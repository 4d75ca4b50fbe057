"""The provincial dashboard: one call for every region, CSV, and the page rendered by headless Chromium from live
data (N§8)."""

import asyncio
import contextlib
import datetime as dt
import os
import re
import shutil
import socket
import zoneinfo

import pytest
import uvicorn

from fund_monitor.rules.uptake import last_whole_quarter
from insurance_shared.contracts import SocialInsuranceSubsidyPaid

PROVINCE = ("province",)
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


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
    assert [a["level"] for a in by["220100"]["open_alerts"]] == ["critical"]  # one current level per region
    assert by["220100"]["open_alerts"][0]["recipients"] == 3
    assert [x["title"] for x in by["220100"]["open_alerts"][0]["addressed_to"]] == [
        "统筹地区人民政府",
        "省劳动保障厅",
        "省社会保险公司",
    ]
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


CHROMIUM_ARGS = [  # as the machine's notes say: no background networking on a closed network
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.asynccontextmanager
async def live_page(app_factory, live_db):
    """The service on a free port and a headless Chromium page (Playwright driving Debian's chromium)."""
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed for this test (apt-get install chromium; .ci/run installs it)"
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app_factory(live_db), host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1400, "height": 1800}, timezone_id="Europe/London")
            page.base = f"http://127.0.0.1:{port}"
            page.said = []  # the page's console and uncaught errors, for a failing test's message
            page.on("console", lambda m: page.said.append(f"console {m.type}: {m.text}"))
            page.on("pageerror", lambda e: page.said.append(f"error: {e}"))
            try:
                yield page
            finally:
                if shots := os.environ.get("DASHBOARD_SCREENSHOTS"):  # to look at: DASHBOARD_SCREENSHOTS=/tmp/shots
                    await asyncio.to_thread(os.makedirs, shots, exist_ok=True)
                    name = re.sub(r"\W+", "_", os.environ.get("PYTEST_CURRENT_TEST", "page").split("::")[-1])
                    await page.screenshot(path=f"{shots}/{name}.png", full_page=True)
                await browser.close()
    finally:
        server.should_exit = True
        await task


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split()[1]


async def open_dashboard(page, token: str, state: str = "ready") -> None:
    await page.goto(f"{page.base}/dashboard#token={token}")
    try:
        await page.wait_for_function(f"document.body.dataset.state === '{state}'", timeout=30_000)
    except Exception as exc:
        now = await page.evaluate("[document.body.dataset.state, document.getElementById('error').textContent]")
        raise AssertionError(f"page {now}, said {page.said}") from exc


@pytest.mark.slow
async def test_page_tells_the_truth_in_chromium(app_factory, live_db, live_client, auth_headers, fm_live) -> None:
    """#26 item 3, against live data: one level per region; recipients by name; the capacity axes clipped with
    the 2- and 6-month lines; the month the fund runs out; Beijing time and "data as of"; the monitoring table;
    #22: the social-insurance subsidy's uptake per region, a region without any in a whole quarter flagged."""
    await seed(live_client, auth_headers, fm_live)
    _, quarter_end, quarter = last_whole_quarter(fm_live.THIS_MONTH)
    await fm_live.feed(
        SocialInsuranceSubsidyPaid(
            return_id=1,
            run_id=1,
            region="220100",
            month=f"{quarter_end:%Y-%m}",
            people=3,
            months=3,
            amount_fen=110_001,
            paid_on=fm_live.TODAY,
        )
    )
    overview = (await live_client.get("/dashboard/overview", headers=auth_headers(*PROVINCE, region="220000"))).json()
    async with live_page(app_factory, live_db) as page:
        await open_dashboard(page, token_of(auth_headers(*PROVINCE, region="220000")))
        tiles = await page.eval_on_selector_all(".tile", "ts => ts.map(t => [t.dataset.region, t.className])")
        assert len(tiles) == 9
        assert ["220100", "tile level-critical"] in tiles and ["220200", "tile level-ok"] in tiles
        assert "预警地区 (<2 个月) 1 · 关注地区 (<6 个月) 0" in await page.text_content("#summary")

        rows = await page.eval_on_selector_all("#alerts tbody tr", "rs => rs.map(r => r.innerText)")
        assert len(rows) == 1, rows  # one open alert, of the region's one current level
        assert "长春市" in rows[0] and "预警 (<2 个月)" in rows[0]
        for title in ("统筹地区人民政府", "省劳动保障厅", "省社会保险公司"):
            assert f"○ {title} 未确认" in rows[0]
        assert await page.query_selector("button[data-acknowledge]") is None  # a bare province token speaks for none

        # times in Beijing time whatever the browser's zone (the page runs in London here)
        raised = dt.datetime.fromisoformat(overview["regions"][0]["open_alerts"][0]["raised_at"])
        assert raised.astimezone(BEIJING).strftime("%Y/%m/%d %H:%M") in rows[0]
        as_of = await page.text_content("#as-of")
        assert "北京时间" in as_of and "每 60 秒自动刷新" in as_of
        assert re.search(r"数据截至 \d{4}/\d{2}/\d{2} \d{2}:\d{2}", as_of), as_of

        # the worst region is shown first: 220100's balance is below zero, so its fund has run out already
        assert await page.input_value("#region-select") == "220100"
        assert f"{fm_live.THIS_MONTH:%Y-%m} 基金余额用尽" in await page.text_content("#runs-out")
        trend = await page.inner_html("#trend-chart")
        assert "2 个月 (N§8)" in trend and "6 个月" in trend and "月 (上限 36)" in trend
        capacity = await page.inner_html("#capacity-chart")
        assert "2 个月 (N§8)" in capacity and "<path" in capacity

        # a region whose capacity is far above the axis: its line is clipped, its figure still said
        await page.select_option("#region-select", "220200")
        await page.wait_for_function("document.getElementById('runs-out').textContent.includes('不会用尽')")

        monitoring = await page.eval_on_selector_all(
            "#monitoring tbody tr", "rs => rs.map(r => [r.dataset.region, r.cells[0].innerText])"
        )
        assert len(monitoring) == 10 and monitoring[-1][1] == "全省"  # nine regions and the province
        assert "长春市" in [name for _, name in monitoring]

        subsidy = await page.eval_on_selector_all(
            "#subsidy tbody tr", "rs => Object.fromEntries(rs.map(r => [r.dataset.region, [r.className, r.innerText]]))"
        )
        assert len(subsidy) == 9
        assert subsidy["220100"][0] == "" and "1,100 元" in subsidy["220100"][1] and "未安排" in subsidy["220100"][1]
        assert subsidy["220200"][0] == "flagged" and "整季度未发放" in subsidy["220200"][1]
        assert f"{quarter} 整季度未发放者标记" in await page.text_content("#subsidy-note")


@pytest.mark.slow
async def test_a_recipient_acknowledges_from_the_page(app_factory, live_db, live_client, auth_headers, fm_live) -> None:
    """#26 item 3: a token that may acknowledge sees a button for its own recipient only; the click records it."""
    await seed(live_client, auth_headers, fm_live)
    labor = auth_headers("labor_department", "province", region="220000", sub="王处长")
    async with live_page(app_factory, live_db) as page:
        await open_dashboard(page, token_of(labor))
        buttons = await page.query_selector_all("button[data-acknowledge]")
        assert len(buttons) == 1  # the provincial labor department's line only
        await buttons[0].click()
        await page.wait_for_function(
            "document.querySelector('#alerts tbody tr').innerText.includes('✓ 省劳动保障厅 (王处长')"
        )
        assert await page.query_selector("button[data-acknowledge]") is None
        row = await page.text_content("#alerts tbody tr")
        assert "○ 省社会保险公司 未确认" in row
    alerts = (await live_client.get("/alerts?state=open", headers=labor)).json()["items"]
    by = {r["recipient"]: r for r in alerts[0]["recipients"]}
    assert by["provincial_labor_department"]["acknowledged_by"] == "王处长"
    assert by["provincial_social_insurance"]["acknowledged_at"] is None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "token", "said"),
    [
        ("expired", "expired", "令牌已过期"),
        ("malformed", "not-a-token", "令牌无效"),
        ("another system's", "foreign", "令牌无效"),
    ],
)
async def test_a_bad_token_asks_to_sign_in_again(app_factory, live_db, auth_headers, case, token, said) -> None:
    """#26 item 3: no "ready" over stale data, no raw library message: a sign-in-again message and the form."""
    tokens = {
        "expired": token_of(auth_headers(*PROVINCE, region="220000", ttl=dt.timedelta(seconds=-60))),
        "not-a-token": "not-a-token",
        "foreign": token_of(auth_headers(*PROVINCE, region="220000", secret="another-system-secret-0123456789abcdef")),
    }
    async with live_page(app_factory, live_db) as page:
        await open_dashboard(page, tokens[token], state="signed-out")
        message = await page.text_content("#error")
        assert message.startswith("登录已失效, 请重新输入访问令牌") and said in message, (case, message)
        assert "segments" not in message.lower() and "Traceback" not in message
        assert await page.is_visible("#login") and not await page.is_visible("#main")


@pytest.mark.slow
async def test_a_token_expiring_while_the_page_is_open_signs_out_instead_of_showing_stale_data(
    app_factory, live_db, live_client, auth_headers, fm_live
) -> None:
    await seed(live_client, auth_headers, fm_live)
    # the services allow 30 s of clock skew past exp: a token 18 s past it is still taken, and not 13 s later (12 s
    # for the page to load: a loaded CI machine once took more than the 3 s this test used to leave)
    short = token_of(auth_headers(*PROVINCE, region="220000", ttl=dt.timedelta(seconds=-18)))
    async with live_page(app_factory, live_db) as page:
        await open_dashboard(page, short)
        await asyncio.sleep(13)
        await page.evaluate("refresh().catch(failed)")  # what the minute's timer does
        await page.wait_for_function("document.body.dataset.state === 'signed-out'")
        assert "令牌已过期" in await page.text_content("#error")
        assert not await page.is_visible("#main")


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
    assert 'fund_monitor_open_alerts{level="early_warning"} 0.0' in text  # one current level per region
    assert 'fund_monitor_capacity_months{region="220100"} -1.33' in text
    assert 'fund_monitor_capacity_months{region="220200"} 20.0' in text
    assert 'fund_monitor_webhook_deliveries{state="failed"} 0.0' in text
