"""What every household fact carries (its context) and the surveys and supports as recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.limits import check_name, check_text
from domain.standards import Area, Status


@dataclass
class FactContext:
    """Who recorded a fact, why, and on what evidence.

    ``recorded_at`` is for simulated histories only (demo data): every real write is stamped
    with the moment it is recorded.
    """

    actor: str
    reason: str | None = None
    evidence: str | None = None
    recorded_at: datetime | None = None

    def __post_init__(self) -> None:
        # Every fact carries these: bounded here, they are bounded on every path.
        check_name(self.actor, ("actor",))
        check_text(self.reason, ("reason",))
        check_text(self.evidence, ("evidence",))

    def as_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "actor": self.actor,
            "reason": self.reason,
            "evidence": self.evidence,
        }
        if self.recorded_at is not None:
            kwargs["timestamp"] = self.recorded_at
        return kwargs


@dataclass(frozen=True)
class Survey:
    survey_id: str
    surveyed_on: date
    review: str
    area: Area
    income_per_capita: int
    deprivations: dict[str, bool]
    standard: str
    proposed_status: Status
    deprivation_count: int
    recorded_version: int

    def __deepcopy__(self, memo: dict[int, Any]) -> Survey:
        # A recorded fact never changes: copies of the household share it.
        return self


@dataclass(frozen=True)
class SupportGiven:
    """A support as a user states it: what was given, when, to whom, and from which allocation."""

    provided_on: date
    member_id: str | None = None
    amount: int | None = None
    quantity: float | None = None
    unit: str | None = None
    allocation_id: str | None = None
    model: str | None = None
    certified: bool | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Support:
    support_id: str
    support_type: str
    programme_line: str
    provided_on: date
    member_id: str | None
    amount: int | None
    quantity: float | None
    unit: str | None
    allocation_id: str | None
    model: str | None
    certified: bool | None
    idempotency_key: str | None
    recorded_at: datetime
    reversed_on: date | None = None
    reversal_reason: str | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Support:
        # Frozen: a reversal replaces it. Copies of the household share it.
        return self
