"""A service told to stop (SIGTERM, as systemd, Kubernetes and `make run`'s Ctrl-C do) stops within seconds, also
while its event feeds keep failing to reach peers that are down: once, claims was seen waiting in "Waiting for
application shutdown." until it was killed. Each service as a real process, on SQLite, its peers on closed ports."""

import json
import signal
import time

import pytest

from .service_process import on_sqlite, serve, wait_ready

pytestmark = pytest.mark.slow

SERVICES = ("contributions", "claims", "layoff_reporting", "fund_monitor")
DOWN = {name: f"http://127.0.0.1:{18690 + i}" for i, name in enumerate(SERVICES)}  # nothing listens there


@pytest.mark.parametrize("package", SERVICES)
def test_sigterm_stops_the_service_within_seconds_with_its_peers_down(package: str, tmp_path) -> None:
    port = 18631 + SERVICES.index(package)
    peers = {name.replace("_", "-"): url for name, url in DOWN.items() if name != package}
    env = on_sqlite(package, tmp_path, PEERS=json.dumps(peers), LOG_LEVEL="WARNING")
    log = tmp_path / f"{package}.log"
    with log.open("wb") as output:
        proc = serve(package, port, env, output=output)
    try:
        wait_ready(proc, port, path="/healthz", log=log)
        time.sleep(3)  # the feeds have failed and are backing off
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            pytest.fail(f"{package} did not stop within 15 s of SIGTERM: {log.read_text(errors='replace')[-2000:]}")
