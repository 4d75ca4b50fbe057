"""Eligibility, duration, amount and benefit time, table-driven, each case citing its clause."""

import datetime as dt

import pytest

from claims.rules.eligibility import (
    PaidMonth,
    benefit_band_problem,
    decide,
    default_values,
    duration_for,
    parameters_on,
)
from claims.rules.payments import amount_for_month, entitlement_end, whole_months_left

P = parameters_on(default_values(), "220100", dt.date(2026, 11, 1))
UNEMPLOYED = dt.date(2026, 11, 1)


def months(
    n: int, unit: str | None = "U1", region: str = "220100", end: dt.date = dt.date(2026, 10, 1)
) -> list[PaidMonth]:
    out, y, m = [], end.year, end.month
    for _ in range(n):
        out.append(PaidMonth(dt.date(y, m, 1), region, unit))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def run(paid, *, reason="contract_expired_not_renewed", ended="U1", carried=0, seeking=True, restart=None):
    return decide(
        months=paid,
        ended_unit=ended,
        separation_reason=reason,
        unemployed_from=UNEMPLOYED,
        region="220100",
        job_seeking=seeking,
        restart_after=restart,
        carried_over=carried,
        params=P,
    )


@pytest.mark.parametrize(
    ("clause", "n", "eligible", "entitled"),
    [
        ("R14(1)", 11, False, 0),
        ("R14(1); R17", 12, True, 12),
        ("R17", 59, True, 12),
        ("R17", 60, True, 18),
        ("R17", 119, True, 18),
        ("R17", 120, True, 24),
    ],
)
def test_months_and_duration(clause, n, eligible, entitled) -> None:
    d = run(months(n))
    assert (d.eligible, d.entitled_months) == (eligible, entitled)
    crit = {c.name: c for c in d.criteria}
    assert crit["contribution_months"].values["ended_job_months"] == n
    assert all(c.clause for c in d.criteria)
    assert crit["amount"].parameters[0].valid_from == dt.date(2005, 1, 1)


def test_voluntary_resignation_is_not_eligible() -> None:  # R14(2)
    d = run(months(30), reason="voluntary_resignation")
    assert not d.eligible
    assert not {c.name: c for c in d.criteria}["involuntary_separation"].met


def test_no_job_seeking_declaration() -> None:  # R14(3)
    assert not run(months(30), seeking=False).eligible


def short_jobs(region_b: str = "220100", gap: int = 0) -> list[PaidMonth]:
    # three jobs of 5, 4 and 4 months within 30 months, the last ending in 2026-10
    return (
        months(4, "U3", end=dt.date(2026, 10, 1))
        + months(4, "U2", region=region_b, end=dt.date(2025, 10, 1))
        + months(5, "U1", end=dt.date(2024, 10 - gap, 1))
    )


@pytest.mark.parametrize(
    ("clause", "paid", "eligible", "basis"),
    [
        ("N§3(3): three short jobs in one region add up", short_jobs(), True, 13),
        ("N§3(3): one of them in another region does not count", short_jobs(region_b="220200"), False, 0),
    ],
)
def test_short_jobs(clause, paid, eligible, basis) -> None:
    d = run(paid, ended="U3")
    assert (d.eligible, d.months_counted) == (eligible, basis)
    assert {c.name: c for c in d.criteria}["contribution_months"].clause == ("N§3(3)" if eligible else "R14(1); N§3(3)")


def test_short_jobs_count_the_month_the_unemployment_began() -> None:  # N§3(3)
    # the last job ended on 2026-10-31: October was paid and counts; 36 months are 2023-11 to 2026-10
    d = decide(
        months=short_jobs() + months(1, "U0", end=dt.date(2023, 11, 1)) + months(1, "U9", end=dt.date(2023, 10, 1)),
        ended_unit="U3",
        separation_reason="contract_expired_not_renewed",
        unemployed_from=dt.date(2026, 10, 31),
        region="220100",
        job_seeking=True,
        restart_after=None,
        carried_over=0,
        params=P,
    )
    assert (d.eligible, d.months_counted) == (True, 14)  # 13 + 2023-11; 2023-10 is outside the 36 months


def test_short_jobs_outside_the_36_months_do_not_count() -> None:  # N§3(3)
    old = months(5, "U1", end=dt.date(2023, 9, 1))  # ends more than 36 months before 2026-11
    paid = months(4, "U3") + months(4, "U2", end=dt.date(2025, 10, 1)) + old
    assert not run(paid, ended="U3").eligible


def test_merged_flexible_workers_earlier_time_is_added() -> None:  # N§3(2)
    paid = months(6, "U1") + months(8, None, end=dt.date(2025, 12, 1))
    d = run(paid)
    assert d.eligible and d.months_counted == 14


@pytest.mark.parametrize(
    ("clause", "carried", "total"),
    [("R17 carry-over", 4, 22), ("R17 carry-over reaching the cap of 24", 10, 24), ("R17", 0, 18)],
)
def test_carry_over(clause, carried, total) -> None:
    d = run(months(60), carried=carried)
    assert d.total_months == total


def test_count_restarts_after_previous_claim() -> None:  # R17
    d = run(months(30), restart=dt.date(2025, 11, 20))
    assert not d.eligible
    assert {c.name: c for c in d.criteria}["contribution_months"].values["months_paid_since_restart"] == 11


@pytest.mark.parametrize(("amount", "ok"), [(135_000, True), (78_000, False), (188_000, False), (200_000, False)])
def test_benefit_band(amount, ok) -> None:  # R18
    assert (benefit_band_problem(amount, 188_000, 78_000) is None) is ok


def test_duration_table() -> None:
    assert [duration_for(m)[0] for m in (0, 11, 12, 59, 60, 119, 120, 300)] == [0, 0, 12, 12, 18, 18, 24, 24]


@pytest.mark.parametrize(
    ("clause", "month", "start", "end", "amount", "days"),
    [
        (
            "R16: first month from the registration day",
            dt.date(2026, 11, 1),
            dt.date(2026, 11, 16),
            dt.date(2027, 11, 16),
            67_500,
            15,
        ),
        ("full month", dt.date(2026, 12, 1), dt.date(2026, 11, 16), dt.date(2027, 11, 16), 135_000, 31),
        ("last month up to the end", dt.date(2027, 11, 1), dt.date(2026, 11, 16), dt.date(2027, 11, 16), 67_500, 15),
        ("after the end: nothing", dt.date(2027, 12, 1), dt.date(2026, 11, 16), dt.date(2027, 11, 16), 0, 0),
        ("stopped on the 11th: ten days", dt.date(2027, 2, 1), dt.date(2026, 11, 16), dt.date(2027, 2, 11), 48_214, 10),
    ],
)
def test_month_amounts(clause, month, start, end, amount, days) -> None:
    assert amount_for_month(135_000, month, start, end) == (amount, days)


def test_entitlement_and_months_left() -> None:
    end = entitlement_end(dt.date(2026, 1, 31), 12)
    assert end == dt.date(2027, 1, 31)
    assert whole_months_left(dt.date(2026, 7, 15), end) == 6
