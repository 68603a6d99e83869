"""The case files application: one method per command, get → aggregate method → save.

What a command states is checked first (domain.household_inputs), before anything is read; the
rules that depend on the household's facts are checked by the aggregate's method itself.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol, cast
from uuid import UUID, uuid4

from eventsourcing.application import Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from eventsourcing.utils import strtobool

from application.commands import (
    AddMember,
    CorrectMemberDetails,
    CorrectRecognition,
    RecordDeparture,
    RecordRecognition,
    RecordSupport,
    RecordSurvey,
    RegisterHousehold,
    ReverseSupport,
    RevokeRecognition,
    Written,
)
from application.fund_commands import FundCommands
from application.household_reads import HouseholdReads
from application.repository import (
    MAX_ATTEMPTS,
    RETRY_BACKOFF_SECONDS,
    OneLoadAtATimeRepository,
    PositionedLog,
    PositionLookup,
    last_position,
)
from domain import household_inputs as inputs
from domain.calendar import date_in_vietnam
from domain.errors import Conflict, InvalidInput
from domain.household import FactContext, Household, HouseholdCode
from domain.records import SupportGiven
from domain.standards import Status
from domain.status import movement_of, status_on
from domain.units import UnitRegistry


class _OnHousehold(Protocol):
    """A command on one household, at the version the user saw (if given)."""

    @property
    def household_id(self) -> UUID: ...

    @property
    def expected_version(self) -> int | None: ...


class CaseFiles(FundCommands, HouseholdReads, Application[UUID]):
    """Households' case files. Table names derive from ``name``: keep it short and fixed."""

    name = "giamngheo"

    def __init__(
        self,
        env: dict[str, str],
        *,
        units: UnitRegistry,
        today: Callable[[], date],
        transcodings: Sequence[Transcoding],
        after_save: Sequence[Callable[[], None]] = (),
        on_written: Sequence[Callable[[int], None]] = (),
    ) -> None:
        self._transcodings = list(transcodings)
        super().__init__(env)
        self.units = units
        self.today = today
        # The event store's recorder answers it when it can (the composition root's does).
        self.position_of: PositionLookup | None = (
            self.recorder.position_of if isinstance(self.recorder, PositionedLog) else None
        )
        self._allocation_locks = [threading.Lock() for _ in range(64)]
        # Called after every successful save (e.g. to wake the in-process projections).
        self.after_save: list[Callable[[], None]] = list(after_save)
        # Told the log position of every write this process answers with (read-your-writes).
        self.on_written: list[Callable[[int], None]] = list(on_written)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        recordings = super().save(*objs, **kwargs)  # the recorder seals what it records
        for callback in self.after_save:
            callback()
        self._written(last_position(recordings))
        return recordings

    def _written(self, position: int) -> None:
        for callback in self.on_written:
            callback(position)

    def construct_repository(self) -> Repository[UUID]:
        cache_size = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return OneLoadAtATimeRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(cache_size) if cache_size else None,
            fastforward=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            deepcopy_from_cache=True,
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in self._transcodings:
            transcoder.register(transcoding)

    # Writes ---------------------------------------------------------------------------------

    def register_household(self, command: RegisterHousehold) -> tuple[Household, Written]:
        household, claim = self.draft_household(command)
        try:
            recordings = self.save(household, claim)
        except IntegrityError:
            raise Conflict(
                detail=f"a household with code {household.code!r} is already registered"
            ) from None
        return household, Written(position=last_position(recordings), version=household.version)

    def draft_household(self, command: RegisterHousehold) -> tuple[Household, HouseholdCode]:
        """A new household and its code claim, checked but not saved (see save_drafts)."""
        household = Household.register(
            uuid4(),
            code=command.code,
            commune=self.units.get(command.commune_code),
            commune_code=command.commune_code,
            village=command.village,
            area=command.area,
            registered_on=command.registered_on,
            members=command.members,
            context=command.context,
            today=self.today(),
        )
        return household, HouseholdCode.claim(household.code, household.id)

    def save_drafts(self, aggregates: Sequence[Aggregate]) -> int:
        """Saves many new or changed aggregates in one transaction: all or nothing.

        The bulk path (imports, demo data): one lock on the log for the whole batch.
        """
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            raise Conflict(detail="a household code in the batch is already registered") from None
        return last_position(recordings)

    def add_member(self, command: AddMember) -> tuple[Household, Written]:
        inputs.check_joining(command.member, command.joined_on, self.today())
        member_id = str(uuid4())
        household, written = self._change(
            command,
            lambda h: h.add_member(member_id, command.member, command.joined_on, command.context),
        )
        written.extra["member_id"] = member_id
        return household, written

    def record_departure(self, command: RecordDeparture) -> tuple[Household, Written]:
        inputs.check_departure(command.left_on, self.today())
        return self._change(
            command,
            lambda h: h.record_departure(command.member_id, command.left_on, command.context),
        )

    def correct_member(self, command: CorrectMemberDetails) -> tuple[Household, Written]:
        inputs.check_member_correction(command.changes, command.context)
        return self._change(
            command,
            lambda h: h.correct_member(
                command.member_id,
                command.changes,
                self._correction_day(command.context),
                self.today(),
                command.context,
            ),
        )

    def record_survey(self, command: RecordSurvey) -> tuple[Household, Written]:
        standard = inputs.checked_survey(
            command.surveyed_on, command.review, command.income_per_capita, self.today()
        )
        survey_id = str(uuid4())
        household, written = self._change(
            command,
            lambda h: h.record_survey(
                survey_id,
                standard,
                command.surveyed_on,
                command.review,
                command.income_per_capita,
                command.deprivations,
                command.context,
            ),
        )
        survey = next(s for s in household.surveys if s.survey_id == survey_id)
        written.extra.update(
            survey_id=survey_id,
            standard=survey.standard,
            proposed_status=survey.proposed_status,
            deprivation_count=survey.deprivation_count,
        )
        return household, written

    def record_recognition(self, command: RecordRecognition) -> tuple[Household, Written]:
        inputs.check_recognition(
            command.status, command.decided_on, command.decision_no, self.today()
        )
        recognition_id = str(uuid4())
        status = cast(Status, command.status)
        household, written = self._change(
            command,
            lambda h: h.record_recognition(
                recognition_id, status, command.decided_on, command.decision_no, command.context
            ),
        )
        on_decision = status_on(household.recognitions, command.decided_on)
        written.extra.update(
            recognition_id=recognition_id,
            status=status,
            movement=movement_of(household.recognitions, recognition_id),
            newly_escaped_until=on_decision.newly_escaped_until,
        )
        return household, written

    def revoke_recognition(self, command: RevokeRecognition) -> tuple[Household, Written]:
        inputs.check_revocation(command.revoked_on, command.context, self.today())
        return self._change(
            command,
            lambda h: h.revoke_recognition(
                command.recognition_id, command.revoked_on, command.context
            ),
        )

    def correct_recognition(self, command: CorrectRecognition) -> tuple[Household, Written]:
        inputs.check_recognition_correction(
            command.status, command.decided_on, command.decision_no, command.context, self.today()
        )
        return self._change(
            command,
            lambda h: h.correct_recognition(
                command.recognition_id,
                self._correction_day(command.context),
                command.context,
                status=cast(Status | None, command.status),
                decided_on=command.decided_on,
                decision_no=command.decision_no,
            ),
        )

    def record_support(self, command: RecordSupport) -> tuple[Household, Written, bool]:
        """Returns the household, what was written, and whether the support is new; a support
        with money draws on its allocation in the same transaction."""
        given = support_given(command)
        kind = inputs.checked_support(command.support_type, given, self.today())
        support_id = str(uuid4())

        def draw(household: Household) -> Sequence[Aggregate]:
            if command.allocation_id is None or command.amount is None:
                return ()
            allocation = self._allocation(command.allocation_id)
            allocation.draw(
                support_id,
                str(household.id),
                command.amount,
                command.provided_on,
                kind.programme_line,
                self.units.contains(allocation.unit_code, household.commune_code),
                command.context.actor,
            )
            return (allocation,)

        with self._spending_on(command.allocation_id):
            household, written = self._change(
                command,
                lambda h: h.record_support(support_id, kind, given, command.context),
                allow_no_change=True,
                companions=draw,
            )
        created = support_id in household.supports
        if not created:
            assert command.idempotency_key is not None
            support_id = household.idempotency_keys[command.idempotency_key]
            written = self._replayed_position(household, support_id)
        written.extra["support_id"] = support_id
        return household, written, created

    def reverse_support(self, command: ReverseSupport) -> tuple[Household, Written]:
        """Reverses the support; its money, if any, goes back to its allocation."""
        inputs.check_reversal(command.reversed_on, command.context, self.today())

        def give_back(household: Household) -> Sequence[Aggregate]:
            support = household.supports[command.support_id]
            if support.allocation_id is None:
                return ()
            allocation = self._allocation(UUID(support.allocation_id))
            allocation.give_back(
                command.support_id,
                command.reversed_on,
                command.context.actor,
                command.context.reason,
            )
            return (allocation,)

        household, written = self._change(
            command,
            lambda h: h.reverse_support(command.support_id, command.reversed_on, command.context),
            companions=give_back,
        )
        written.extra["support_id"] = command.support_id
        return household, written

    # Helpers --------------------------------------------------------------------------------

    def _change(
        self,
        command: _OnHousehold,
        change: Callable[[Household], object],
        allow_no_change: bool = False,
        companions: Callable[[Household], Sequence[Aggregate]] | None = None,
    ) -> tuple[Household, Written]:
        """Get the command's household, change it, save; a write that lost a race is retried on
        fresh aggregates.

        ``companions`` gives the other aggregates the change touches (an allocation a support
        draws on): they are loaded afresh on every attempt and saved in the same transaction.
        """
        expected_version = command.expected_version
        for attempt in range(MAX_ATTEMPTS):
            household = self.household(command.household_id)
            if expected_version is not None and household.version != expected_version:
                raise Conflict(
                    detail=f"expected version {expected_version}, "
                    f"but the household is at version {household.version}"
                )
            change(household)
            if not household.pending_events:
                if allow_no_change:
                    return household, Written(position=0, version=household.version)
                raise InvalidInput(detail="nothing to record")
            others = companions(household) if companions else ()
            try:
                recordings = self.save(household, *others)
            except IntegrityError:
                # Someone else wrote first: back off a little, then try on fresh state. A stale
                # expected_version is caught at the top of the next attempt.
                time.sleep(random.uniform(0, RETRY_BACKOFF_SECONDS * (attempt + 1)))
                continue
            return household, Written(position=last_position(recordings), version=household.version)
        raise Conflict(detail="the household is being changed by too many writers; try again")

    def _replayed_position(self, household: Household, support_id: str) -> Written:
        version = 0
        for event in self.household_events(household.id):
            if isinstance(event, Household.SupportRecorded) and event.support_id == support_id:
                version = event.originator_version
        position = self.position_of(household.id, version) if self.position_of else None
        self._written(position or 0)
        return Written(position=position or 0, version=household.version)

    def _correction_day(self, context: FactContext) -> date:
        """The day a correction is made: today, or the simulated recording day of demo data."""
        if context.recorded_at is not None:
            return date_in_vietnam(context.recorded_at)
        return self.today()


def support_given(command: RecordSupport) -> SupportGiven:
    """What a support command states of the support itself."""
    return SupportGiven(
        provided_on=command.provided_on,
        member_id=command.member_id,
        amount=command.amount,
        quantity=command.quantity,
        unit=command.unit,
        allocation_id=str(command.allocation_id) if command.allocation_id else None,
        model=command.model,
        certified=command.certified,
        idempotency_key=command.idempotency_key,
    )
