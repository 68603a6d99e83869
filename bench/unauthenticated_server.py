"""`giamngheo serve` for the benchmark: a request marked with ``X-Bench-Unauthenticated`` skips
authentication, so that the cost of authentication is measured against no authentication in the
same process, with the same caches and database, round by round.

    python -m bench.unauthenticated_server USERNAME serve [serve's arguments]

Every other request goes through ``api.auth.authorise`` unchanged. A marked request acts as
USERNAME, a caseworker of the province, as ``authorise`` would leave it (``request.state``
holds the principal that ``api.dependencies.actor`` reads). Never part of the shipped server.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Request, Security

import api.app
from api import cli
from api.auth import Principal, authorise, bearer
from api.dependencies import ContainerDep
from domain.access import Role
from domain.units import PROVINCE_CODE
from infrastructure.container import Container

UNAUTHENTICATED = "X-Bench-Unauthenticated"

shipped_create_app = api.app.create_app


def with_an_unauthenticated_baseline(username: str) -> Callable[[Container], FastAPI]:
    principal = Principal(username=username, role=Role.CASEWORKER, unit_code=PROVINCE_CODE)

    def authorise_unless_marked(
        request: Request,
        built: ContainerDep,
        token: Annotated[str | None, Security(bearer)] = None,
    ) -> Principal | None:
        # The same parameters as ``authorise``: an unmarked request is resolved as shipped.
        if UNAUTHENTICATED in request.headers:
            request.state.principal = principal
            return principal
        return authorise(request, built, token)

    def create_app(container: Container) -> FastAPI:
        app = shipped_create_app(container)
        app.dependency_overrides[authorise] = authorise_unless_marked
        return app

    return create_app


def main(argv: list[str]) -> int:
    username, *arguments = argv
    # `giamngheo serve` imports create_app when it starts: replaced here, for this process only.
    api.app.create_app = with_an_unauthenticated_baseline(username)  # type: ignore[assignment]
    return cli.main(arguments)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
