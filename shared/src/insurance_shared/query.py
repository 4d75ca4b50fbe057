"""A query parameter the operation does not take is refused, not ignored (#24 item 8).

A typo such as ``/claims?regoin=220200`` would otherwise answer the caller's whole scope as if no filter had been
asked for, and the caller would never know; bodies already refuse fields they do not declare (``extra="forbid"``).
Applied to every operation of every service as an app-level dependency.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from .errors import FieldError, Problem

_ALLOWED: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _allowed(route: APIRoute) -> frozenset[str]:
    known = _ALLOWED.get(id(route))
    if known is None:
        known = _ALLOWED[id(route)] = frozenset(_query_names(route.dependant))
    return known


async def known_query_parameters(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    allowed = _allowed(route)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed)) or "none"
        raise Problem(
            422,
            "unknown_parameter",
            "Request validation failed",
            f"{len(unknown)} query parameter(s) this operation does not take: {', '.join(unknown)} (it takes: {takes})",
            errors=[
                FieldError(field=f"query.{name}", code="unknown_parameter", message=f"not a parameter; takes: {takes}")
                for name in unknown
            ],
        )
