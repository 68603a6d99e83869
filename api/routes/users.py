"""Logging in (OAuth2 password flow) and the users an admin manages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from api import user_schemas as schemas
from api.auth import TOKEN_PATH, Principal, PrincipalDep, check_within
from api.dependencies import ContainerDep
from api.problems import problem_responses
from application.views import recorded_at_text
from domain.access import Permission, may
from domain.errors import Forbidden, NotFound, Unauthorized
from domain.users import User

router = APIRouter(tags=["users"])
_NO_REASON = schemas.Disabling()

WRONG_CREDENTIALS = "wrong username or password, or the user is disabled"


def user_view(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "unit_code": user.unit_code,
        "disabled": user.disabled,
    }


@router.post(
    TOKEN_PATH,
    response_model=schemas.TokenOut,
    responses=problem_responses(401, 422, 429, public=True),
)
def log_in(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    built: ContainerDep,
) -> dict[str, Any]:
    """Exchange a username and password for a bearer token (form fields, OAuth2 password flow)."""
    address = request.client.host if request.client else "unknown"
    username = form.username.strip().lower()
    built.login_throttle.check(username, address)
    user = built.users.authenticate(username, form.password)
    if user is None:
        built.login_throttle.failed(username, address)
        raise Unauthorized(detail=WRONG_CREDENTIALS)
    built.login_throttle.succeeded(username)
    return {
        "access_token": built.tokens.issue(user.username, user.password_changes),
        "token_type": "bearer",
        "expires_in": built.tokens.lifetime_seconds,
    }


@router.get("/users/me", response_model=schemas.UserOut, responses=problem_responses())
def who_am_i(principal: PrincipalDep, built: ContainerDep) -> dict[str, Any]:
    return user_view(built.users.existing(principal.username))


@router.get("/users", response_model=schemas.UserList, responses=problem_responses())
def list_users(principal: PrincipalDep, built: ContainerDep) -> dict[str, Any]:
    """The users scoped to the admin's unit or a unit inside it."""
    inside = [
        u for u in built.users.all() if built.units.contains(principal.unit_code, u.unit_code)
    ]
    return {"items": [user_view(user) for user in inside]}


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.UserOut,
    responses=problem_responses(409, 422),
)
def add_user(body: schemas.UserCreate, principal: PrincipalDep, built: ContainerDep) -> Any:
    check_within(built, principal, body.unit_code, ("body", "unit_code"))
    user = built.users.add(
        body.username, body.password, body.role, body.unit_code, principal.username
    )
    return user_view(user)


@router.get("/users/{username}", response_model=schemas.UserOut, responses=problem_responses(404))
def get_user(username: str, principal: PrincipalDep, built: ContainerDep) -> dict[str, Any]:
    return user_view(_managed(built, principal, username))


@router.post(
    "/users/{username}/disable",
    response_model=schemas.UserOut,
    responses=problem_responses(404, 409, 422),
)
def disable_user(
    username: str,
    principal: PrincipalDep,
    built: ContainerDep,
    body: Annotated[schemas.Disabling, Body()] = _NO_REASON,
) -> dict[str, Any]:
    reason = body.reason
    _managed(built, principal, username)
    return user_view(built.users.disable(username, principal.username, reason))


@router.post(
    "/users/{username}/password",
    response_model=schemas.UserOut,
    responses=problem_responses(404, 409, 422),
)
def change_password(
    username: str, body: schemas.PasswordChange, principal: PrincipalDep, built: ContainerDep
) -> dict[str, Any]:
    """One's own password, or (admins) anyone's. Tokens issued before stop working."""
    if username != principal.username and not may(principal.role, Permission.MANAGE_USERS):
        raise Forbidden(detail="only an admin may change another user's password")
    _managed(built, principal, username)
    return user_view(built.users.change_password(username, body.password, principal.username))


@router.post(
    "/users/{username}/role",
    response_model=schemas.UserOut,
    responses=problem_responses(404, 409, 422),
)
def grant_role(
    username: str, body: schemas.RoleChange, principal: PrincipalDep, built: ContainerDep
) -> dict[str, Any]:
    _managed(built, principal, username)
    return user_view(built.users.grant_role(username, body.role, principal.username))


@router.post(
    "/users/{username}/unit",
    response_model=schemas.UserOut,
    responses=problem_responses(404, 409, 422),
)
def change_unit(
    username: str, body: schemas.UnitChange, principal: PrincipalDep, built: ContainerDep
) -> dict[str, Any]:
    check_within(built, principal, body.unit_code, ("body", "unit_code"))
    _managed(built, principal, username)
    return user_view(built.users.change_unit(username, body.unit_code, principal.username))


@router.get(
    "/users/{username}/history",
    response_model=schemas.UserHistory,
    responses=problem_responses(404),
)
def user_history(username: str, principal: PrincipalDep, built: ContainerDep) -> dict[str, Any]:
    """Every change of this user's access, oldest first (password hashes left out)."""
    _managed(built, principal, username)
    hidden = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
    items = [
        {
            "version": event.originator_version,
            "type": type(event).__name__,
            "recorded_at": recorded_at_text(event.timestamp),
            "actor": event.actor,
            "data": {
                k: v for k, v in vars(event).items() if k not in hidden and k != "password_hash"
            },
        }
        for event in built.users.history(username)
    ]
    return {"username": username, "items": items}


def _managed(built: ContainerDep, principal: Principal, username: str) -> User:
    """A user the principal may see: oneself, or one scoped inside the principal's unit."""
    user = built.users.get(username)
    if user is None or not (
        username == principal.username or built.units.contains(principal.unit_code, user.unit_code)
    ):
        raise NotFound(detail=f"no user named {username}")
    return user
