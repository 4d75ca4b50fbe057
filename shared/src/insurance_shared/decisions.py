"""The shape of an explained decision: every rule decision lists its criteria, each with whether it was met, the
values used, the dated parameters it read and the clause it applies (policy.md: "Every decision the system makes
must carry the citations that justify it")."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from .parameters import ParameterValue

__all__ = ["Criterion", "CriterionOut", "criterion_dict"]


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    met: bool
    clause: str
    explanation: str
    values: dict[str, object] = field(default_factory=dict)
    parameters: tuple[ParameterValue, ...] = ()
    explanation_zh: str = ""  # the same in Chinese, for the person and the officer (written beside the English)


def criterion_dict(c: Criterion) -> dict[str, Any]:
    """JSON-ready, parameters as ``{name, value, valid_from, clause}``."""
    return {
        "name": c.name,
        "met": c.met,
        "clause": c.clause,
        "explanation": c.explanation,
        "explanation_zh": c.explanation_zh or None,
        "values": _plain(c.values),
        "parameters": [
            {"name": p.name, "value": p.value, "valid_from": p.valid_from.isoformat(), "clause": p.clause}
            for p in c.parameters
        ],
    }


def _plain(value: Any) -> Any:
    """``dataclasses.asdict``'s conversion without its deep copy of every leaf (most of its cost, and a claim's
    registration explains six criteria): dataclasses, lists, tuples and dicts become new dicts and lists; numbers,
    strings and dates are immutable and kept as they are."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class CriterionOut(BaseModel):
    """一项判定标准: 是否满足、所用数值、所用参数 (含生效日期)、依据条款."""

    name: str
    met: bool
    clause: str = Field(examples=["R14(1)"])
    explanation: str = Field(description="说明 (英文, 供开发者)")
    explanation_zh: str | None = Field(default=None, description="说明 (中文, 供当事人与经办人)")
    values: dict[str, object]
    parameters: list[dict[str, str]] = Field(
        examples=[[{"name": "minimum_months", "value": "12", "valid_from": "2005-01-01", "clause": "R14(1)"}]]
    )
