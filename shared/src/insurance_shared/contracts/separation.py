"""Separation reason codes, shared by the unit that files them (contributions) and the rules that judge
eligibility (claims). R14(b): only a job that ended against the person's will (非因本人意愿中断就业) qualifies."""

from enum import StrEnum


class SeparationReason(StrEnum):
    CONTRACT_EXPIRED_NOT_RENEWED = "contract_expired_not_renewed"  # 劳动合同期满, 单位不续订
    DISMISSED = "dismissed"  # 被用人单位解除劳动合同
    BANKRUPTCY_OR_CLOSURE = "bankruptcy_or_closure"  # 单位破产、撤销、关闭
    MASS_LAYOFF = "mass_layoff"  # 经济性裁员
    RESIGNED_FOR_UNIT_FAULT = "resigned_for_unit_fault"  # 因单位过错被迫辞职
    VOLUNTARY_RESIGNATION = "voluntary_resignation"  # 本人自愿辞职
    RETIREMENT = "retirement"  # 退休
    DEATH = "death"  # 死亡


INVOLUNTARY = frozenset(
    {
        SeparationReason.CONTRACT_EXPIRED_NOT_RENEWED,
        SeparationReason.DISMISSED,
        SeparationReason.BANKRUPTCY_OR_CLOSURE,
        SeparationReason.MASS_LAYOFF,
        SeparationReason.RESIGNED_FOR_UNIT_FAULT,
    }
)


def is_involuntary(reason: str) -> bool:
    """R14(b), policy.md Claims 2(b)."""
    return reason in INVOLUNTARY
