"""Helpers the benchmarks share: throw-away PostgreSQL databases, a free port, medians."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

import httpx

from insurance_shared.pii import Keyring
from insurance_shared.testing.fixtures import drop_test_database

CONCURRENCY = 16
# the keys the services run on in a bench (development settings): rows seeded straight into tables are keyed and
# sealed with them, as the services store them (#25)
DEV_KEYS = Keyring.development_keyring()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def report(name: str, ours: list[float], baseline: list[float], unit: str) -> None:
    ratios = [o / b for o, b in zip(ours, baseline, strict=True)]
    print(
        f"{name}: {median(ours):,.0f} {unit} (median of {len(ours)}: {', '.join(f'{x:,.0f}' for x in ours)}); "
        f"baseline {median(baseline):,.0f} {unit}; ratio {median(ratios):.2g} "
        f"(per run: {', '.join(f'{r:.2g}' for r in ratios)})",
        flush=True,
    )


async def wrk(
    url: str,
    headers: dict,
    seconds: float,
    concurrency: int = CONCURRENCY,
    *,
    paths: Sequence[str] = (),
    bodies: Sequence[dict] = (),
) -> float:
    """Requests per second measured by wrk (Debian's package), which costs far less CPU per request than a
    Python client and so measures the server rather than the client. ``paths``: GET each in turn (on ``url``'s
    host); ``bodies``: POST each in turn as JSON to ``url``. Any answer but 2xx/3xx stops the benchmark."""
    args = ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{seconds:.0f}s"]
    for k, v in {**headers, **({"Content-Type": "application/json"} if bodies else {})}.items():
        args += ["-H", f"{k}: {v}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_wrk_script(paths, bodies))
    try:
        proc = await asyncio.create_subprocess_exec(
            *args, "-s", script.name, url, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        out, err = await proc.communicate()
    finally:
        os.unlink(script.name)
    text = out.decode()
    if proc.returncode or "Non-2xx" in text or "Socket errors" in text:
        raise RuntimeError(f"wrk {url}: {text} {err.decode()}")
    return float(next(line.split()[1] for line in text.splitlines() if line.startswith("Requests/sec")))


def _wrk_script(paths: Sequence[str], bodies: Sequence[dict]) -> str:
    """A wrk Lua script sending each path (GET) or each body (POST) in turn; each wrk thread starts elsewhere."""

    def table(items: Sequence[str]) -> str:
        return "{" + ",".join(f"[==[{item}]==]" for item in items) + "}"

    return (
        f"local paths = {table(paths)}\n"
        f"local bodies = {table([json.dumps(b, ensure_ascii=False) for b in bodies])}\n"
        "local n = math.random(1, 1000)\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  if #bodies > 0 then return wrk.format('POST', nil, nil, bodies[n % #bodies + 1]) end\n"
        "  if #paths > 0 then return wrk.format('GET', paths[n % #paths + 1]) end\n"
        "  return wrk.format('GET')\n"
        "end\n"
    )


async def load(
    url: str, path: str, bodies: list[dict] | None, headers: dict, seconds: float, concurrency: int = CONCURRENCY
) -> float:
    """Requests per second from ``concurrency`` clients for ``seconds``: POST each body in turn, or GET when
    ``bodies`` is None. Any answer but 200 stops the benchmark: a fast error is not throughput."""
    done = 0
    stop = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient, k: int) -> None:
        nonlocal done
        i = k
        while time.perf_counter() < stop:
            if bodies is None:
                r = await client.get(path, headers=headers)
            else:
                r = await client.post(path, json=bodies[i % len(bodies)], headers=headers)
            if r.status_code != 200:
                raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
            done += 1
            i += concurrency

    async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client, k) for k in range(concurrency)))
        return done / (time.perf_counter() - t0)


async def ready(url: str) -> None:
    async with httpx.AsyncClient() as c:
        for _ in range(300):
            try:
                r = await c.get(url)
                if r.status_code in (200, 405, 404):
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


def serve(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", *args], env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def serve_service(service: str, port: int, url: str) -> subprocess.Popen[bytes]:
    """One of our services as it runs in production (``<service> serve``), on ``url``, without background tasks."""
    prefix = service.upper().replace("-", "_")
    return serve(
        [service.replace("-", "_"), "serve", "--port", str(port)],
        {f"{prefix}_DATABASE_URL": url, f"{prefix}_BACKGROUND_TASKS": "false", f"{prefix}_LOG_LEVEL": "WARNING"},
    )


def serve_bare(port: int, dsn: str = "", query: str = "") -> subprocess.Popen[bytes]:
    """The raw baseline (``_bare_app.py``) on uvicorn: a constant, or ``query`` on an asyncpg pool to ``dsn``."""
    app_dir = os.path.dirname(os.path.abspath(__file__))
    args = ["uvicorn", "--app-dir", app_dir, "_bare_app:app", "--port", str(port)]
    return serve([*args, "--log-level", "warning", "--no-access-log"], {"BARE_DSN": dsn, "BARE_QUERY": query})


def stop(procs: list[subprocess.Popen[bytes]], url: str) -> None:
    """End a bench: its server processes, then its throw-away database."""
    for p in procs:
        p.terminate()
        p.wait(timeout=30)
    drop_test_database(url)
