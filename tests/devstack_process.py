"""`make run`'s process (scripts/devstack.py) started by a test: the stories and the devstack test share it."""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_devstack(
    var_dir: Path, base_port: int, env: dict[str, str], timeout: float = 180
) -> tuple[subprocess.Popen[str], list[str]]:
    """Start the four services without demo data and return once they print READY, with what they printed."""
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "devstack.py"),
            "--var-dir",
            str(var_dir),
            "--base-port",
            str(base_port),
            "--no-demo",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.strip() == "READY":
            return proc, lines
    proc.kill()
    raise AssertionError("the services did not become ready:\n" + "".join(lines))
