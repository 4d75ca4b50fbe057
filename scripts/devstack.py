"""Start the four services as real processes on the embedded default (SQLite files), for `make run` and tests.

Each service is migrated, started with uvicorn, and waited for until its /readyz answers 200. Ctrl-C (SIGINT) or
SIGTERM stops all four. A service whose database URL is set in the environment (e.g.
CLAIMS_DATABASE_URL=postgresql+asyncpg://...) keeps it; the others get var/<service>.db.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Service:
    name: str
    package: str
    prefix: str
    port: int


SERVICES = [
    Service("contributions", "contributions", "CONTRIBUTIONS", 8001),
    Service("claims", "claims", "CLAIMS", 8002),
    Service("layoff-reporting", "layoff_reporting", "LAYOFF_REPORTING", 8003),
    Service("fund-monitor", "fund_monitor", "FUND_MONITOR", 8004),
]


def service_env(svc: Service, port: int, var_dir: Path, host: str, ports: dict[str, int]) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault(f"{svc.prefix}_DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / (svc.name + '.db')}")
    env[f"{svc.prefix}_PORT"] = str(port)
    env[f"{svc.prefix}_HOST"] = host
    peers = {name: f"http://{host}:{p}" for name, p in ports.items() if name != svc.name}
    env.setdefault(f"{svc.prefix}_PEERS", json.dumps(peers))
    return env


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with code {proc.returncode}")
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code == 200:
                return
            last = f"{r.status_code} {r.text[:200]}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.2)
    raise RuntimeError(f"not ready after {timeout:.0f}s: {last}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=None, help="first port; the others follow (default 8001-8004)")
    parser.add_argument("--ready-timeout", type=float, default=60)
    parser.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="load demo data once (through the APIs) when the databases are new (default: yes)",
    )
    parser.add_argument(
        "--demo-args",
        default=os.environ.get("DEMO_ARGS", ""),
        help="more arguments for scripts/demo.py, e.g. '--units 500 --people 12500' (default: $DEMO_ARGS)",
    )
    args = parser.parse_args(argv)
    var_dir: Path = args.var_dir.resolve()
    (var_dir / "logs").mkdir(parents=True, exist_ok=True)
    ports = {
        s.name: (args.base_port + i if args.base_port else int(os.environ.get(f"{s.prefix}_PORT", s.port)))
        for i, s in enumerate(SERVICES)
    }

    procs: list[tuple[Service, subprocess.Popen[bytes]]] = []

    def stop_all() -> None:
        for _, p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for svc, p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                print(f"{svc.name} did not stop in time; killing it", flush=True)
                p.kill()

    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        print(f"migrating {', '.join(s.name for s in SERVICES)} ...", flush=True)
        migrations = [  # side by side: each service has its own database
            (
                svc,
                subprocess.Popen(
                    [sys.executable, "-m", svc.package, "migrate"],
                    env=service_env(svc, ports[svc.name], var_dir, args.host, ports),
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                ),
            )
            for svc in SERVICES
        ]
        for svc, proc in migrations:
            _, err = proc.communicate()
            if proc.returncode:
                raise subprocess.CalledProcessError(proc.returncode, f"{svc.name} migrate", stderr=err)
        for svc in SERVICES:
            env = service_env(svc, ports[svc.name], var_dir, args.host, ports)
            log = open(var_dir / "logs" / f"{svc.name}.log", "ab")
            procs.append(
                (
                    svc,
                    subprocess.Popen(
                        [sys.executable, "-m", svc.package, "serve"], env=env, cwd=ROOT, stdout=log, stderr=log
                    ),
                )
            )
        for svc, proc in procs:
            try:
                wait_ready(f"http://{args.host}:{ports[svc.name]}/readyz", proc, args.ready_timeout)
            except RuntimeError as exc:
                print(f"{svc.name} failed to start: {exc}; see {var_dir / 'logs' / (svc.name + '.log')}", flush=True)
                stop_all()
                return 1
    except subprocess.CalledProcessError as exc:
        print(f"migration failed: {exc.stderr.decode(errors='replace')[-2000:]}", flush=True)
        stop_all()
        return 1

    marker = var_dir / "demo-loaded"
    if args.demo and not marker.exists():
        print("\nLoading demo data through the services' APIs (once; `make clean` to start afresh) ...", flush=True)
        first_port = ports[SERVICES[0].name]
        loaded = subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "demo.py"),
                "--host",
                args.host,
                "--base-port",
                str(first_port),
                *shlex.split(args.demo_args),
            ],
            cwd=ROOT,
        )
        if loaded.returncode == 0:
            marker.touch()
        else:
            print("demo data did not load completely; the services keep running", flush=True)

    from insurance_shared.auth import issue_token
    from insurance_shared.settings import DEV_JWT_SECRET

    dashboard_token = issue_token(DEV_JWT_SECRET, sub="dev-dashboard", region="220000", roles=["province"])
    print("\nAll four services are ready:", flush=True)
    for svc in SERVICES:
        print(f"  {svc.name:<17} http://{args.host}:{ports[svc.name]}/docs", flush=True)
    print(
        f"\nProvincial dashboard: http://{args.host}:{ports['fund-monitor']}/dashboard#token={dashboard_token}\n"
        "\nA development token (role and region as you need):\n"
        "  make token ROLE=social_insurance REGION=220100\n"
        f"Logs: {var_dir / 'logs'}    Stop: Ctrl-C\n"
        "READY",
        flush=True,
    )
    try:
        while not stopping:
            for svc, proc in procs:
                if proc.poll() is not None:
                    print(f"{svc.name} exited with code {proc.returncode}; stopping the others", flush=True)
                    stop_all()
                    return 1
            time.sleep(0.5)
    finally:
        stop_all()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
