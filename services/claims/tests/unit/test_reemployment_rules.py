"""Re-employment support rules (N§6; R15, N§5): when flexible employment is re-employment, the subsidy's decision,
its monthly amount and the months it pays."""

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.rules.eligibility import default_values
from claims.rules.stops import FlexibleSpell, flexible_stop, reemployed_by
from claims.rules.subsidy import NAMES, Certification, OwnMonth, decide, monthly_amount, parse_share, payable
from insurance_shared import in_force_all

D = dt.date
PARAMS = in_force_all(default_values(), NAMES, "220100", D(2026, 10, 1))


@pytest.mark.parametrize(
    ("clause", "spell", "on", "reemployed"),
    [
        ("R15 licence", FlexibleSpell("licence", D(2026, 1, 1), None, None, "执照-1"), D(2026, 6, 1), True),
        (
            "N§5 agreement running",
            FlexibleSpell("agreement", D(2026, 1, 1), None, D(2026, 12, 31), "协-1"),
            D(2026, 6, 1),
            True,
        ),
        (
            "N§5 agreement expired",
            FlexibleSpell("agreement", D(2026, 1, 1), None, D(2026, 5, 31), "协-1"),
            D(2026, 6, 1),
            False,
        ),
        (
            "N§5 agreement ended early",
            FlexibleSpell("agreement", D(2026, 1, 1), D(2026, 3, 31), D(2026, 12, 31), "协-1"),
            D(2026, 6, 1),
            False,
        ),
        ("other work is not by itself", FlexibleSpell("other", D(2026, 1, 1), None, None, None), D(2026, 6, 1), False),
        ("not yet begun", FlexibleSpell("licence", D(2026, 7, 1), None, None, "执照-1"), D(2026, 6, 1), False),
    ],
)
def test_reemployed_by(clause, spell, on, reemployed) -> None:
    assert (reemployed_by([spell], on) is not None) is reemployed


def test_a_spell_stops_a_claim_from_its_start_or_the_registration() -> None:
    registered = D(2026, 3, 1)
    assert flexible_stop(FlexibleSpell("licence", D(2026, 5, 1), None, None, "x"), registered) == D(2026, 5, 1)
    assert flexible_stop(FlexibleSpell("licence", D(2026, 1, 1), None, None, "x"), registered) == registered
    assert flexible_stop(FlexibleSpell("agreement", D(2025, 1, 1), None, D(2026, 2, 28), "x"), registered) is None


@pytest.mark.parametrize(
    ("floor", "share", "amount"),
    [(55_000, "2/3", 36_667), (60_000, "2/3", 40_000), (55_001, "1/2", 27_501), (1, "1/3", 0), (2, "1/3", 1)],
)
def test_monthly_amount_half_up(floor, share, amount) -> None:
    assert monthly_amount(floor, parse_share(share)) == amount


@pytest.mark.parametrize("text", ["0", "3/2", "abc", "1/0", "-1/3"])
def test_share_refused(text) -> None:
    with pytest.raises(ValueError):
        parse_share(text)


SPELL = FlexibleSpell("agreement", D(2026, 1, 1), None, D(2026, 12, 31), "协-1")
CERT = Certification(1, ("disabled",), D(2026, 1, 1), D(2026, 12, 31))


@pytest.mark.parametrize(
    ("case", "spells", "cert", "enrolled", "used", "approved", "failing"),
    [
        ("all met", [SPELL], CERT, True, 0, True, set()),
        ("not flexible", [], CERT, True, 0, False, {"in_flexible_employment"}),
        ("not hard to employ", [SPELL], None, True, 0, False, {"hard_to_employ"}),
        (
            "certification lapsed",
            [SPELL],
            Certification(1, ("disabled",), D(2025, 1, 1), D(2026, 1, 31)),
            True,
            0,
            False,
            {"hard_to_employ"},
        ),
        ("not paying own", [SPELL], CERT, False, 0, False, {"paying_own_contributions"}),
        ("maximum used", [SPELL], CERT, True, 36, False, {"within_maximum_period"}),
    ],
)
def test_decide_lists_every_criterion(case, spells, cert, enrolled, used, approved, failing) -> None:
    d = decide(
        spells=spells, certification=cert, enrolled_own=enrolled, months_used=used, params=PARAMS, on=D(2026, 6, 1)
    )
    assert d.approved is approved
    assert [c.name for c in d.criteria] == [
        "in_flexible_employment",
        "hard_to_employ",
        "paying_own_contributions",
        "within_maximum_period",
    ]
    assert {c.name for c in d.criteria if not c.met} == failing
    assert all(c.clause.startswith(("N§6", "N§3")) for c in d.criteria)


months = st.lists(st.integers(0, 47).map(lambda k: D(2024 + k // 12, k % 12 + 1, 1)), unique=True, max_size=48)


@given(months, st.integers(0, 40), st.sets(st.integers(0, 47)))
def test_payable_only_paid_months_never_twice_never_beyond_the_end(paid, left, done_k) -> None:
    first, last, through = D(2024, 6, 1), D(2026, 6, 30), D(2027, 1, 1)
    subsidised = {D(2024 + k // 12, k % 12 + 1, 1) for k in done_k}
    got = payable(
        [OwnMonth(p, 55_000) for p in paid],
        subsidised=subsidised,
        first=first,
        last=last,
        through=through,
        months_left=left,
    )
    periods = [m.period for m in got]
    assert set(periods) <= set(paid)  # a month not paid is never subsidised
    assert not set(periods) & subsidised
    assert len(periods) <= left
    assert all(first <= p <= last for p in periods)
    assert periods == sorted(periods)


@given(months, months)
def test_paying_more_months_never_subsidises_fewer(paid, more) -> None:
    kwargs = {"subsidised": set(), "first": D(2024, 1, 1), "last": None, "through": D(2028, 1, 1), "months_left": 36}
    fewer = payable([OwnMonth(p, 1) for p in paid], **kwargs)
    both = payable([OwnMonth(p, 1) for p in set(paid) | set(more)], **kwargs)
    assert len(both) >= len(fewer)


def test_the_share_is_exact() -> None:
    assert parse_share(PARAMS["si_subsidy_share"].value) == Fraction(2, 3)
