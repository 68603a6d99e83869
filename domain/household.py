"""The Household aggregate: every fact about a household, as explicit past-tense events.

Events carry their business date besides the library's recording timestamp, the acting user, and
an optional reason and evidence reference. Topics are explicit and stable so that classes can move
and events can be upcast without rewriting stored bytes. The aggregate only records facts; what
they mean on a date (status, window, eligibility) is computed by the pure rules in ``domain``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.limits import check_name, check_text
from domain.standards import Area, Status
from domain.status import Recognition

MEMBER_FIELDS = (
    "name",
    "birth_date",
    "sex",
    "ethnicity",
    "relation",
    "national_id",
    "disability",
    "merit",
)


@dataclass
class Member:
    member_id: str
    name: str
    birth_date: date
    sex: str
    ethnicity: str
    relation: str
    national_id: str | None
    disability: bool
    merit: bool
    joined_on: date
    left_on: date | None = None
    left_reason: str | None = None

    def present_on(self, day: date) -> bool:
        """A member who left on a date is no longer counted from that date."""
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)

    @staticmethod
    def from_fact(data: dict[str, Any]) -> Member:
        return Member(
            member_id=data["member_id"],
            name=data["name"],
            birth_date=data["birth_date"],
            sex=data["sex"],
            ethnicity=data["ethnicity"],
            relation=data["relation"],
            national_id=data.get("national_id"),
            disability=bool(data.get("disability", False)),
            merit=bool(data.get("merit", False)),
            joined_on=data["joined_on"],
        )


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


class Household(Aggregate):
    TOPIC = "giamngheo:Household"

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
            household = cast(Household, aggregate)
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
            cast(Household, aggregate).members[member.member_id] = member

    class MemberLeft(Event):
        TOPIC = "giamngheo:Household.MemberLeft"
        member_id: str
        left_on: date

        @property
        def effective_on(self) -> date | None:
            return self.left_on

        def apply(self, aggregate: Any) -> None:
            member = cast(Household, aggregate).members[self.member_id]
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
            member = cast(Household, aggregate).members[self.member_id]
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
            cast(Household, aggregate).surveys.append(
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
            household = cast(Household, aggregate)
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
            household = cast(Household, aggregate)
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
            household = cast(Household, aggregate)
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
            household = cast(Household, aggregate)
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
            household = cast(Household, aggregate)
            support = household.supports[self.support_id]
            household.supports[self.support_id] = replace(
                support, reversed_on=self.reversed_on, reversal_reason=self.reason
            )

    def __init__(self) -> None:
        # The facts are laid down by Registered.apply; these are the empty collections.
        self.code = ""
        self.commune_code = ""
        self.village = ""
        self.area: Area = "rural"
        self.area_overridden = False
        self.registered_on = date.min
        self.members: dict[str, Member] = {}
        self.surveys: list[Survey] = []
        self.recognitions: list[Recognition] = []
        self.revoked_recognitions: set[str] = set()
        self.decision_numbers: dict[str, str] = {}
        self.supports: dict[str, Support] = {}
        self.idempotency_keys: dict[str, str] = {}

    @classmethod
    def register(
        cls,
        household_id: UUID,
        *,
        code: str,
        commune_code: str,
        village: str,
        area: Area,
        area_overridden: bool,
        registered_on: date,
        members: list[dict[str, Any]],
        context: FactContext,
    ) -> Household:
        return cls._create(
            cls.Registered,
            id=household_id,
            code=code,
            commune_code=commune_code,
            village=village,
            area=area,
            area_overridden=area_overridden,
            registered_on=registered_on,
            members=members,
            **context.as_kwargs(),
        )

    def add_member(self, member: dict[str, Any], joined_on: date, context: FactContext) -> None:
        self.trigger_event(
            self.MemberJoined, member=member, joined_on=joined_on, **context.as_kwargs()
        )

    def record_departure(self, member_id: str, left_on: date, context: FactContext) -> None:
        self.trigger_event(
            self.MemberLeft, member_id=member_id, left_on=left_on, **context.as_kwargs()
        )

    def correct_member(
        self, member_id: str, changes: dict[str, Any], corrected_on: date, context: FactContext
    ) -> None:
        self.trigger_event(
            self.MemberDetailsCorrected,
            member_id=member_id,
            changes=changes,
            corrected_on=corrected_on,
            **context.as_kwargs(),
        )

    def record_survey(self, survey: dict[str, Any], context: FactContext) -> None:
        self.trigger_event(self.SurveyRecorded, **survey, **context.as_kwargs())

    def record_recognition(
        self,
        recognition_id: str,
        status: Status,
        decided_on: date,
        decision_no: str,
        context: FactContext,
    ) -> None:
        self.trigger_event(
            self.RecognitionRecorded,
            recognition_id=recognition_id,
            status=status,
            decided_on=decided_on,
            decision_no=decision_no,
            **context.as_kwargs(),
        )

    def revoke_recognition(
        self, recognition_id: str, revoked_on: date, context: FactContext
    ) -> None:
        self.trigger_event(
            self.RecognitionRevoked,
            recognition_id=recognition_id,
            revoked_on=revoked_on,
            **context.as_kwargs(),
        )

    def correct_recognition(
        self,
        recognition_id: str,
        status: Status,
        decided_on: date,
        decision_no: str,
        corrected_on: date,
        context: FactContext,
    ) -> None:
        self.trigger_event(
            self.RecognitionCorrected,
            recognition_id=recognition_id,
            status=status,
            decided_on=decided_on,
            decision_no=decision_no,
            corrected_on=corrected_on,
            **context.as_kwargs(),
        )

    def record_support(self, support: dict[str, Any], context: FactContext) -> None:
        self.trigger_event(self.SupportRecorded, **support, **context.as_kwargs())

    def reverse_support(self, support_id: str, reversed_on: date, context: FactContext) -> None:
        self.trigger_event(
            self.SupportReversed,
            support_id=support_id,
            reversed_on=reversed_on,
            **context.as_kwargs(),
        )

    # Questions about the recorded facts (no rules here: see domain.status and domain.supports).
    def head(self, on: date) -> Member | None:
        for member in self.members.values():
            if member.relation == "head" and member.present_on(on):
                return member
        return None

    def members_on(self, day: date) -> list[Member]:
        return [m for m in self.members.values() if m.present_on(day)]

    def latest_survey_on(self, day: date) -> Survey | None:
        latest: Survey | None = None
        for survey in self.surveys:
            if survey.surveyed_on <= day and (
                latest is None
                or (survey.surveyed_on, survey.recorded_version)
                >= (latest.surveyed_on, latest.recorded_version)
            ):
                latest = survey
        return latest


HOUSEHOLD_EVENT_TYPES: dict[str, str] = {
    Household.Registered.TOPIC: "household_registered",
    Household.MemberJoined.TOPIC: "member_joined",
    Household.MemberLeft.TOPIC: "member_left",
    Household.MemberDetailsCorrected.TOPIC: "member_details_corrected",
    Household.SurveyRecorded.TOPIC: "survey_recorded",
    Household.RecognitionRecorded.TOPIC: "recognition_recorded",
    Household.RecognitionRevoked.TOPIC: "recognition_revoked",
    Household.RecognitionCorrected.TOPIC: "recognition_corrected",
    Household.SupportRecorded.TOPIC: "support_recorded",
    Household.SupportReversed.TOPIC: "support_reversed",
}


HOUSEHOLD_CODE_NAMESPACE = UUID("6f1c2a4e-8d0b-5b7e-9a35-1c0de0f2a219")


class HouseholdCode(Aggregate):
    """Claims a household code, so a duplicate code conflicts on save, atomically."""

    TOPIC = "giamngheo:HouseholdCode"

    class Event(Aggregate.Event):
        TOPIC = "giamngheo:HouseholdCode.Event"

    class Claimed(Event, Aggregate.Created):
        TOPIC = "giamngheo:HouseholdCode.Claimed"
        code: str
        household_id: UUID

        def apply(self, aggregate: Any) -> None:
            claim = cast(HouseholdCode, aggregate)
            claim.code = self.code
            claim.household_id = self.household_id

    def __init__(self) -> None:
        self.code = ""
        self.household_id: UUID | None = None

    @staticmethod
    def id_for(code: str) -> UUID:
        return uuid5(HOUSEHOLD_CODE_NAMESPACE, code)

    @classmethod
    def claim(cls, code: str, household_id: UUID) -> HouseholdCode:
        return cls._create(cls.Claimed, id=cls.id_for(code), code=code, household_id=household_id)
