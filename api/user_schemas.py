"""Request and response shapes of logins and users (contract.md "Authentication and access")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.access import Role
from domain.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, USERNAME_PATTERN

Username = Field(min_length=1, max_length=64, pattern=USERNAME_PATTERN)
Password = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
UnitCode = Field(min_length=1, max_length=16, pattern=r"^[0-9]+$")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class UserOut(BaseModel):
    username: str
    role: Role | None
    unit_code: str
    disabled: bool = False


class UserList(BaseModel):
    items: list[UserOut]


class UserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "canbo.phuluong",
                    "password": "mot-mat-khau-dai",
                    "role": "caseworker",
                    "unit_code": "05950",
                }
            ]
        },
    )
    username: str = Username
    password: str = Password
    role: Role
    unit_code: str = UnitCode


class PasswordChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"password": "mot-mat-khau-moi"}]}
    )
    password: str = Password


class RoleChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"role": "approver"}]}
    )
    role: Role


class UnitChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"unit_code": "05950"}]}
    )
    unit_code: str = UnitCode


class Disabling(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "chuyển công tác"}]}
    )
    reason: str | None = Field(default=None, max_length=2000)


class UserFact(BaseModel):
    version: int
    type: str
    recorded_at: str
    actor: str
    data: dict[str, object]


class UserHistory(BaseModel):
    username: str
    items: list[UserFact]
