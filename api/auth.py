"""Who is asking and what they may do: bearer tokens, each operation's permission, area scoping.

Every operation of the API is named once below, either open or with the permission it needs; the
application refuses to start if a route is missing (``check_every_route_is_guarded``), so a new
endpoint cannot be left unprotected by forgetting it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer

from api.dependencies import ContainerDep
from domain.access import Permission, Role, may
from domain.errors import Forbidden, NotFound, Unauthorized
from infrastructure.container import Container
from infrastructure.credentials import InvalidToken

TOKEN_PATH = "/auth/token"
FIRST_USER_HINT = (
    "no user exists yet: create the first with `giamngheo users add NAME --role admin`"
)

# No token needed: documentation, reference data, the self-assessment and the login itself.
# The dashboard's page holds no data: it logs in and reads through the API like any client.
OPEN_OPERATIONS = frozenset(
    {
        "GET /health",
        "GET /openapi.json",
        "GET /docs",
        "GET /docs/oauth2-redirect",
        "GET /redoc",
        f"POST {TOKEN_PATH}",
        "GET /reference/units",
        "GET /reference/support-types",
        "GET /reference/programme-lines",
        "GET /reference/standards",
        "POST /self-assessment",
        "GET /dashboard",
    }
)
OPEN_PREFIXES = ("/static/",)

P = Permission
ACCESS: dict[str, Permission | None] = {
    # Households: caseworkers record, approvers decide, both read.
    "POST /households": P.RECORD_HOUSEHOLD_FACTS,
    "GET /households": P.READ_HOUSEHOLDS,
    "GET /households/{household_id}": P.READ_HOUSEHOLDS,
    "POST /households/{household_id}/members": P.RECORD_HOUSEHOLD_FACTS,
    "POST /households/{household_id}/members/{member_id}/departure": P.RECORD_HOUSEHOLD_FACTS,
    "POST /households/{household_id}/members/{member_id}/corrections": P.RECORD_HOUSEHOLD_FACTS,
    "POST /households/{household_id}/surveys": P.RECORD_HOUSEHOLD_FACTS,
    "POST /households/{household_id}/supports": P.RECORD_HOUSEHOLD_FACTS,
    "POST /households/{household_id}/supports/{support_id}/reversal": P.RECORD_HOUSEHOLD_FACTS,
    "POST /households/{household_id}/recognitions": P.DECIDE_RECOGNITIONS,
    "POST /households/{household_id}/recognitions/{recognition_id}/revocation": (
        P.DECIDE_RECOGNITIONS
    ),
    "POST /households/{household_id}/recognitions/{recognition_id}/correction": (
        P.DECIDE_RECOGNITIONS
    ),
    # Audit.
    "GET /households/{household_id}/history": P.READ_HISTORY,
    "GET /households/{household_id}/diff": P.READ_HISTORY,
    "GET /households/{household_id}/surveys/{survey_id}/verification": P.READ_HISTORY,
    "GET /households/{household_id}/file": P.READ_HISTORY,
    "GET /households/{household_id}/file.html": P.READ_HISTORY,
    "GET /reports/restatement": P.RESTATE,
    # Funds.
    "POST /allocations": P.MANAGE_ALLOCATIONS,
    "POST /allocations/{allocation_id}/adjustments": P.MANAGE_ALLOCATIONS,
    "GET /allocations/{allocation_id}": P.READ_ALLOCATIONS,
    "GET /allocations/{allocation_id}/trace": P.TRACE_FUNDS,
    "GET /households/{household_id}/funds": P.TRACE_FUNDS,
    "GET /inspections/findings": P.TRACE_FUNDS,
    "GET /funds/summary": P.READ_FUNDS_SUMMARY,
    # Registers, reports, indicators.
    "GET /registers/summary": P.READ_REGISTERS,
    "GET /registers/{kind}": P.READ_REGISTERS,
    "GET /reports/movements": P.READ_REGISTERS,
    "GET /reports/movements/by-unit": P.READ_REGISTERS,
    "GET /reports/movements.xlsx": P.READ_REGISTERS,
    "GET /reports/deprivations": P.READ_REGISTERS,
    "GET /reports/deprivations/by-unit": P.READ_REGISTERS,
    "GET /reports/deprivations.xlsx": P.READ_REGISTERS,
    "GET /indicators": P.READ_REGISTERS,
    "GET /indicators/by-unit": P.READ_REGISTERS,
    "GET /indicators.xlsx": P.READ_REGISTERS,
    # Users.
    "GET /users/me": None,  # any authenticated user
    "GET /users": P.MANAGE_USERS,
    "POST /users": P.MANAGE_USERS,
    "GET /users/{username}": P.MANAGE_USERS,
    "POST /users/{username}/disable": P.MANAGE_USERS,
    "POST /users/{username}/password": None,  # one's own; another's needs MANAGE_USERS
    "POST /users/{username}/role": P.MANAGE_USERS,
    "POST /users/{username}/unit": P.MANAGE_USERS,
    "GET /users/{username}/history": P.MANAGE_USERS,
}


@dataclass(frozen=True)
class Principal:
    """The authenticated user of one request, as the directory holds them now."""

    username: str
    role: Role
    unit_code: str


bearer = OAuth2PasswordBearer(
    tokenUrl=TOKEN_PATH,
    auto_error=False,
    description="Log in at `POST /auth/token` (the Authorize button) with a username and password.",
)


def operation_of(request: Request) -> str:
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else request.url.path
    method = "GET" if request.method == "HEAD" else request.method
    return f"{method} {path}"


def is_open(operation: str) -> bool:
    _, _, path = operation.partition(" ")
    return operation in OPEN_OPERATIONS or path.startswith(OPEN_PREFIXES)


def authenticate(built: Container, token: str | None) -> Principal:
    """The token's user, enabled and with a role, else 401 (with the first-run hint if no user
    exists at all)."""
    if not token:
        raise _unauthorized(built, "this operation needs a bearer token: log in at /auth/token")
    try:
        claims = built.tokens.read(token)
    except InvalidToken as error:
        raise _unauthorized(built, str(error)) from None
    user = built.users.current(claims.username)
    if (
        user is None
        or user.disabled
        or user.role is None
        or user.password_changes != claims.password_changes
    ):
        raise _unauthorized(built, "the token no longer grants access; log in again")
    return Principal(username=user.username, role=user.role, unit_code=user.unit_code)


def _unauthorized(built: Container, detail: str) -> Unauthorized:
    if not built.users.exist():
        detail = FIRST_USER_HINT
    return Unauthorized(detail=detail)


def authorise(
    request: Request,
    built: ContainerDep,
    token: Annotated[str | None, Security(bearer)] = None,
) -> Principal | None:
    """Every request passes here once (an application-wide dependency): open operations pass,
    others need a valid token, the role's permission, and a household inside the user's unit."""
    operation = operation_of(request)
    if is_open(operation):
        return None
    principal = authenticate(built, token)
    request.state.principal = principal
    needed = ACCESS.get(operation)
    if needed is not None and not may(principal.role, needed):
        raise Forbidden(
            detail=f"the role {principal.role.value} may not {needed.value} ({operation})"
        )
    household_id = request.path_params.get("household_id")
    if household_id is not None:
        _household_in_scope(built, principal, household_id)
    allocation_id = request.path_params.get("allocation_id")
    if allocation_id is not None:
        _allocation_in_scope(built, principal, allocation_id)
    return principal


def _household_in_scope(built: Container, principal: Principal, household_id: str) -> None:
    try:
        identifier = UUID(household_id)
    except ValueError:
        return  # the route's own validation answers 422
    commune = built.case_files.commune_of(identifier)  # 404 for an unknown id
    if not built.units.contains(principal.unit_code, commune):
        # Outside the user's unit a household does not exist: the same answer as an unknown id.
        raise NotFound(detail=f"no household {identifier}")


def _allocation_in_scope(built: Container, principal: Principal, allocation_id: str) -> None:
    try:
        identifier = UUID(allocation_id)
    except ValueError:
        return
    allocation = built.case_files.allocation(identifier)
    if not built.units.contains(principal.unit_code, allocation.unit_code):
        raise NotFound(detail=f"no allocation {identifier}")


def authenticated(
    principal: Annotated[Principal | None, Depends(authorise)],
) -> Principal:
    """For routes that act on behalf of the user: the same answer ``authorise`` cached."""
    if principal is None:  # pragma: no cover - open operations do not ask for a principal
        raise Unauthorized(detail="this operation needs a bearer token")
    return principal


PrincipalDep = Annotated[Principal, Depends(authenticated)]


def check_within(
    built: Container, principal: Principal, unit_code: str, loc: tuple[str, ...]
) -> None:
    """A write or a report naming a unit outside the user's: 403 (unknown units are left to the
    route's own check)."""
    if built.units.get(unit_code) is None:
        return
    if not built.units.contains(principal.unit_code, unit_code):
        raise Forbidden(
            detail=f"{'.'.join(loc)} {unit_code} is outside {principal.username}'s unit "
            f"{principal.unit_code}"
        )


def scoped_area(
    built: ContainerDep,
    principal: PrincipalDep,
    area: Annotated[
        str | None,
        Query(description="unit code: province, district or commune (default: your unit)"),
    ] = None,
) -> str:
    if area is None:
        return principal.unit_code
    check_within(built, principal, area, ("area",))
    return area


def scoped_unit(
    built: ContainerDep,
    principal: PrincipalDep,
    unit: Annotated[
        str | None,
        Query(description="unit code: province, district or commune (default: your unit)"),
    ] = None,
) -> str:
    if unit is None:
        return principal.unit_code
    check_within(built, principal, unit, ("unit",))
    return unit


ScopedArea = Annotated[str, Depends(scoped_area)]
ScopedUnit = Annotated[str, Depends(scoped_unit)]


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Every operation the application serves, as ``"METHOD /path"``."""
    for route in app.router.routes:
        included = getattr(route, "original_router", None)
        context = getattr(route, "include_context", None)
        prefix = getattr(context, "prefix", "") if included is not None else ""
        for each in included.routes if included is not None else [route]:
            if isinstance(each, APIRoute):
                for method in sorted(each.methods or ()):
                    yield f"{method} {prefix}{each.path}", each


def check_every_route_is_guarded(app: FastAPI) -> None:
    unnamed = [op for op, _ in api_routes(app) if not is_open(op) and op not in ACCESS]
    if unnamed:
        raise RuntimeError(
            "operations without an access rule in api/auth.py: " + ", ".join(sorted(unnamed))
        )


def remove_security_from_open_operations(schema: dict[str, Any]) -> dict[str, Any]:
    """The bearer scheme applies to every operation but the open ones; say so in the document."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and is_open(f"{method.upper()} {path}"):
                operation.pop("security", None)
    return schema
