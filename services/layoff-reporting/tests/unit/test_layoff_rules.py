"""Layoff thresholds, notice, consultation, splitting and the hiring incentive (N§7; LL27), table-driven."""

import datetime as dt
from decimal import Decimal

import pytest

from layoff_reporting.rules.decisions import (
    ClaimSpan,
    Hire,
    JobSpan,
    default_values,
    judge_filing,
    judge_incentive,
    parameters_on,
    unemployed_since,
)

P = parameters_on(default_values(), "220100", dt.date(2026, 11, 1))
D = dt.date(2026, 11, 1)


def judge(persons, staff=1000, days=40, consulted=True, earlier=()):
    return judge_filing(
        persons=persons,
        declared_staff=staff,
        insured=staff,
        filed_on=D,
        planned_date=D + dt.timedelta(days=days),
        consulted=consulted,
        earlier=list(earlier),
        params=P,
    )


@pytest.mark.parametrize(
    ("clause", "persons", "staff", "reportable"),
    [
        ("N§7: more than 50", 50, 1000, False),
        ("N§7: more than 50", 51, 1000, True),
        ("N§7: more than 20%", 20, 100, False),
        ("N§7: more than 20%", 21, 100, True),
        ("N§7: either", 11, 50, True),
        ("N§7: no staff declared uses insured", 5, 0, False),
    ],
)
def test_thresholds(clause, persons, staff, reportable) -> None:
    assert judge(persons, staff).reportable is reportable


@pytest.mark.parametrize(
    ("clause", "persons", "days", "consulted", "late", "compliant"),
    [
        ("N§7 30 days", 60, 30, True, False, True),
        ("N§7 30 days", 60, 29, True, True, False),
        ("N§7 consultation", 60, 40, False, False, False),
        ("below thresholds: no notice or consultation needed", 10, 5, False, False, True),
    ],
)
def test_notice_and_consultation(clause, persons, days, consulted, late, compliant) -> None:
    d = judge(persons, days=days, consulted=consulted)
    assert (d.late, d.compliant) == (late, compliant)
    assert {c.name for c in d.criteria} == {"reportable", "notice", "consultation", "splitting"}
    assert all(c.clause for c in d.criteria)


def test_splitting_is_flagged_when_small_filings_together_cross() -> None:
    planned = D + dt.timedelta(days=40)
    d = judge(30, earlier=[(7, planned - dt.timedelta(days=10), 25)])
    assert d.possible_splitting and not d.compliant
    far = judge(30, earlier=[(7, planned - dt.timedelta(days=90), 25)])
    assert not far.possible_splitting


@pytest.mark.parametrize(
    ("hires", "qualifies", "share"),
    [
        # 1 of 3 (33%) long-term unemployed with 3-year contracts: more than 30%
        (
            [
                Hire("a", D, D - dt.timedelta(days=400), Decimal(3)),
                Hire("b", D, D - dt.timedelta(days=100), Decimal(5)),
                Hire("c", D, None, Decimal(3)),
            ],
            True,
            Decimal("0.3333"),
        ),
        # exactly 365 days is not more than a year; a 2-year contract is too short
        (
            [
                Hire("a", D, D - dt.timedelta(days=365), Decimal(3)),
                Hire("b", D, D - dt.timedelta(days=500), Decimal(2)),
            ],
            False,
            Decimal(0),
        ),
        ([], False, Decimal(0)),
    ],
)
def test_hiring_incentive(hires, qualifies, share) -> None:
    d = judge_incentive(hires, P)
    assert (d.qualifies, d.share) == (qualifies, share)
    assert len(d.judgements) == len(hires)


H = dt.date(2026, 11, 1)  # the hire


def ago(days: int) -> dt.date:
    return H - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("clause", "claims", "jobs", "since"),
    [
        ("N§7: never registered", [], [], None),
        (
            "N§7: registered 400 days before, nothing since",
            [ClaimSpan(ago(400))],
            [JobSpan(ago(900), ago(401), "OLD")],
            ago(400),
        ),
        # #19: the re-employment in between was ignored and the person counted as a year unemployed
        (
            "N§7: re-employed (claim stopped) in between",
            [ClaimSpan(ago(400), ago(200), "reemployed_contribution")],
            [],
            None,
        ),
        ("N§7: a job held in between", [ClaimSpan(ago(400))], [JobSpan(ago(250), ago(220), "TEMP")], None),
        ("N§7: a stop that is not re-employment", [ClaimSpan(ago(400), ago(30), "refused_jobs")], [], ago(400)),
        ("N§7: the latest registration counts", [ClaimSpan(ago(800)), ClaimSpan(ago(100))], [], ago(100)),
        ("N§7: the hire itself is no interruption", [ClaimSpan(ago(400))], [JobSpan(H, None, "HIRER")], ago(400)),
    ],
)
def test_unemployed_continuously_up_to_the_hire(clause, claims, jobs, since) -> None:
    found, interval = unemployed_since(H, "HIRER", claims, jobs)
    assert found == since, clause
    assert str(H) in interval


def test_each_hire_says_which_interval_counted() -> None:
    since, interval = unemployed_since(H, "HIRER", [ClaimSpan(ago(400), ago(200), "reemployed_contribution")], [])
    (j,) = judge_incentive([Hire("a", H, since, Decimal(3), interval)], P).judgements
    assert not j.counted and "re-employed from" in j.reason and str(ago(200)) in j.reason
    since, interval = unemployed_since(H, "HIRER", [ClaimSpan(ago(400))], [])
    (j,) = judge_incentive([Hire("b", H, since, Decimal(3), interval)], P).judgements
    assert j.counted and f"registered unemployed on {ago(400)}, continuously until the hire" in j.reason
