"""RFC 9457 problem details: the one error shape every service answers with.

Domain code raises :class:`Problem` (or a subclass) with a stable ``code``; one handler renders it. FastAPI's own
validation errors are reshaped into the same form, with one entry per field at fault.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .i18n import language, problem_text_zh

__all__ = [
    "PROBLEM_JSON",
    "Conflict",
    "FieldError",
    "Forbidden",
    "InvalidTransition",
    "NotFound",
    "Problem",
    "ProblemBody",
    "Unprocessable",
    "ensure_transition",
    "field_path",
    "install_problem_handlers",
    "problem_response",
]

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:jilin-ui:problem:"


class FieldError(BaseModel):
    field: str = Field(description="出错字段路径, 如 body.persons[0].id_number", examples=["body.credit_code"])
    code: str = Field(description="稳定的错误代码", examples=["credit_code_checksum"])
    message: str = Field(
        description="错误说明: 按 Accept-Language (zh 或 en; 默认英文)", examples=["the check character does not match"]
    )
    message_en: str | None = Field(default=None, description="中文说明时附英文原文 (供开发者)")


class ProblemBody(BaseModel):
    """RFC 9457 问题详情 (problem details)."""

    type: str = Field(examples=["urn:jilin-ui:problem:validation_failed"])
    title: str = Field(examples=["Request validation failed"])
    status: int = Field(examples=[422])
    detail: str | None = Field(
        default=None,
        description="说明: 按 Accept-Language (zh 或 en); 公示名单与看板默认中文, 其他接口默认英文",
        examples=["1 field is invalid"],
    )
    detail_en: str | None = Field(default=None, description="中文说明时附英文原文 (供开发者)")
    code: str = Field(description="稳定的错误代码, 供调用方程序判断", examples=["validation_failed"])
    instance: str | None = Field(default=None, examples=["/units"])
    request_id: str | None = Field(default=None, examples=["5f0c0f7a2b1e4c7e9d7f1a2b3c4d5e6f"])
    errors: list[FieldError] = Field(default_factory=list)


class Problem(Exception):
    """A refusal the caller can act on. ``code`` is stable and documented; ``detail`` is for people."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str | None = None,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title or code)
        self.status = status
        self.code = code
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self, request: Request | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": TYPE_PREFIX + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        errors = [e.model_dump(exclude_none=True) for e in self.errors]
        if request is not None:
            out["instance"] = request.url.path
            out["request_id"] = request.scope.get("state", {}).get("request_id")
            if language(request) == "zh":
                _in_chinese(out, errors)
        out["errors"] = errors
        out.update(self.extra)
        return out


def _in_chinese(out: dict[str, Any], errors: list[dict[str, Any]]) -> None:
    """The Chinese text of each code that has one, the English kept beside it."""
    if (zh := problem_text_zh(out["code"])) is not None:
        out["detail_en"], out["detail"] = out["detail"], zh
    for e in errors:
        if (zh := problem_text_zh(e["code"])) is not None:
            e["message_en"], e["message"] = e["message"], zh


class NotFound(Problem):
    def __init__(self, what: str, key: str | None = None) -> None:
        detail = f"no {what} {key}" if key else f"no such {what}"
        super().__init__(404, f"{what.replace(' ', '_')}_not_found", "Not found", detail)


class Conflict(Problem):
    def __init__(self, code: str, detail: str, **kw: Any) -> None:
        super().__init__(409, code, "Conflict", detail, **kw)


class InvalidTransition(Problem):
    """A lifecycle step the object's current state does not allow; the state is in the answer."""

    def __init__(self, what: str, key: object, state: str, allowed: tuple[str, ...], to: str) -> None:
        super().__init__(
            409,
            "invalid_transition",
            "Conflict",
            f"{what} {key} is {state}; it can become {to} only from {' or '.join(allowed)}",
            extra={"current_state": state},
        )


def ensure_transition(what: str, key: object, state: str, allowed: tuple[str, ...], to: str) -> None:
    if state not in allowed:
        raise InvalidTransition(what, key, state, allowed, to)


class Forbidden(Problem):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(403, code, "Forbidden", detail)


class Unprocessable(Problem):
    """A well-formed request that a rule refuses; ``field`` names the part at fault."""

    def __init__(self, code: str, detail: str, field: str | None = None, **kw: Any) -> None:
        errors = [FieldError(field=field, code=code, message=detail)] if field else []
        super().__init__(422, code, "Unprocessable request", detail, errors=errors, **kw)


def field_path(loc: Sequence[str | int]) -> str:
    """``("body", "persons", 0, "id")`` → ``body.persons[0].id``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    headers = problem.headers
    if request is not None:
        headers = {
            **headers,
            "Content-Language": "zh-CN" if language(request) == "zh" else "en",
            "Vary": "Accept-Language",
        }
    return JSONResponse(problem.body(request), status_code=problem.status, headers=headers, media_type=PROBLEM_JSON)


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        # pydantic puts the validator's name in the location of function-wrapped types; it is noise to callers
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        errors.append(FieldError(field=field_path(loc), code=str(err.get("type")), message=str(err.get("msg"))))
    n = len(errors)
    return Problem(
        422,
        "validation_failed",
        "Request validation failed",
        f"{n} field{'s' if n != 1 else ''} invalid: " + ", ".join(e.field for e in errors[:5]),
        errors=errors,
    )


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc, request)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(_validation_problem(exc), request)


def _routes(routes: Sequence[Any]) -> Iterator[Any]:
    """The app's routes, those of included routers (wrapped, and mounted without a prefix here) among them."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def _allowed_methods(request: Request) -> str:
    """Every method the path takes. Starlette names only the first route that matched the path, and each method
    of a path is a route of its own here, so /claims would say ``Allow: POST`` although it is also read by GET."""
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods | {"OPTIONS"}))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(exc.headers or {}), "Allow": _allowed_methods(request)}
        if request.method == "OPTIONS":  # what the path takes, as RFC 9110 asks of OPTIONS: not an error
            return Response(status_code=204, headers=headers)
    code = getattr(exc, "problem_code", None) or {404: "route_not_found", 405: "method_not_allowed"}.get(
        exc.status_code, f"http_{exc.status_code}"
    )
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(Problem(exc.status_code, code, detail=detail, headers=headers), request)


async def _on_data_error(request: Request, exc: Exception) -> JSONResponse:
    # SQLSTATE class 22 (PostgreSQL) and SQLite's integer overflow: the database refused a value the request
    # carried. Validation should have caught it first; the caller still gets an answer it can act on.
    return problem_response(
        Problem(
            422,
            "invalid_value",
            "Unprocessable request",
            "a value in the request cannot be stored (a character such as NUL, or a number out of range)",
        ),
        request,
    )


# the database could not take the request now, and the same request may succeed in a moment: SQLite's writer
# lock held past the busy timeout; PostgreSQL's lock_not_available, serialization failure, deadlock
_TRY_AGAIN_SQLSTATES = ("55P03", "40001", "40P01")


# the database cannot be reached at all (restarting, failing over, the network): SQLSTATE class 08 (connection
# exception) and 57P01-57P03 (shut down, crash shutdown, cannot connect now)
_UNREACHABLE_SQLSTATES = ("57P01", "57P02", "57P03")


def _database_unavailable(request: Request) -> JSONResponse:
    return problem_response(
        Problem(
            503,
            "database_unavailable",
            "Service Unavailable",
            "the database cannot be reached just now; nothing of this request was written, send it again",
            headers={"Retry-After": "5"},
        ),
        request,
    )


async def _on_connection_error(request: Request, exc: Exception) -> JSONResponse:
    """A connection refused, reset or not yet accepted by the database (a restart): 503, the work was not done."""
    return _database_unavailable(request)


async def _on_dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    """SQLSTATE class 22 (data exception: a NUL character, a value out of range) is the request's fault, whatever
    class the driver wraps it in; a unique index refusing a concurrent duplicate is a 409; contention is a 503 to
    retry; anything else stays a server error."""
    assert isinstance(exc, DBAPIError)
    sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
    if sqlstate.startswith("22"):
        return await _on_data_error(request, exc)
    if (
        exc.connection_invalidated
        or sqlstate.startswith("08")
        or sqlstate in _UNREACHABLE_SQLSTATES
        or isinstance(exc.orig, ConnectionError)
    ):
        return _database_unavailable(request)
    if sqlstate == "23505" or "UNIQUE constraint failed" in str(exc.orig):
        # a check made before writing could not see the same thing being written on another connection at that
        # moment (another replica, a retry); the database's unique index did, and refused the second
        return problem_response(
            Problem(
                409,
                "written_concurrently",
                "Conflict",
                "the same thing was written by another request at the same moment; nothing of this request was "
                "written: read the current state, and send the request again if it is still needed",
            ),
            request,
        )
    if sqlstate in _TRY_AGAIN_SQLSTATES or "database is locked" in str(exc.orig):
        return problem_response(
            Problem(
                503,
                "database_busy",
                "Service busy",
                "the database is busy with other writes; nothing of this request was written, send it again",
                headers={"Retry-After": "1"},
            ),
            request,
        )
    raise exc


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DBAPIError, _on_dbapi_error)
    # raised unwrapped while the pool connects: ConnectionRefusedError, ConnectionResetError; asyncpg's own
    app.add_exception_handler(ConnectionError, _on_connection_error)
    app.add_exception_handler(asyncpg.exceptions.PostgresConnectionError, _on_connection_error)
    app.add_exception_handler(asyncpg.exceptions.CannotConnectNowError, _on_connection_error)
    app.add_exception_handler(DataError, _on_data_error)
    app.add_exception_handler(OverflowError, _on_data_error)
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
