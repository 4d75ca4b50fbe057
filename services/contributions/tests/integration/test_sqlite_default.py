"""The embedded default (`make run`): the whole contribution flow on SQLite, through the API."""

import httpx
import pytest

from contributions.declarations import columnar
from contributions.main import create_app
from contributions.settings import Settings
from insurance_shared.db import Database
from insurance_shared.migrations import upgrade

from ..helpers import CITY, declare, enrol, months_ago, resident_id, unit


@pytest.mark.parametrize("small_upload", [columnar.SMALL_UPLOAD, 0], ids=["line_by_line", "in_columns"])
async def test_declare_pay_and_history_on_sqlite(tmp_path, auth_headers, monkeypatch, small_upload) -> None:
    monkeypatch.setattr(columnar, "SMALL_UPLOAD", small_upload)  # 0: the 60-line upload goes in columns
    url = f"sqlite+aiosqlite:///{tmp_path / 'contributions.db'}"
    upgrade("contributions", url)
    db = Database(url)
    app = create_app(settings=Settings(database_url=url, background_tasks=False), database=db)
    h = auth_headers(*CITY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        code = await unit(c, h)
        for n in range(1, 61):  # enough lines for the bulk paths
            await enrol(c, h, code, n)
        body = "id_number,base\n" + "".join(f"{resident_id(n)},5000.00\n" for n in range(1, 61))
        r = await c.post(
            f"/units/{code}/declarations/bulk?period={months_ago(2)}",
            content=body.encode(),
            headers={**h, "content-type": "text/csv"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["total"] == "93000.00"
        assert (await declare(c, h, code, months_ago(1), {1: "5000"})).status_code == 201
        pay = await c.post(f"/units/{code}/payments", json={"amount": "120000.00"}, headers=h)  # late fees included
        assert pay.status_code == 201, pay.text
        history = (await c.get(f"/persons/{resident_id(1)}/history", headers=h)).json()
        assert history["paid_months_total"] == 2
        tb = (await c.get("/ledger/trial-balance", headers=auth_headers("province", region="220000"))).json()
        assert tb["balanced"] and tb["debit"] > 0
        events = (await c.get("/events?limit=2000", headers=auth_headers("service", region="220000"))).json()["events"]
        paid = [e["event"]["data"] for e in events if e["event"]["type"] == "contributions.period_paid.v2"]
        assert sorted(len(p["people"]) for p in paid) == [1, 60]
    await db.dispose()
