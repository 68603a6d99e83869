"""Every error becomes application/problem+json here, and only here."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping
from typing import Any
from uuid import uuid4

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.openapi_docs import finish
from api.schemas import Problem
from domain.errors import DomainError, TooManyAttempts

PROBLEM_JSON = "application/problem+json"
CORRELATION_HEADER = "X-Correlation-Id"

logger = logging.getLogger("giamngheo.api")

_CODES_BY_STATUS = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "validation_error",
    422: "validation_error",
    503: "unavailable",
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _headers_for(error: DomainError) -> dict[str, str] | None:
    if error.status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, TooManyAttempts):
        return {"Retry-After": str(error.retry_after)}
    return None


class Unavailable(Exception):
    """A read could not reach the asked log position in time."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _location(loc: tuple[Any, ...]) -> list[Any]:
    # FastAPI prefixes "body" / "query" / "header"; keep it: it tells where the field is.
    return list(loc)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts on this path, asked of the routes themselves."""
    routes = request.app.router.routes
    scope = {k: v for k, v in request.scope.items() if k not in ("route", "endpoint")}
    return [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    def domain_error(_: Request, error: DomainError) -> JSONResponse:
        errors = [{"loc": list(e.loc), "msg": e.msg} for e in error.errors]
        return problem(
            error.status,
            error.code,
            error.title,
            error.detail,
            errors if errors else None,
            headers=_headers_for(error),
        )

    @app.exception_handler(RequestValidationError)
    def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": _location(tuple(e.get("loc", ()))), "msg": str(e.get("msg", ""))}
            for e in error.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"])
        return problem(422, "validation_error", "Invalid input", f"{where}: {first['msg']}", errors)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:
            # A body that cannot be read (not UTF-8) is invalid input like any other
            # (contract.md pairs validation_error with 422).
            detail = str(error.detail)
            return problem(
                422, "validation_error", "Invalid input", detail, [{"loc": ["body"], "msg": detail}]
            )
        if error.status_code == 405:
            allowed = ", ".join(_allowed_methods(request))
            return problem(
                405,
                "method_not_allowed",
                "Method not allowed",
                f"{request.method} is not accepted here; allowed: {allowed}",
                headers={"Allow": allowed},
            )
        status = error.status_code
        code = _CODES_BY_STATUS.get(status, "internal_error" if status >= 500 else "rule_violation")
        return problem(status, code, str(error.detail), str(error.detail), headers=error.headers)

    @app.exception_handler(Unavailable)
    def unavailable(_: Request, error: Unavailable) -> JSONResponse:
        return problem(503, "unavailable", "Not yet available", error.detail)

    app.add_middleware(UnexpectedErrors)
    _document_problems(app)


class UnexpectedErrors:
    """Whatever escapes the routes and the handlers above answers a problem+json 500 carrying a
    correlation id; the server log records the same id with the traceback. The client sees no
    stack trace, and the log line carries no values (no query string, no exception message:
    either may hold personal data), only where the failure happened."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:
            correlation_id = uuid4().hex
            logger.error(_log_entry(correlation_id, scope, error))
            if started:
                # Too late for an answer of our own: let the server close the connection.
                raise
            response = problem(
                500,
                "internal_error",
                "Internal error",
                "the server failed unexpectedly; nothing more is known to the client. "
                f"Quote correlation id {correlation_id} to the administrator.",
                headers={CORRELATION_HEADER: correlation_id},
                correlation_id=correlation_id,
            )
            await response(scope, receive, send)


def _log_entry(correlation_id: str, scope: Scope, error: BaseException) -> str:
    route = scope.get("route")
    where = getattr(route, "path", None) or scope.get("path", "?")
    lines = [
        f"internal error {correlation_id}: {scope.get('method', '?')} {where} raised "
        f"{_name(error)} (values left out; the traceback follows)"
    ]
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current is not error:
            lines.append(f"caused by {_name(current)}")
        lines.append("Traceback (most recent call last):")
        lines.extend(
            line.rstrip("\n")
            for line in traceback.format_list(traceback.extract_tb(current.__traceback__))
        )
        lines.append(_name(current))
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\n".join(lines)


def _name(error: BaseException) -> str:
    kind = type(error)
    return f"{kind.__module__}.{kind.__qualname__}"


_PROBLEM_CONTENT = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_MEANINGS = {
    401: "No valid bearer token (unauthorized; `WWW-Authenticate: Bearer`)",
    403: "The user's role, or the unit asked for, is outside what the user may do (forbidden)",
    404: "An id in the path names nothing (not_found)",
    409: "A stale `expected_version`, or a duplicate (conflict)",
    422: "Invalid input (validation_error) or a business rule refused it (rule_violation, "
    "not_eligible, insufficient_funds)",
    429: "Too many failed logins (too_many_attempts); retry after `Retry-After` seconds",
    503: "A read model did not reach the position in 5 s (unavailable); retry",
    500: "An unexpected failure (internal_error), logged under its correlation_id",
}
Responses = dict[int | str, dict[str, Any]]


def problem_responses(*statuses: int, public: bool = False) -> Responses:
    """The error answers of an operation, as `responses=` of its route: the ``statuses`` it
    can answer, 500, and 401 and 403 unless the path is ``public`` (contract.md
    "Authentication and access"). 405 is global: any path, a method it does not list."""
    documented = {*statuses, 500} if public else {*statuses, 401, 403, 500}
    return {
        status: {"description": _MEANINGS[status], "content": _PROBLEM_CONTENT}
        for status in sorted(documented)
    }


def _document_problems(app: FastAPI) -> None:
    """The OpenAPI document carries the Problem schema that every route's
    `problem_responses(...)` refers to, in place of FastAPI's default error shape, and the
    last touches of api.openapi_docs."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def documented() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem_schema.pop("$defs", {}))
        components["Problem"] = problem_schema
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                # FastAPI's own 422 where a route named none: what the handlers above answer.
                answer = operation.get("responses", {}).get("422")
                if answer is not None and PROBLEM_JSON not in answer.get("content", {}):
                    # The document's keys are strings: an int key would be a second "422".
                    documented_here = problem_responses(422, public=True).items()
                    operation["responses"].update({str(k): v for k, v in documented_here})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        finish(schema, app.state.container.units)
        app.openapi_schema = schema
        return schema

    app.openapi = documented  # type: ignore[method-assign]
