"""Reconciliation: fund-monitor's books against what the services that move the money say they moved (architecture.md,
Data rules: money is conserved across services; a difference is an alert, never a silent fix).

Both sides are lists of movements keyed as the journal keys its entries (``contributions:payment:41:unemployment``,
``claims:run:7:220100:2026-11``, ``claims:payment:93``), so every difference names the movement at fault:

* ``missing``: the source moved it, the books do not have it (an event lost, parked, or not yet applied);
* ``unexpected``: booked, but the source knows no such movement (booked from a wrong or duplicated event);
* ``different_amount``: both have it, with other amounts (e.g. a late fee booked twice);
* ``misplaced``: both have it, in another region or month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PROBLEMS = ("missing", "unexpected", "different_amount", "misplaced")


@dataclass(frozen=True, slots=True)
class Movement:
    key: str
    region: str
    month: str  # YYYY-MM
    kind: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Difference:
    problem: str
    key: str
    kind: str
    region: str
    month: str
    booked_fen: int | None
    source_fen: int | None
    explanation: str


@dataclass(frozen=True, slots=True)
class Sum:
    region: str
    month: str
    kind: str
    booked_fen: int
    source_fen: int

    @property
    def difference_fen(self) -> int:
        return self.booked_fen - self.source_fen


def _by_key(movements: Iterable[Movement]) -> dict[tuple[str, str], Movement]:
    """One movement per (key, kind); lines of one entry for the same kind are added up."""
    out: dict[tuple[str, str], Movement] = {}
    for m in movements:
        k = (m.key, m.kind)
        prior = out.get(k)
        out[k] = m if prior is None else Movement(m.key, m.region, m.month, m.kind, prior.amount_fen + m.amount_fen)
    return out


def reconcile(booked: Iterable[Movement], source: Iterable[Movement]) -> list[Difference]:
    """Every movement that is not booked exactly once, with the source's amount, region and month."""
    b, s = _by_key(booked), _by_key(source)
    out: list[Difference] = []
    for k in sorted(s.keys() | b.keys()):
        got, want = b.get(k), s.get(k)
        if got is None:
            assert want is not None
            out.append(
                Difference(
                    "missing",
                    want.key,
                    want.kind,
                    want.region,
                    want.month,
                    None,
                    want.amount_fen,
                    f"{want.kind} {want.amount_fen} fen moved by the source is not in the books",
                )
            )
        elif want is None:
            out.append(
                Difference(
                    "unexpected",
                    got.key,
                    got.kind,
                    got.region,
                    got.month,
                    got.amount_fen,
                    None,
                    f"{got.kind} {got.amount_fen} fen is booked but the source knows no such movement",
                )
            )
        elif (got.region, got.month) != (want.region, want.month):
            out.append(
                Difference(
                    "misplaced",
                    want.key,
                    want.kind,
                    want.region,
                    want.month,
                    got.amount_fen,
                    want.amount_fen,
                    f"booked in {got.region} {got.month}; the source moved it in {want.region} {want.month}",
                )
            )
        elif got.amount_fen != want.amount_fen:
            out.append(
                Difference(
                    "different_amount",
                    want.key,
                    want.kind,
                    want.region,
                    want.month,
                    got.amount_fen,
                    want.amount_fen,
                    f"booked {got.amount_fen} fen, the source moved {want.amount_fen} fen "
                    f"({got.amount_fen - want.amount_fen:+d})",
                )
            )
    return out


def sums(booked: Iterable[Movement], source: Iterable[Movement]) -> list[Sum]:
    """Per region, month and kind: what the books hold and what the sources say."""
    acc: dict[tuple[str, str, str], list[int]] = {}
    for side, movements in ((0, booked), (1, source)):
        for m in movements:
            acc.setdefault((m.region, m.month, m.kind), [0, 0])[side] += m.amount_fen
    return [Sum(r, m, k, b, s) for (r, m, k), (b, s) in sorted(acc.items())]
