"""The FastAPI application, built around a container that the caller owns."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

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
)
from infrastructure.container import Container

# The dashboard's style and script, beside the package's modules (found when installed, too).
STATIC = Path(__file__).parent / "static"

DESCRIPTION = """
Case files for Vietnam's sustainable poverty-reduction programme (Thai Nguyen, plan 101/KH-UBND).

Every write needs the **X-Actor** header naming the acting user, and answers with the log
`position` of what it recorded. A read reflects every write this server acknowledged before it;
give a `position` back as `min_position` to see a write made through another server.
Errors are `application/problem+json` with a `code`; each operation lists the statuses it can
answer. A method a path does not accept is `405 method_not_allowed`, with an `Allow` header.
"""


def create_app(container: Container) -> FastAPI:
    # /docs and /redoc from assets packaged with fastapi-offline: offices often have no internet.
    app = FastAPIOffline(title="giamngheo", version="0.1.0", description=DESCRIPTION)
    app.state.container = container
    install_problem_handlers(app)
    app.include_router(households.router)
    app.include_router(audit.router)
    app.include_router(funds.router)
    app.include_router(indicators.router)
    app.include_router(registers.router)
    app.include_router(reference.router)
    app.include_router(official_reports.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
