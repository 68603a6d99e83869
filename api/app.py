"""The FastAPI application, built around a container that the caller owns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from api.auth import authorise, check_every_route_is_guarded, remove_security_from_open_operations
from api.problems import install_problem_handlers
from api.routes import (
    audit,
    dashboard,
    funds,
    households,
    indicators,
    official_reports,
    reference,
    registers,
    users,
)
from infrastructure.container import Container

# The dashboard's style and script, beside the package's modules (found when installed, too).
STATIC = Path(__file__).parent / "static"

DESCRIPTION = """
Case files for Vietnam's sustainable poverty-reduction programme (Thai Nguyen, plan 101/KH-UBND).

**Logging in.** Every operation but `/health`, the documentation, `/reference/*`,
`POST /self-assessment` and `POST /auth/token` needs a bearer token. Press **Authorize**, give a
username and password (the demo server prints its demo logins when it starts; on a new database
the first user is made with `giamngheo users add NAME --role admin --unit 19`), and every "Try it
out" then carries the token. A token lasts 30 minutes. Each user has one role and one unit: they
see households, registers and reports of that unit and the units inside it only.

Every write records the logged-in user as its actor, and answers with the log
`position` of what it recorded. A read reflects every write this server acknowledged before it;
give a `position` back as `min_position` to see a write made through another server.
Errors are `application/problem+json` with a `code`; each operation lists the statuses it can
answer. A method a path does not accept is `405 method_not_allowed`, with an `Allow` header.
"""


def create_app(container: Container) -> FastAPI:
    # /docs and /redoc from assets packaged with fastapi-offline: offices often have no internet.
    app = FastAPIOffline(
        title="giamngheo",
        version="0.1.0",
        description=DESCRIPTION,
        dependencies=[Depends(authorise)],
        swagger_ui_parameters={"persistAuthorization": False},
    )
    app.state.container = container
    install_problem_handlers(app)
    app.include_router(users.router)
    app.include_router(households.router)
    app.include_router(audit.router)
    app.include_router(funds.router)
    app.include_router(indicators.router)
    app.include_router(registers.router)
    app.include_router(reference.router)
    app.include_router(official_reports.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    check_every_route_is_guarded(app)
    _document_open_operations(app)
    return app


def _document_open_operations(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = remove_security_from_open_operations(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
