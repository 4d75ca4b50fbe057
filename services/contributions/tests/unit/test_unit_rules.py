"""Unit registration consistency, table-driven; each row cites the clause it checks."""

import pytest

from contributions.rules.units import unit_registration_violations

OK = dict(
    kind="enterprise",
    region="220100",
    home_region=None,
    provincial_direct=False,
    fully_budget_funded=False,
    declared_staff=10,
)


@pytest.mark.parametrize(
    ("clause", "changes", "codes"),
    [
        ("N§2", {}, []),
        ("N§3(4)", {"provincial_direct": True, "region": "220000", "home_region": "220200"}, []),
        (
            "N§3(4)",
            {"provincial_direct": True, "region": "220100", "home_region": "220200"},
            ["provincial_direct_region"],
        ),
        ("N§3(4)", {"provincial_direct": True, "region": "220000"}, ["home_region_required"]),
        ("N§3(4)", {"provincial_direct": True, "region": "220000", "home_region": "220000"}, ["home_region_required"]),
        ("N§3(4)", {"region": "220000"}, ["province_region_reserved"]),
        ("N§3(4)", {"home_region": "220200"}, ["home_region_not_applicable"]),
        ("N§2 ¶2", {"kind": "public_institution", "fully_budget_funded": True}, []),
        ("N§2 ¶2", {"fully_budget_funded": True}, ["budget_funding_needs_public_institution"]),
        ("N§2 ¶1", {"kind": "individual_business", "declared_staff": 0}, ["no_staff"]),
    ],
)
def test_registration_rules(clause: str, changes: dict[str, object], codes: list[str]) -> None:
    violations = unit_registration_violations(**{**OK, **changes})  # type: ignore[arg-type]
    assert [v.code for v in violations] == codes
    assert all(v.clause == clause for v in violations)
