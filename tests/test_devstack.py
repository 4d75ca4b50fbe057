"""`make run`'s path, kept tested: the four services as real processes on the SQLite default."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE_PORT = 18101


@pytest.mark.slow
def test_devstack_starts_four_ready_services_and_stops_them(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "devstack.py"),
            "--var-dir",
            str(tmp_path),
            "--base-port",
            str(BASE_PORT),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.strip() == "READY":
                break
        assert lines and lines[-1].strip() == "READY", "".join(lines)
        for i, name in enumerate(["contributions", "claims", "layoff-reporting", "fund-monitor"]):
            r = httpx.get(f"http://127.0.0.1:{BASE_PORT + i}/readyz", timeout=5)
            assert r.status_code == 200, r.text
            assert r.json()["service"] == name
            assert (tmp_path / f"{name}.db").exists()
        assert any("/docs" in line for line in lines)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(lines) + out
    assert "stopped" in out
    for i in range(4):
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{BASE_PORT + i}/healthz", timeout=1)
