"""The Household aggregate: every fact about a household, as explicit past-tense events.

Events carry their business date besides the library's recording timestamp, the acting user, and
an optional reason and evidence reference. Topics are explicit and stable so that classes can move
and events can be upcast without rewriting stored bytes. Each command method checks the rules the
recorded facts impose (domain.household_rules) before it triggers its event; what the facts mean
on a date (status, window, eligibility) is computed by the pure rules in ``domain``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, TypeAlias
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain import household_events as events
from domain import household_rules as rules
from domain.household_code import HouseholdCode
from domain.household_inputs import checked_registration
from domain.members import Member, MemberDetails, member_fact
from domain.records import FactContext, Support, SupportGiven, Survey
from domain.standards import Area, PovertyStandard, Status, classify
from domain.status import Recognition
from domain.supports import EligibilityFacts, SupportType, SurveyFacts, eligibility_facts
from domain.units import AdminUnit

__all__ = [
    "HOUSEHOLD_EVENT_TYPES",
    "FactContext",
    "Household",
    "HouseholdCode",
    "Member",
]


class Household(Aggregate):
    TOPIC = "giamngheo:Household"

    # The events are defined in domain.household_events; these are their names here (aliases
    # for the type checker; plain names at run time, so the library sees no annotations).
    if TYPE_CHECKING:
        Event: TypeAlias = events.Event
        Registered: TypeAlias = events.Registered
        MemberJoined: TypeAlias = events.MemberJoined
        MemberLeft: TypeAlias = events.MemberLeft
        MemberDetailsCorrected: TypeAlias = events.MemberDetailsCorrected
        SurveyRecorded: TypeAlias = events.SurveyRecorded
        RecognitionRecorded: TypeAlias = events.RecognitionRecorded
        RecognitionRevoked: TypeAlias = events.RecognitionRevoked
        RecognitionCorrected: TypeAlias = events.RecognitionCorrected
        SupportRecorded: TypeAlias = events.SupportRecorded
        SupportReversed: TypeAlias = events.SupportReversed
    else:
        Event = events.Event
        Registered = events.Registered
        MemberJoined = events.MemberJoined
        MemberLeft = events.MemberLeft
        MemberDetailsCorrected = events.MemberDetailsCorrected
        SurveyRecorded = events.SurveyRecorded
        RecognitionRecorded = events.RecognitionRecorded
        RecognitionRevoked = events.RecognitionRevoked
        RecognitionCorrected = events.RecognitionCorrected
        SupportRecorded = events.SupportRecorded
        SupportReversed = events.SupportReversed

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
        commune: AdminUnit | None,
        commune_code: str,
        village: str,
        area: str | None,
        registered_on: date,
        members: Sequence[MemberDetails],
        context: FactContext,
        today: date,
    ) -> Household:
        """A new household; ``commune`` is the unit ``commune_code`` names (None if unknown)."""
        code, chosen_area = checked_registration(
            code, commune, commune_code, area, village, registered_on, members, today
        )
        return cls._create(
            cls.Registered,
            id=household_id,
            code=code,
            commune_code=commune_code,
            village=village.strip(),
            area=chosen_area,
            area_overridden=area is not None,
            registered_on=registered_on,
            members=[
                {**member_fact(str(uuid4()), details), "joined_on": registered_on}
                for details in members
            ],
            **context.as_kwargs(),
        )

    def add_member(
        self, member_id: str, details: MemberDetails, joined_on: date, context: FactContext
    ) -> None:
        rules.check_joining(self, details, joined_on)
        self.trigger_event(
            self.MemberJoined,
            member=member_fact(member_id, details),
            joined_on=joined_on,
            **context.as_kwargs(),
        )

    def record_departure(self, member_id: str, left_on: date, context: FactContext) -> None:
        rules.check_departure(self, member_id, left_on)
        self.trigger_event(
            self.MemberLeft, member_id=member_id, left_on=left_on, **context.as_kwargs()
        )

    def correct_member(
        self,
        member_id: str,
        changes: Mapping[str, object],
        corrected_on: date,
        today: date,
        context: FactContext,
    ) -> None:
        rules.check_member_correction(self, member_id, changes, today)
        self.trigger_event(
            self.MemberDetailsCorrected,
            member_id=member_id,
            changes=dict(changes),
            corrected_on=corrected_on,
            **context.as_kwargs(),
        )

    def record_survey(
        self,
        survey_id: str,
        standard: PovertyStandard,
        surveyed_on: date,
        review: str,
        income_per_capita: int,
        deprivations: Mapping[str, bool],
        context: FactContext,
    ) -> Survey:
        """Records the survey with the status the standard proposes for the household's area."""
        result = classify(standard, self.area, income_per_capita, dict(deprivations))
        self.trigger_event(
            self.SurveyRecorded,
            survey_id=survey_id,
            surveyed_on=surveyed_on,
            review=review,
            area=self.area,
            income_per_capita=income_per_capita,
            deprivations=dict(deprivations),
            standard=result.standard,
            proposed_status=result.status,
            deprivation_count=result.deprivation_count,
            **context.as_kwargs(),
        )
        return self.surveys[-1]

    def record_recognition(
        self,
        recognition_id: str,
        status: Status,
        decided_on: date,
        decision_no: str,
        context: FactContext,
    ) -> None:
        rules.check_decided_after_registration(self, decided_on)
        self.trigger_event(
            self.RecognitionRecorded,
            recognition_id=recognition_id,
            status=status,
            decided_on=decided_on,
            decision_no=decision_no.strip(),
            **context.as_kwargs(),
        )

    def revoke_recognition(
        self, recognition_id: str, revoked_on: date, context: FactContext
    ) -> None:
        rules.recognition_in_path(self, recognition_id)
        self.trigger_event(
            self.RecognitionRevoked,
            recognition_id=recognition_id,
            revoked_on=revoked_on,
            **context.as_kwargs(),
        )

    def correct_recognition(
        self,
        recognition_id: str,
        corrected_on: date,
        context: FactContext,
        *,
        status: Status | None = None,
        decided_on: date | None = None,
        decision_no: str | None = None,
    ) -> None:
        """Replaces what was recorded wrongly; what is not given stays as recorded."""
        current = rules.recognition_in_path(self, recognition_id)
        if decided_on is not None:
            rules.check_decided_after_registration(self, decided_on)
        self.trigger_event(
            self.RecognitionCorrected,
            recognition_id=recognition_id,
            status=status or current.status,
            decided_on=decided_on or current.decided_on,
            decision_no=(decision_no or self.decision_numbers[recognition_id]).strip(),
            corrected_on=corrected_on,
            **context.as_kwargs(),
        )

    def record_support(
        self, support_id: str, kind: SupportType, given: SupportGiven, context: FactContext
    ) -> None:
        """Records the support; nothing, for an idempotency key already recorded."""
        if given.idempotency_key is not None and given.idempotency_key in self.idempotency_keys:
            return
        rules.check_support(self, kind, given.provided_on, given.member_id)
        self.trigger_event(
            self.SupportRecorded,
            support_id=support_id,
            support_type=kind.code,
            programme_line=kind.programme_line,
            provided_on=given.provided_on,
            member_id=given.member_id,
            amount=given.amount,
            quantity=given.quantity,
            unit=given.unit,
            allocation_id=given.allocation_id,
            model=given.model.strip() if given.model else None,
            certified=given.certified,
            idempotency_key=given.idempotency_key,
            **context.as_kwargs(),
        )

    def reverse_support(self, support_id: str, reversed_on: date, context: FactContext) -> None:
        rules.check_reversal(self, support_id, reversed_on)
        self.trigger_event(
            self.SupportReversed,
            support_id=support_id,
            reversed_on=reversed_on,
            **context.as_kwargs(),
        )

    # Questions about the recorded facts.
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

    def eligibility_on(self, day: date, member_birth_date: date | None) -> EligibilityFacts:
        """The household as it stood on the day, as a support's eligibility reads it."""
        survey = self.latest_survey_on(day)
        return eligibility_facts(
            self.recognitions,
            day,
            SurveyFacts(
                surveyed_on=survey.surveyed_on,
                standard=survey.standard,
                area=survey.area,
                income_per_capita=survey.income_per_capita,
                deprivations=survey.deprivations,
            )
            if survey
            else None,
            member_birth_date,
        )


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
