"""Helpers the benchmarks share: throw-away PostgreSQL databases, a free port, medians."""

from __future__ import annotations

import socket
import statistics
from collections.abc import Sequence


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
        f"baseline {median(baseline):,.0f} {unit}; ratio {median(ratios):.2f} "
        f"(per run: {', '.join(f'{r:.2f}' for r in ratios)})",
        flush=True,
    )
