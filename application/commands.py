"""Commands: what a user asks the case files to record, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.members import MemberDetails
from domain.records import FactContext

__all__ = [
    "AddMember",
    "AdjustAllocation",
    "CorrectMemberDetails",
    "CorrectRecognition",
    "MakeAllocation",
    "MemberDetails",
    "RecordDeparture",
    "RecordRecognition",
    "RecordSupport",
    "RecordSurvey",
    "RegisterHousehold",
    "ReverseSupport",
    "RevokeRecognition",
    "Written",
]


@dataclass(frozen=True)
class RegisterHousehold:
    code: str
    commune_code: str
    village: str
    registered_on: date
    members: list[MemberDetails]
    context: FactContext
    area: str | None = None


@dataclass(frozen=True)
class AddMember:
    household_id: UUID
    member: MemberDetails
    joined_on: date
    context: FactContext
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordDeparture:
    household_id: UUID
    member_id: str
    left_on: date
    context: FactContext
    expected_version: int | None = None


@dataclass(frozen=True)
class CorrectMemberDetails:
    household_id: UUID
    member_id: str
    changes: dict[str, object]
    context: FactContext
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordSurvey:
    household_id: UUID
    surveyed_on: date
    review: str
    income_per_capita: int
    deprivations: dict[str, bool]
    context: FactContext
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordRecognition:
    household_id: UUID
    status: str
    decided_on: date
    decision_no: str
    context: FactContext
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordSupport:
    household_id: UUID
    support_type: str
    provided_on: date
    context: FactContext
    member_id: str | None = None
    amount: int | None = None
    quantity: float | None = None
    unit: str | None = None
    allocation_id: UUID | None = None
    model: str | None = None
    certified: bool | None = None
    idempotency_key: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class ReverseSupport:
    household_id: UUID
    support_id: str
    reversed_on: date
    context: FactContext
    expected_version: int | None = None


@dataclass(frozen=True)
class Written:
    """What a write answers besides its own result: the log position of its last event."""

    position: int
    version: int
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RevokeRecognition:
    household_id: UUID
    recognition_id: str
    revoked_on: date
    context: FactContext
    expected_version: int | None = None


@dataclass(frozen=True)
class CorrectRecognition:
    household_id: UUID
    recognition_id: str
    context: FactContext
    status: str | None = None
    decided_on: date | None = None
    decision_no: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class MakeAllocation:
    source: str
    fiscal_year: int
    programme_line: str
    unit_code: str
    amount: int
    decision_no: str
    decided_on: date
    context: FactContext


@dataclass(frozen=True)
class AdjustAllocation:
    allocation_id: UUID
    delta: int
    decision_no: str
    decided_on: date
    context: FactContext
