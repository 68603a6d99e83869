"""Every error becomes application/problem+json here, and only here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import DomainError

PROBLEM_JSON = "application/problem+json"

_CODES_BY_STATUS = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "not_found",
    409: "conflict",
    422: "validation_error",
    503: "unavailable",
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


class Unavailable(Exception):
    """A read could not reach the asked log position in time."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _location(loc: tuple[Any, ...]) -> list[Any]:
    # FastAPI prefixes "body" / "query" / "header"; keep it: it tells where the field is.
    return list(loc)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    def domain_error(_: Request, error: DomainError) -> JSONResponse:
        errors = [{"loc": list(e.loc), "msg": e.msg} for e in error.errors]
        return problem(
            error.status, error.code, error.title, error.detail, errors if errors else None
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
    def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _CODES_BY_STATUS.get(error.status_code, "error")
        return problem(error.status_code, code, str(error.detail), str(error.detail))

    @app.exception_handler(Unavailable)
    def unavailable(_: Request, error: Unavailable) -> JSONResponse:
        return problem(503, "unavailable", "Not yet available", error.detail)
