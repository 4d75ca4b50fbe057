"""One of our services started by a test as production starts it (``python -m <package> serve``), in a process of
its own, and waited for until it answers. The tests that need a real process (a signal, a socket, its memory, a
kill -9, replicas) share this, so a service that fails to start fails the test with its exit code and its log."""

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent


def on_sqlite(package: str, directory: Path, **settings: str) -> dict[str, str]:
    """The environment of ``package`` on a migrated SQLite database of its own in ``directory`` (the embedded
    default), with ``settings`` by their names without the service's prefix: ``LOG_LEVEL="WARNING"``."""
    prefix = package.upper()
    env = {
        **os.environ,
        f"{prefix}_DATABASE_URL": f"sqlite+aiosqlite:///{directory}/{package}.db",
        **{f"{prefix}_{name}": value for name, value in settings.items()},
    }
    subprocess.run([sys.executable, "-m", package, "migrate"], env=env, check=True, capture_output=True)
    return env


def serve(
    package: str, port: int, env: dict[str, str], *, output: IO[bytes] | int | None = None
) -> subprocess.Popen[bytes]:
    """``package`` (``claims``, ``fund_monitor``, ...) serving on 127.0.0.1:``port``; ``output`` takes its stdout
    and stderr (a file the failure message then quotes; by default the test's own)."""
    return subprocess.Popen(
        [sys.executable, "-m", package, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
    )


def wait_ready(
    proc: subprocess.Popen[bytes], port: int, *, path: str = "/readyz", timeout: float = 60, log: Path | None = None
) -> None:
    """Return once ``path`` answers 200; fail at once if the process exits, or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the service on {port} exited ({proc.returncode}){_tail(log)}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"the service on {port} did not answer {path} in {timeout:.0f} s{_tail(log)}")


def _tail(log: Path | None) -> str:
    return f":\n{log.read_text(errors='replace')[-3000:]}" if log is not None and log.exists() else ""
