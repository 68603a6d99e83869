"""Named domain errors. The API maps each ``code`` to a problem+json answer in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class FieldError:
    loc: tuple[str | int, ...]
    msg: str


@dataclass
class DomainError(Exception):
    detail: str
    errors: Sequence[FieldError] = field(default_factory=tuple)

    code = "rule_violation"
    status = 422
    title = "Business rule violated"

    def __str__(self) -> str:
        return self.detail


class InvalidInput(DomainError):
    code = "validation_error"
    title = "Invalid input"


class RuleViolation(DomainError):
    code = "rule_violation"
    title = "Business rule violated"


class NotEligible(DomainError):
    code = "not_eligible"
    title = "Household not eligible for this support"


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    status = 422
    title = "Insufficient funds"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Conflict"


def invalid(loc: Sequence[str | int], msg: str) -> InvalidInput:
    return InvalidInput(detail=msg, errors=(FieldError(tuple(loc), msg),))


def violated(loc: Sequence[str | int], msg: str) -> RuleViolation:
    return RuleViolation(detail=msg, errors=(FieldError(tuple(loc), msg),))


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401
    title = "Not authenticated"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Forbidden"


@dataclass
class TooManyAttempts(DomainError):
    retry_after: int = 60

    code = "too_many_attempts"
    status = 429
    title = "Too many failed logins"
