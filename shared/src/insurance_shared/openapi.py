"""Make each service's OpenAPI document say what goes over the wire.

FastAPI's defaults describe a different service from ours: errors under ``application/json`` (we always send
``application/problem+json``), one 422 example copied to every status, 401/403 on routes that take no token,
operationIds such as ``declare_bulk_units__credit_code__declarations_bulk_post``, a title that client generators turn
into a package name. A client generated from the document must work against the real service; this module is where
the document is corrected, once, for all four services.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from .errors import PROBLEM_JSON
from .i18n import CHINESE_BY_DEFAULT, problem_text_zh

__all__ = ["ROLE_ATTRIBUTE", "ascii_title", "exact_contract", "operation_id"]

ROLE_ATTRIBUTE = "__insurance_roles__"  # set by auth.require_roles on the dependency it returns

_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemBody"}


def _example(status: int, code: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": f"urn:jilin-ui:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": "/…",
        "request_id": "5f0c0f7a2b1e4c7e9d7f1a2b3c4d5e6f",
        "errors": [],
        **extra,
    }


def _in_language(example: dict[str, Any], path: str) -> dict[str, Any]:
    """As a path that answers in Chinese unless asked otherwise writes it (i18n.py): the English kept beside."""
    zh = problem_text_zh(example["code"]) if path.startswith(CHINESE_BY_DEFAULT) else None
    return {**example, "detail": zh, "detail_en": example["detail"]} if zh else example


# One real answer per status, as the handlers in errors.py, auth.py and limits.py write it.
EXAMPLES: dict[int, dict[str, Any]] = {
    400: _example(400, "http_400", "Bad Request", "There was an error parsing the body"),
    401: _example(401, "token_missing", "Unauthorized", "send a bearer token: Authorization: Bearer <jwt>"),
    403: _example(403, "role_forbidden", "Forbidden", "this call needs one of the roles agency"),
    404: _example(404, "not_found", "Not found", "no such object (or it belongs to another region)"),
    408: _example(408, "body_read_timeout", "Request Timeout", "no part of the body arrived for 30 seconds"),
    409: _example(
        409,
        "idempotency_key_reused",
        "Conflict",
        "this Idempotency-Key was used with a different request body",
    ),
    413: _example(413, "body_too_large", "Content Too Large", "a application/json of at most 16777216 bytes"),
    415: _example(
        415,
        "unsupported_media_type",
        "Upload cannot be read",
        "send text/csv or application/x-ndjson",
    ),
    422: _example(
        422,
        "validation_failed",
        "Request validation failed",
        "1 field invalid: body.region",
        errors=[{"field": "body.region", "code": "string_pattern_mismatch", "message": "String should match ..."}],
    ),
    431: _example(
        431,
        "headers_too_large",
        "Request Header Fields Too Large",
        "at most 100 headers of 16384 bytes in all",
    ),
    503: _example(
        503,
        "database_unavailable",
        "Service Unavailable",
        "the database cannot be reached just now; nothing of this request was written, send it again",
    ),
}

_ADDED_FOR_BODIES = {
    400: "请求体无法解析 (http_400): 不是可读的 JSON",
    413: "请求体过大 (body_too_large): JSON 至多 16 MiB, 上传文件至多 1 GiB",
    408: "请求体停止到达超过 30 秒 (body_read_timeout)",
}
# what any request may meet before or beside its handler: the limits middleware and the database's availability
_ADDED_FOR_ALL = {
    431: "请求头过多或过大 (headers_too_large)",
    503: "数据库暂不可用或繁忙, 未写入任何内容, 请稍后重发 (database_unavailable, database_busy; 见 Retry-After)",
}
_UPLOAD_TYPES = ("text/csv", "application/x-ndjson")


def operation_id(route: APIRoute) -> str:
    """``<first tag>.<handler name>``: short, stable across path edits, and what a generator names the method."""
    name = route.name
    return f"{route.tags[0]}.{name}" if route.tags else name


def _roles(dependant: Dependant) -> list[str] | None:
    for dep in dependant.dependencies:
        roles = getattr(dep.call, ROLE_ATTRIBUTE, None)
        if roles is not None:
            return list(roles)
        found = _roles(dep)
        if found is not None:
            return found
    return None


def exact_contract(schema: dict[str, Any], routes: Iterable[BaseRoute], ascii_title: str) -> None:
    """Correct ``schema`` in place (see the module docstring). ``routes``: the routers' own routes, as declared
    (the app's included routers are wrapped), matched to operations by path and method."""
    roles = {
        (r.path_format, method.lower()): _roles(r.dependant)
        for r in routes
        if isinstance(r, APIRoute)
        for method in r.methods
    }
    info = schema["info"]
    # the Chinese title stays in front of the description, where people read it
    info["description"] = f"**{info['title']}**\n\n{info.get('description', '')}".rstrip()
    info["title"] = ascii_title
    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            responses: dict[str, Any] = op.setdefault("responses", {})
            secured = "security" in op
            params = op.get("parameters", [])
            if not secured:
                responses.pop("401", None)
                responses.pop("403", None)
                if not any(p["in"] == "path" for p in params):
                    responses.pop("404", None)  # public and ops routes name no object that could be missing
            if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in params):
                responses.setdefault("409", {"description": "幂等键已用于另一请求 (idempotency_key_reused)"})
            if "requestBody" in op:
                for status, text in _ADDED_FOR_BODIES.items():
                    responses.setdefault(str(status), {"description": text})
                content = op["requestBody"].get("content", {})
                if any(t in content for t in _UPLOAD_TYPES):
                    responses.setdefault("415", {"description": "不支持的上传格式 (unsupported_media_type)"})
                    # the same file as a generator sends one (openapi-python-client knows no CSV or JSON Lines):
                    # the service tells CSV from JSON Lines by the first line
                    example = next(
                        (content[t]["example"] for t in _UPLOAD_TYPES if "example" in content.get(t, {})), ""
                    )
                    content.setdefault(
                        "application/octet-stream",
                        {
                            "schema": {
                                "type": "string",
                                "format": "binary",
                                "description": "the same file, CSV or JSON Lines (told apart by its first line)",
                            },
                            "example": example,
                        },
                    )
            for status, text in _ADDED_FOR_ALL.items():
                responses.setdefault(str(status), {"description": text})
            for status, response in responses.items():
                if int(status) >= 400:
                    content: dict[str, Any] = {"schema": _PROBLEM_REF}
                    if int(status) in EXAMPLES:
                        content["example"] = _in_language(EXAMPLES[int(status)], path)
                    response["content"] = {PROBLEM_JSON: content}
            needs = roles.get((path, method))
            if needs:
                who = f"需要角色 (roles): {', '.join(sorted(needs))}"
            elif secured:
                who = "需要令牌, 任何角色 (any authenticated caller)"
            else:
                who = "公开, 无需令牌 (public, no token)"
            op["description"] = f"{op.get('description', '').rstrip()}\n\n{who}".lstrip()
    comps = schema.get("components", {}).get("schemas", {})
    comps.pop("HTTPValidationError", None)
    comps.pop("ValidationError", None)


def ascii_title(name: str) -> str:
    """A title a client generator can turn into an installable package name."""
    return "jilin-ui-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
