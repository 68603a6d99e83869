"""The Household aggregate's events: every fact about a household, as an explicit past-tense event.

Each applies its fact to the aggregate. Topics are explicit and stable so that classes can move and
events can be upcast without rewriting stored bytes; ``Household`` names each as its own
(``Household.SupportRecorded``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.domain import Aggregate

from domain.members import Member
from domain.records import Support, Survey
from domain.standards import Area, Status
from domain.status import Recognition

if TYPE_CHECKING:
    from domain.household import Household


class Event(Aggregate.Event):
    TOPIC = "giamngheo:Household.Event"
    actor: str
    reason: str | None
    evidence: str | None

    @property
    def effective_on(self) -> date | None:
        return None


class Registered(Event, Aggregate.Created):
    TOPIC = "giamngheo:Household.Registered"
    code: str
    commune_code: str
    village: str
    area: str
    area_overridden: bool
    registered_on: date
    members: list[dict[str, Any]]

    @property
    def effective_on(self) -> date | None:
        return self.registered_on

    def apply(self, aggregate: Any) -> None:
        household = cast("Household", aggregate)
        household.code = self.code
        household.commune_code = self.commune_code
        household.village = self.village
        household.area = cast(Area, self.area)
        household.area_overridden = self.area_overridden
        household.registered_on = self.registered_on
        for data in self.members:
            member = Member.from_fact(data)
            household.members[member.member_id] = member


class MemberJoined(Event):
    TOPIC = "giamngheo:Household.MemberJoined"
    member: dict[str, Any]
    joined_on: date

    @property
    def effective_on(self) -> date | None:
        return self.joined_on

    def apply(self, aggregate: Any) -> None:
        member = Member.from_fact({**self.member, "joined_on": self.joined_on})
        cast("Household", aggregate).members[member.member_id] = member


class MemberLeft(Event):
    TOPIC = "giamngheo:Household.MemberLeft"
    member_id: str
    left_on: date

    @property
    def effective_on(self) -> date | None:
        return self.left_on

    def apply(self, aggregate: Any) -> None:
        member = cast("Household", aggregate).members[self.member_id]
        member.left_on = self.left_on
        member.left_reason = self.reason


class MemberDetailsCorrected(Event):
    TOPIC = "giamngheo:Household.MemberDetailsCorrected"
    member_id: str
    corrected_on: date
    changes: dict[str, Any]

    @property
    def effective_on(self) -> date | None:
        return self.corrected_on

    def apply(self, aggregate: Any) -> None:
        member = cast("Household", aggregate).members[self.member_id]
        for name, value in self.changes.items():
            setattr(member, name, value)


class SurveyRecorded(Event):
    TOPIC = "giamngheo:Household.SurveyRecorded"
    survey_id: str
    surveyed_on: date
    review: str
    area: str
    income_per_capita: int
    deprivations: dict[str, bool]
    standard: str
    proposed_status: str
    deprivation_count: int

    @property
    def effective_on(self) -> date | None:
        return self.surveyed_on

    def apply(self, aggregate: Any) -> None:
        cast("Household", aggregate).surveys.append(
            Survey(
                survey_id=self.survey_id,
                surveyed_on=self.surveyed_on,
                review=self.review,
                area=cast(Area, self.area),
                income_per_capita=self.income_per_capita,
                deprivations=dict(self.deprivations),
                standard=self.standard,
                proposed_status=cast(Status, self.proposed_status),
                deprivation_count=self.deprivation_count,
                recorded_version=self.originator_version,
            )
        )


class RecognitionRecorded(Event):
    TOPIC = "giamngheo:Household.RecognitionRecorded"
    recognition_id: str
    status: str
    decided_on: date
    decision_no: str

    @property
    def effective_on(self) -> date | None:
        return self.decided_on

    def apply(self, aggregate: Any) -> None:
        household = cast("Household", aggregate)
        household.recognitions.append(
            Recognition(
                recognition_id=self.recognition_id,
                status=cast(Status, self.status),
                decided_on=self.decided_on,
                sequence=self.originator_version,
            )
        )
        household.decision_numbers[self.recognition_id] = self.decision_no


class RecognitionRevoked(Event):
    """A recognition decision withdrawn (e.g. annulled by a later decision): it no longer
    counts from the start, and registers restate the dates it covered."""

    TOPIC = "giamngheo:Household.RecognitionRevoked"
    recognition_id: str
    revoked_on: date

    @property
    def effective_on(self) -> date | None:
        return self.revoked_on

    def apply(self, aggregate: Any) -> None:
        household = cast("Household", aggregate)
        household.recognitions = [
            r for r in household.recognitions if r.recognition_id != self.recognition_id
        ]
        household.revoked_recognitions.add(self.recognition_id)


class RecognitionCorrected(Event):
    """A recognition recorded wrongly (status, date or number), replaced by what was decided."""

    TOPIC = "giamngheo:Household.RecognitionCorrected"
    recognition_id: str
    status: str
    decided_on: date
    decision_no: str
    corrected_on: date

    @property
    def effective_on(self) -> date | None:
        return self.corrected_on

    def apply(self, aggregate: Any) -> None:
        household = cast("Household", aggregate)
        household.recognitions = [
            Recognition(
                recognition_id=r.recognition_id,
                status=cast(Status, self.status),
                decided_on=self.decided_on,
                sequence=r.sequence,
            )
            if r.recognition_id == self.recognition_id
            else r
            for r in household.recognitions
        ]
        household.decision_numbers[self.recognition_id] = self.decision_no


class SupportRecorded(Event):
    TOPIC = "giamngheo:Household.SupportRecorded"
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

    @property
    def effective_on(self) -> date | None:
        return self.provided_on

    def apply(self, aggregate: Any) -> None:
        household = cast("Household", aggregate)
        household.supports[self.support_id] = Support(
            support_id=self.support_id,
            support_type=self.support_type,
            programme_line=self.programme_line,
            provided_on=self.provided_on,
            member_id=self.member_id,
            amount=self.amount,
            quantity=self.quantity,
            unit=self.unit,
            allocation_id=self.allocation_id,
            model=self.model,
            certified=self.certified,
            idempotency_key=self.idempotency_key,
            recorded_at=self.timestamp,
        )
        if self.idempotency_key is not None:
            household.idempotency_keys[self.idempotency_key] = self.support_id


class SupportReversed(Event):
    TOPIC = "giamngheo:Household.SupportReversed"
    support_id: str
    reversed_on: date

    @property
    def effective_on(self) -> date | None:
        return self.reversed_on

    def apply(self, aggregate: Any) -> None:
        household = cast("Household", aggregate)
        support = household.supports[self.support_id]
        household.supports[self.support_id] = replace(
            support, reversed_on=self.reversed_on, reversal_reason=self.reason
        )
