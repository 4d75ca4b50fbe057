"""`make run`'s path, kept tested: the four services as real processes on the SQLite default."""

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from .devstack_process import start_devstack

ROOT = Path(__file__).resolve().parent.parent
BASE_PORT = 18101


def _events_cross_processes() -> None:
    """A unit registered and a person enrolled in contributions reach layoff-reporting over the feed."""
    from insurance_shared.auth import issue_token
    from insurance_shared.settings import DEV_JWT_SECRET

    h = {"Authorization": "Bearer " + issue_token(DEV_JWT_SECRET, sub="t", region="220100", roles=["social_insurance"])}
    unit = {
        "credit_code": "91220101MA0Y3XXK87",
        "name": "一汽配套",
        "kind": "enterprise",
        "region": "220100",
        "declared_staff": 9,
    }
    assert httpx.post(f"http://127.0.0.1:{BASE_PORT}/units", json=unit, headers=h).status_code == 201
    person = {
        "id_number": "11010519491231002X",
        "name": "张三",
        "unit_credit_code": unit["credit_code"],
        "start_date": "2025-01-01",
        "wage": "5000.00",
    }
    assert httpx.post(f"http://127.0.0.1:{BASE_PORT}/persons/enrolments", json=person, headers=h).status_code == 201
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:
        r = httpx.get(f"http://127.0.0.1:{BASE_PORT + 2}/units/{unit['credit_code']}/workforce", headers=h)
        if r.status_code == 200 and r.json()["active_insured"] == 1:
            return
        time.sleep(0.1)
    raise AssertionError(f"layoff-reporting did not see the enrolment within 10 s: {r.status_code} {r.text}")


@pytest.mark.slow
def test_devstack_starts_four_ready_services_and_stops_them(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    proc, lines = start_devstack(tmp_path, BASE_PORT, env, timeout=120)
    try:
        for i, name in enumerate(["contributions", "claims", "layoff-reporting", "fund-monitor"]):
            r = httpx.get(f"http://127.0.0.1:{BASE_PORT + i}/readyz", timeout=5)
            assert r.status_code == 200, r.text
            assert r.json()["service"] == name
            assert (tmp_path / f"{name}.db").exists()
        assert any("/docs" in line for line in lines)
        _events_cross_processes()
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(lines) + out
    assert "stopped" in out
    for i in range(4):
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{BASE_PORT + i}/healthz", timeout=1)
