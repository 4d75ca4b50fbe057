"""Eligibility, duration, amount, filing deadline and benefit time, table-driven, each case citing its clause, on
either side of 2011-07-01 where the law changed (docs/policy.md, "Law in force by date")."""

import datetime as dt

import pytest

from claims.claims.service import STOP_REASONS
from claims.rules.death import ON_THE_SURVIVORS_CHOICE, WITH_THE_STOP, funeral_subsidy_on, survivors_choice
from claims.rules.eligibility import (
    Job,
    PaidMonth,
    band_problems,
    benefit_band_problem,
    decide,
    default_values,
    duration_for,
    duration_table,
    in_flexible_employment,
    insured_region,
    parameters_on,
    separation_deadline,
    unemployment_on,
)
from claims.rules.eligibility import Separation as SeparationRule
from claims.rules.payments import amount_for_month, entitlement_end, whole_months_left
from claims.rules.stops import first_stop, stop_clause
from insurance_shared.parameters import ParameterValue

P = parameters_on(default_values(), "220100", dt.date(2026, 11, 1))
UNEMPLOYED = dt.date(2026, 11, 1)
BEFORE_SIL = dt.date(2010, 11, 1)  # decisions dated before the Social Insurance Law (2011-07-01)
P_2010 = parameters_on(default_values(), "220100", BEFORE_SIL)


def months(
    n: int, unit: str | None = "U1", region: str = "220100", end: dt.date = dt.date(2026, 10, 1)
) -> list[PaidMonth]:
    out, y, m = [], end.year, end.month
    for _ in range(n):
        out.append(PaidMonth(dt.date(y, m, 1), region, unit))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def run(paid, *, reason="contract_expired_not_renewed", ended="U1", carried=0, seeking=True, restart=None, on=None):
    on = on or UNEMPLOYED
    return decide(
        months=paid,
        ended_unit=ended,
        separation_reason=reason,
        unemployed_from=on,
        region="220100",
        job_seeking=seeking,
        restart_after=restart,
        carried_over=carried,
        params=P if on >= dt.date(2011, 7, 1) else P_2010,
        on=on,
    )


def criterion(d, name):
    return {c.name: c for c in d.criteria}[name]


@pytest.mark.parametrize(
    ("clause", "n", "eligible", "entitled"),
    [
        ("SIL45(1)", 11, False, 0),
        ("SIL45(1); SIL46", 12, True, 12),
        ("SIL46", 59, True, 12),
        ("SIL46", 60, True, 18),
        ("SIL46", 119, True, 18),
        ("SIL46", 120, True, 24),
    ],
)
def test_months_and_duration(clause, n, eligible, entitled) -> None:
    d = run(months(n))
    assert (d.eligible, d.entitled_months) == (eligible, entitled)
    assert criterion(d, "contribution_months").values["ended_job_months"] == n
    assert all(c.clause for c in d.criteria)
    assert criterion(d, "amount").parameters[0].valid_from == dt.date(2005, 1, 1)


@pytest.mark.parametrize(
    ("clause", "paid", "ended", "eligible", "basis", "entitled"),
    [
        # #19: each of these was refused, counting only the job that ended or the short jobs of the region
        (
            "SIL45(1): 24 months at A, then 3 at B",
            months(3, "B") + months(24, "A", end=dt.date(2026, 7, 1)),
            "B",
            True,
            27,
            12,
        ),
        (
            "SIL45(1): 12 months at A, then 6 at B",
            months(6, "B") + months(12, "A", end=dt.date(2026, 4, 1)),
            "B",
            True,
            18,
            12,
        ),
        (
            "SIL45(1): 70 months over three employers",
            months(10, "C") + months(30, "B", end=dt.date(2025, 12, 1)) + months(30, "A", end=dt.date(2023, 6, 1)),
            "C",
            True,
            70,
            18,
        ),
        # a calendar month counts once: two concurrent jobs of 11 months are 11 months, not 22
        ("SIL45(1): two concurrent 11-month jobs", months(11, "A") + months(11, "B"), "B", False, 11, 0),
        ("SIL45(1): 11 months at A, 2 at B overlapping the last", months(11, "A") + months(2, "B"), "B", False, 11, 0),
    ],
)
def test_months_add_up_across_employers_each_month_once(clause, paid, ended, eligible, basis, entitled) -> None:
    d = run(paid, ended=ended)
    assert (d.eligible, d.months_counted, d.entitled_months) == (eligible, basis, entitled), clause
    assert criterion(d, "contribution_months").clause.startswith("SIL45")


def test_voluntary_resignation_is_not_eligible() -> None:  # R14(2); SIL45(2)
    d = run(months(30), reason="voluntary_resignation")
    assert not d.eligible
    assert not criterion(d, "involuntary_separation").met
    assert criterion(d, "involuntary_separation").clause == "SIL45(2)"
    assert (
        criterion(run(months(30), reason="voluntary_resignation", on=BEFORE_SIL), "involuntary_separation").clause
        == "R14(2)"
    )


def test_no_job_seeking_declaration() -> None:  # R14(3)
    assert not run(months(30), seeking=False).eligible


def short_jobs(region_b: str = "220100", end: dt.date = dt.date(2026, 10, 1)) -> list[PaidMonth]:
    """Three jobs of 5, 4 and 4 months within 30 months, the last ending in ``end``'s month."""
    y = end.year
    return (
        months(4, "U3", end=end)
        + months(4, "U2", region=region_b, end=dt.date(y - 1, end.month, 1))
        + months(5, "U1", end=dt.date(y - 2, end.month, 1))
    )


@pytest.mark.parametrize(
    ("clause", "paid", "on", "eligible", "basis"),
    [
        ("N§3(3): three short jobs in one region add up", short_jobs(), UNEMPLOYED, True, 13),
        (
            "N§3(3) before 2011-07-01: a job in another region does not add up",
            short_jobs("220200", end=dt.date(2010, 10, 1)),
            BEFORE_SIL,
            False,
            9,
        ),
        ("SIL52 from 2011-07-01: it does", short_jobs("220200"), UNEMPLOYED, True, 13),
    ],
)
def test_short_jobs_and_other_regions_by_date(clause, paid, on, eligible, basis) -> None:
    d = run(paid, ended="U3", on=on)
    assert (d.eligible, d.months_counted) == (eligible, basis), clause
    c = criterion(d, "contribution_months")
    assert c.values["rule_in_force_on"] == on
    assert ("SIL52" in c.clause) is (on >= dt.date(2011, 7, 1))
    if on < dt.date(2011, 7, 1):
        assert c.values["other_region_months_not_counted"] == 4 and "do not count before 2011-07-01" in c.explanation


def test_short_jobs_are_a_guarantee_not_a_limit() -> None:  # N§3(3)
    # jobs older than 36 months are outside N§3(3)'s window, yet still contribution months in total (SIL45(1)):
    # before #19 this person was refused although more months had been paid than by the eligible one above
    old = months(5, "U1", end=dt.date(2023, 9, 1))
    paid = months(4, "U3") + months(4, "U2", end=dt.date(2025, 10, 1)) + old
    d = run(paid, ended="U3")
    assert (d.eligible, d.months_counted) == (True, 13)
    assert criterion(d, "contribution_months").values["short_job_months"] == 8


def test_merged_flexible_workers_earlier_time_is_added() -> None:  # N§3(2)
    paid = months(6, "U1") + months(8, None, end=dt.date(2025, 12, 1))
    d = run(paid)
    assert d.eligible and d.months_counted == 14
    assert criterion(d, "contribution_months").values["flexible_months"] == 8


@pytest.mark.parametrize(
    ("clause", "carried", "total"),
    [
        ("SIL46 carry-over", 4, 22),
        ("SIL46 carry-over reaching the cap of 24", 10, 24),
        ("SIL46", 0, 18),
        ("SIL46: a carry-over above 24 is itself capped", 40, 24),
    ],
)
def test_carry_over(clause, carried, total) -> None:
    d = run(months(60), carried=carried)
    assert d.total_months == total and d.carried_over <= 24


def test_count_restarts_after_previous_claim() -> None:  # R17; SIL46
    d = run(months(30), restart=dt.date(2025, 11, 20))
    assert not d.eligible
    assert criterion(d, "contribution_months").values["months_paid_since_restart"] == 11


@pytest.mark.parametrize(
    ("on", "clause"), [(dt.date(2011, 6, 30), "R17"), (dt.date(2011, 7, 1), "SIL46"), (UNEMPLOYED, "SIL46")]
)
def test_duration_table_is_dated(on, clause) -> None:
    p = parameters_on(default_values(), "220100", on)
    assert p["duration_table"].clause == clause
    assert duration_table(p["duration_table"]) == ((12, 12), (60, 18), (120, 24))  # the same figures
    assert criterion(run(months(60, end=dt.date(on.year, on.month, 1)), on=on), "duration").clause == clause


@pytest.mark.parametrize(("amount", "ok"), [(135_000, True), (78_000, False), (188_000, False), (200_000, False)])
def test_benefit_band(amount, ok) -> None:  # R18
    assert (benefit_band_problem(amount, 188_000, 78_000) is None) is ok


def test_parameters_breaking_the_band_are_refused_not_claimants() -> None:  # R18
    values = default_values()
    assert band_problems(values) == []
    raised = ParameterValue("benefit_amount", "220100", "1900.00", dt.date(2026, 1, 1), "R18")
    lowered_wage = ParameterValue("minimum_wage", "220200", "1200.00", dt.date(2027, 1, 1), "R18")
    problems = band_problems((*values, raised, lowered_wage))
    assert len(problems) == 2
    assert "region 220100 on 2026-01-01: benefit 1900.00" in problems[0] and "1880.00 (from 2005-01-01)" in problems[0]
    assert "region 220200 on 2027-01-01" in problems[1] and "minimum wage 1200.00 (from 2027-01-01)" in problems[1]


def test_duration_rows() -> None:
    assert [duration_for(m)[0] for m in (0, 11, 12, 59, 60, 119, 120, 300)] == [0, 0, 12, 12, 18, 18, 24, 24]


@pytest.mark.parametrize(
    ("clause", "separated", "filed", "in_time", "deadline"),
    [
        ("R16: 7 days", dt.date(2011, 6, 20), dt.date(2011, 6, 27), True, dt.date(2011, 6, 27)),
        ("R16: the 8th day is late", dt.date(2011, 6, 20), dt.date(2011, 6, 28), False, dt.date(2011, 6, 27)),
        (
            "SIL50: 15 days for separations from 2011-07-01",
            dt.date(2011, 7, 1),
            dt.date(2011, 7, 16),
            True,
            dt.date(2011, 7, 16),
        ),
        ("SIL50: the 16th day is late", dt.date(2026, 11, 1), dt.date(2026, 11, 17), False, dt.date(2026, 11, 16)),
    ],
)
def test_separation_filing_deadline_by_date(clause, separated, filed, in_time, deadline) -> None:
    days = parameters_on(default_values(), "220100", separated)["separation_filing_days"]
    c = separation_deadline(separated, filed, days)
    assert (c.met, c.values["deadline"]) == (in_time, deadline), clause
    assert c.clause == clause.split(":")[0]
    assert str(deadline) in c.explanation


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
    ],
)
def test_month_amounts(clause, month, start, end, amount, days) -> None:
    assert amount_for_month(135_000, month, start, end) == (amount, days)


def test_a_stop_pays_the_days_before_it() -> None:  # R15: stopped on the 11th, ten days of February
    start, end, stop = dt.date(2026, 11, 16), dt.date(2027, 11, 16), dt.date(2027, 2, 11)
    assert amount_for_month(135_000, dt.date(2027, 2, 1), start, end, stop) == (48_214, 10)
    assert amount_for_month(135_000, dt.date(2027, 3, 1), start, end, stop) == (0, 0)


def test_entitlement_and_months_left() -> None:
    end = entitlement_end(dt.date(2026, 1, 31), 12)
    assert end == dt.date(2027, 1, 31)
    assert whole_months_left(dt.date(2026, 7, 15), end) == 6


@pytest.mark.parametrize(
    ("clause", "paid", "ended", "fallback", "region"),
    [
        (
            "Claims 5: the region of the job that ended",
            months(3, "B", "220200") + months(24, "A"),
            "B",
            "220000",
            "220200",
        ),
        # a provincial-direct unit's people: the province collects, the home region's fund is fed (N§3(4))
        ("N§3(4): the home region, not the province", months(14, "P", "220300"), "P", "220000", "220300"),
        ("no months of the ended job: the latest job's", months(14, "A", "220400"), "Z", "220000", "220400"),
        ("nothing paid: the employment's region", [], "A", "220500", "220500"),
    ],
)
def test_insured_region(clause, paid, ended, fallback, region) -> None:
    assert insured_region(paid, ended, fallback) == region, clause


@pytest.mark.parametrize(
    ("clause", "evidence", "stops_on"),
    [
        (
            "R15: a month paid wholly after the registration",
            [("paid_month", dt.date(2026, 12, 1))],
            dt.date(2026, 12, 1),
        ),
        ("R15: the registration month itself is not", [("paid_month", dt.date(2026, 11, 1))], None),
        ("R15: a job from the registration day", [("new_job", dt.date(2026, 11, 10))], dt.date(2026, 11, 10)),
        ("R15: a job before it is not", [("new_job", dt.date(2026, 11, 9))], None),
        (
            "R15: the earliest evidence, in any order",
            [
                ("paid_month", dt.date(2027, 2, 1)),
                ("new_job", dt.date(2026, 12, 15)),
                ("paid_month", dt.date(2027, 1, 1)),
            ],
            dt.date(2026, 12, 15),
        ),
    ],
)
def test_reemployment_stops_the_claim(clause, evidence, stops_on) -> None:
    assert first_stop(evidence, dt.date(2026, 11, 10)) == stops_on, clause


ON = dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("clause", "jobs", "filed", "expected"),
    [
        (
            "R14(2): the unit job that ended last",
            [
                Job("A", "unit", dt.date(2020, 1, 1), dt.date(2026, 6, 30), "dismissed"),
                Job("B", "unit", dt.date(2026, 7, 1), dt.date(2026, 10, 31), "contract_expired_not_renewed"),
            ],
            None,
            ("contract_expired_not_renewed", "B", dt.date(2026, 10, 31)),
        ),
        (
            "R16: the unit's filing on or after that end prevails",
            [Job("B", "unit", dt.date(2026, 7, 1), dt.date(2026, 10, 31), "voluntary_resignation")],
            SeparationRule("B", dt.date(2026, 10, 31), "dismissed"),
            ("dismissed", "B", dt.date(2026, 10, 31)),
        ),
        (
            "R16: an older filing does not",
            [Job("B", "unit", dt.date(2026, 7, 1), dt.date(2026, 10, 31), "dismissed")],
            SeparationRule("A", dt.date(2026, 6, 30), "voluntary_resignation"),
            ("dismissed", "B", dt.date(2026, 10, 31)),
        ),
        (
            "a job ending after the decision's date does not count",
            [Job("B", "unit", dt.date(2026, 7, 1), dt.date(2026, 12, 31), "dismissed")],
            None,
            (None, None, ON),
        ),
        (
            "the flexible track is not a separation",
            [Job(None, "flexible", dt.date(2025, 1, 1), dt.date(2026, 10, 1), None)],
            None,
            (None, None, ON),
        ),
        (
            "only a filing",
            [],
            SeparationRule("C", dt.date(2026, 11, 1), "bankruptcy"),
            ("bankruptcy", "C", dt.date(2026, 11, 1)),
        ),
    ],
)
def test_which_separation_a_decision_rests_on(clause, jobs, filed, expected) -> None:
    u = unemployment_on(jobs, filed, ON)
    assert (u.reason, u.ended_unit, u.since) == expected, clause


@pytest.mark.parametrize(
    ("clause", "jobs", "flexible"),
    [
        ("N§3(2): in flexible employment", [Job(None, "flexible", dt.date(2025, 1, 1), None, None)], True),
        ("N§3(2): it ended", [Job(None, "flexible", dt.date(2025, 1, 1), dt.date(2026, 10, 1), None)], False),
        ("N§3(2): it begins later", [Job(None, "flexible", dt.date(2026, 12, 1), None, None)], False),
        # a day in the past (a check dated back, a claim decided again): the spell went on past it
        (
            "N§3(2): it ended after the day",
            [Job(None, "flexible", dt.date(2025, 1, 1), dt.date(2026, 12, 31), None)],
            True,
        ),
        ("N§3(2): it ended on the day", [Job(None, "flexible", dt.date(2025, 1, 1), ON, None)], False),
        ("a unit job is not flexible employment", [Job("A", "unit", dt.date(2025, 1, 1), None, None)], False),
    ],
)
def test_a_flexible_worker_in_flexible_employment_is_not_registered(clause, jobs, flexible) -> None:
    assert in_flexible_employment(jobs, ON) is flexible, clause


# ---- the clause a stop applies (R15 alone before 2011-07-01; SIL51 beside it from then; N§5) ----------------------


@pytest.mark.parametrize(
    ("reason", "on", "clause"),
    [
        ("reemployed_business_licence", dt.date(2011, 6, 30), "R15(1); N§5"),
        ("reemployed_business_licence", dt.date(2011, 7, 1), "SIL51(1); R15(1); N§5"),
        ("refused_jobs", dt.date(2008, 3, 1), "R15(6); N§5 ¶2"),
        ("refused_jobs", dt.date(2026, 3, 1), "SIL51(5); R15(6); N§5 ¶2"),
        ("pension", dt.date(2026, 3, 1), "SIL51(4); R15(4)"),
        ("imprisonment", dt.date(2026, 3, 1), "R15(5)"),  # SIL51 does not list it; the Regulation still does
        ("death", dt.date(2010, 1, 1), "R19"),
        ("death", dt.date(2012, 1, 1), "SIL49; R19"),
    ],
)
def test_a_stop_cites_the_law_in_force_on_its_date(reason: str, on: dt.date, clause: str) -> None:
    assert stop_clause(reason, on) == clause


def test_every_stop_reason_has_a_clause_on_every_date() -> None:
    for reason in STOP_REASONS:
        for on in (dt.date(2005, 1, 1), dt.date(2011, 7, 1)):
            assert stop_clause(reason, on)


@pytest.mark.parametrize(
    ("death", "chosen", "pays"),
    [
        (dt.date(2011, 7, 1), "unemployment_insurance", True),
        (dt.date(2026, 11, 1), "unemployment_insurance", True),
        (dt.date(2011, 7, 1), "basic_pension", False),
        (dt.date(2026, 11, 1), "work_injury", False),
    ],
)
def test_the_survivors_choose_one_funeral_subsidy(death, chosen, pays) -> None:  # SIL49 ¶2
    choice = survivors_choice(death, chosen)
    assert (choice.pays, choice.clause) == (pays, "SIL49")
    assert str(death) in choice.explanation and choice.explanation_zh


@pytest.mark.parametrize(
    ("death", "clause", "how"),
    [
        (dt.date(2011, 6, 30), "R19", WITH_THE_STOP),  # the Regulation: paid with the stop
        (dt.date(2011, 7, 1), "SIL49", ON_THE_SURVIVORS_CHOICE),
    ],
)
def test_the_funeral_subsidy_by_the_law_in_force_on_the_day_of_death(death, clause, how) -> None:
    variant = funeral_subsidy_on(death)
    assert (variant.reference, variant.formula) == (clause, how)


def test_no_choice_for_a_death_the_regulation_governs_nor_for_a_fund_the_law_does_not_name() -> None:
    with pytest.raises(ValueError):
        survivors_choice(dt.date(2011, 6, 30), "unemployment_insurance")
    with pytest.raises(ValueError):
        survivors_choice(dt.date(2026, 11, 1), "commercial_insurance")
