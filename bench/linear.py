"""bench/linear: does cost grow linearly? Each bench at two sizes ten times apart, the cost per item at both
(#27 item 4). A rise of more than 30% per item at the larger size is printed as a finding, to explain or fix.

Each size runs the bench itself, as its own process, and reads the median it reports (its "name: N unit" line).
The shapes stay the same at both sizes (100-line requests for the ingest; the payment run's claims; the events
through one transport; the overview over a history of 1 or 10 years), so only the amount of data changes.

    .venv/bin/python bench/linear.py [--benches ingest payment events events-nats overview] [--runs 3] [--scale 1]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
RISE_LIMIT = 1.30


@dataclass(frozen=True)
class Bench:
    script: str
    report: str  # the start of the report line whose median is read
    item: str
    args: Callable[[int, int], list[str]]  # (size, runs) → the bench's arguments
    size: int  # the smaller size at --scale 1


BENCHES = {
    "ingest": Bench(
        "contributions_ingest.py",
        "bulk declaration API",
        "line",
        lambda n, runs: ["--lines", str(n), "--units", str(n // 100), "--runs", str(runs)],
        10_000,
    ),
    "payment": Bench(
        "claims_bench.py",
        "payment run over",
        "claim",
        lambda n, runs: ["--claims", str(n), "--persons", "200", "--only", "payments", "--runs", str(runs)],
        10_000,
    ),
    "events": Bench(
        "events.py",
        "feed on PostgreSQL",
        "event",
        lambda n, runs: ["--events", str(n), "--transport", "feed", "--runs", str(runs)],
        2_000,
    ),
    "events-nats": Bench(
        "events.py",
        "nats on PostgreSQL",
        "event",
        lambda n, runs: ["--events", str(n), "--transport", "nats", "--runs", str(runs)],
        2_000,
    ),
    "eligibility": Bench(
        "claims_bench.py",
        "eligibility checks",
        "check",
        lambda n, runs: ["--persons", str(n), "--only", "eligibility", "--seconds", "5", "--runs", str(runs)],
        2_000,
    ),
    "units": Bench(
        "units_read.py",
        "GET /units/{code}",
        "request",
        lambda n, runs: ["--units", str(n), "--seconds", "5", "--runs", str(runs)],
        1_000,
    ),
    "overview": Bench(
        "fund_monitor_bench.py",
        "dashboard overview",
        "request",
        lambda n, runs: ["--years", str(n), "--seconds", "5", "--runs", str(runs)],
        1,
    ),
}


def throughput(bench: Bench, size: int, runs: int) -> float:
    """The median the bench reports for ``size`` (items per second)."""
    out = subprocess.run(
        [sys.executable, str(HERE / bench.script), *bench.args(size, runs)],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in out.stdout.splitlines():
        if line.startswith(bench.report) and (m := re.search(r": ([\d,]+) \S+/s \(median", line)):
            return float(m.group(1).replace(",", ""))
    raise RuntimeError(f"{bench.script} {size}: no '{bench.report}' line\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--benches", nargs="+", default=list(BENCHES), choices=list(BENCHES))
    parser.add_argument("--runs", type=int, default=3, help="runs per size (each bench reports their median)")
    parser.add_argument("--scale", type=int, default=1, help="multiplies both sizes")
    args = parser.parse_args()
    findings = []
    for name in args.benches:
        bench = BENCHES[name]
        small, large = bench.size * args.scale, bench.size * args.scale * 10
        per_item = []
        for size in (small, large):
            rate = throughput(bench, size, args.runs)
            per_item.append(1e6 / rate)
            print(f"{name} at {size:,}: {rate:,.0f} {bench.item}s/s, {1e6 / rate:,.1f} µs per {bench.item}", flush=True)
        rise = per_item[1] / per_item[0]
        verdict = "linear" if rise <= RISE_LIMIT else f"FINDING: more than {RISE_LIMIT - 1:.0%} more per item"
        print(f"{name}: cost per {bench.item} ×{rise:.2f} from {small:,} to {large:,} ({verdict})", flush=True)
        if rise > RISE_LIMIT:
            findings.append(name)
    if findings:
        print(f"findings: {', '.join(findings)}")


if __name__ == "__main__":
    main()
