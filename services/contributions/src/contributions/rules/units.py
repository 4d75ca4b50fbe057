"""Consistency of a unit's registration (policy.md, Actors and places; N§2, N§3(4))."""

from __future__ import annotations

from dataclasses import dataclass

from insurance_shared import PROVINCE


@dataclass(frozen=True, slots=True)
class Violation:
    field: str
    code: str
    message: str
    clause: str


def unit_registration_violations(
    *,
    kind: str,
    region: str,
    home_region: str | None,
    provincial_direct: bool,
    fully_budget_funded: bool,
    declared_staff: int,
) -> list[Violation]:
    """Every way the registration contradicts the policy; empty when it is consistent."""
    out: list[Violation] = []
    if provincial_direct:
        if region != PROVINCE:
            out.append(
                Violation(
                    "region",
                    "provincial_direct_region",
                    f"a provincial-direct unit is collected by the province: region must be {PROVINCE}",
                    "N§3(4)",
                )
            )
        if home_region is None or home_region == PROVINCE:
            out.append(
                Violation(
                    "home_region",
                    "home_region_required",
                    "a provincial-direct unit names the city/prefecture its unemployment part is remitted to",
                    "N§3(4)",
                )
            )
    else:
        if region == PROVINCE:
            out.append(
                Violation(
                    "region",
                    "province_region_reserved",
                    f"region {PROVINCE} holds only provincial-direct units and the adjustment fund",
                    "N§3(4)",
                )
            )
        if home_region is not None:
            out.append(
                Violation(
                    "home_region",
                    "home_region_not_applicable",
                    "only provincial-direct units have a home region",
                    "N§3(4)",
                )
            )
    if fully_budget_funded and kind != "public_institution":
        out.append(
            Violation(
                "fully_budget_funded",
                "budget_funding_needs_public_institution",
                "only a public institution (事业单位) can be fully funded by the budget",
                "N§2 ¶2",
            )
        )
    if declared_staff < 1:
        out.append(
            Violation(
                "declared_staff",
                "no_staff",
                "a unit to be insured employs at least one person (有雇工)",
                "N§2 ¶1",
            )
        )
    return out
