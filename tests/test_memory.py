"""A service gives its memory back after the largest JSON body it accepts (#24 defect 3): a 53 MB body once left
~330 MB of the process's memory unreturned. The body limit is 16 MiB now, and after a request that large the freed
heap is handed back (insurance_shared.limits). Measured on a real process (its RSS from /proc), on SQLite."""

import json
import time
from pathlib import Path

import httpx
import pytest

from insurance_shared.auth import issue_token
from insurance_shared.settings import DEV_JWT_SECRET

from .service_process import on_sqlite, serve, wait_ready

pytestmark = pytest.mark.slow

PORT = 18611


def rss_mib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS")


def test_rss_returns_within_a_fifth_after_the_largest_json_bodies(tmp_path) -> None:
    env = on_sqlite("contributions", tmp_path, BACKGROUND_TASKS="false", LOG_LEVEL="ERROR")
    proc = serve("contributions", PORT, env)
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_ready(proc, PORT)
        token = issue_token(DEV_JWT_SECRET, sub="mem", region="220100", roles=["social_insurance"])
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        url = base + "/units/91220101MA0Y3XXK87/declarations"
        line = {"id_number": "11010519491231002X", "base": "4000.00"}
        with httpx.Client(timeout=120) as client:
            small = json.dumps({"period": "2026-10", "lines": [line]}).encode()
            for _ in range(20):  # warm: the code paths of a declaration loaded, the pools filled
                client.post(url, content=small, headers=headers)
            start = rss_mib(proc.pid)
            lines = (16 * 1024 * 1024 - 100) // (len(json.dumps(line)) + 2)
            big = json.dumps({"period": "2026-10", "lines": [line] * lines}).encode()
            assert 15 * 1024 * 1024 < len(big) <= 16 * 1024 * 1024  # the largest a JSON body may be
            for _ in range(3):
                r = client.post(url, content=big, headers=headers)
                assert r.status_code == 422, r.text[:300]  # read whole, parsed, validated: then refused
            time.sleep(1)
            after = rss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert after <= start * 1.2, f"RSS {start} MiB before, {after} MiB after three 16 MiB bodies"
