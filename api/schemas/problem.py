"""The shape of every error answer (RFC 9457) and its closed list of codes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ProblemCode = Literal[
    "not_found",
    "conflict",
    "validation_error",
    "not_eligible",
    "insufficient_funds",
    "rule_violation",
    "unauthorized",
    "forbidden",
    "method_not_allowed",
    "unavailable",
    "too_many_attempts",
    "internal_error",
]


class ProblemFieldError(BaseModel):
    loc: list[str | int] = Field(description="where: body, query, header or path, then the field")
    msg: str


class Problem(BaseModel):
    """Every error answer (RFC 9457, `application/problem+json`).

    `code` is one of contract.md's codes, plus `method_not_allowed` (405, with an `Allow`
    header naming the methods the path accepts), `unavailable` (503: a read model has not
    reached the asked position in time) and `internal_error` (500: an unexpected failure; quote
    its `correlation_id`, which the server log also records)."""

    type: str = Field(description="`/problems/{code}`")
    title: str
    status: int
    detail: str
    code: ProblemCode
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="for invalid input: each field and what is wrong with it"
    )
    correlation_id: str | None = Field(
        default=None, description="for internal_error: the id the server log records it under"
    )
