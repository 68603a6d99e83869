"""The case files application: get → command → save, with the rules checked before saving."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Protocol, cast, runtime_checkable
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from eventsourcing.utils import strtobool

from application.commands import (
    AddMember,
    AdjustAllocation,
    CorrectMemberDetails,
    CorrectRecognition,
    MakeAllocation,
    MemberDetails,
    RecordDeparture,
    RecordRecognition,
    RecordSupport,
    RecordSurvey,
    RegisterHousehold,
    ReverseSupport,
    RevokeRecognition,
    Written,
)
from domain.calendar import date_in_vietnam
from domain.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    invalid,
    violated,
)
from domain.funds import SOURCES, FundAllocation
from domain.household import FactContext, Household, HouseholdCode, Member
from domain.limits import (
    MAX_DECISION_NO_LENGTH,
    MAX_MEMBERS,
    MAX_UNIT_LENGTH,
    check_date,
    check_delta,
    check_member_count,
    check_money,
    check_name,
    check_quantity,
    check_text,
)
from domain.standards import AREAS, STATUSES, Area, Status, classify, standard_on
from domain.status import Recognition, movement_of, status_on
from domain.supports import (
    EligibilityFacts,
    SurveyFacts,
    check_eligible,
    programme_lines,
    support_type,
)
from domain.units import UnitRegistry

Change = Callable[[Household], None]
"""Checks a command against the household and records its facts on it, unsaved."""

HOUSEHOLD_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
NATIONAL_ID = re.compile(r"^\d{12}$")
RELATIONS = frozenset(
    {
        "head",
        "spouse",
        "child",
        "child_in_law",
        "grandchild",
        "parent",
        "parent_in_law",
        "grandparent",
        "sibling",
        "other",
    }
)
ETHNICITIES = frozenset({f"{n:02d}" for n in range(1, 56)} | {"99"})
REVIEWS = frozenset({"annual", "regular"})
# Concurrent writers on one household or allocation are retried this often, with a growing
# random back-off, before the caller sees a conflict.
MAX_ATTEMPTS = 40
RETRY_BACKOFF_SECONDS = 0.002


class PositionLookup(Protocol):
    def __call__(self, originator_id: UUID, version: int) -> int | None: ...


@runtime_checkable
class PositionedLog(Protocol):
    """A recorder that finds a fact's log position."""

    def position_of(self, originator_id: UUID, version: int) -> int | None: ...


class _OneLoadAtATimeRepository(Repository[UUID]):
    """The library deep-copies a cached aggregate after releasing the lock that guards
    fast-forwarding it in place, so a concurrent load can change it mid-copy ("dictionary
    changed size during iteration"). Loading each aggregate under a lock of its own stripe
    makes fast-forward and copy one step."""

    STRIPES = 256

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stripes = [threading.Lock() for _ in range(self.STRIPES)]

    def get(self, aggregate_id: UUID, *, version: int | None = None, **kwargs: Any) -> Any:
        if version is not None or self.cache is None:
            return super().get(aggregate_id, version=version, **kwargs)
        with self._stripes[hash(aggregate_id) % self.STRIPES]:
            return super().get(aggregate_id, **kwargs)


class CaseFiles(Application[UUID]):
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
        self._written(_last_position(recordings))
        return recordings

    def _written(self, position: int) -> None:
        for callback in self.on_written:
            callback(position)

    def construct_repository(self) -> Repository[UUID]:
        cache_size = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return _OneLoadAtATimeRepository(
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
        return household, Written(position=_last_position(recordings), version=household.version)

    def draft_household(self, command: RegisterHousehold) -> tuple[Household, HouseholdCode]:
        """A new household and its code claim, checked but not saved (see save_drafts)."""
        code = command.code.strip()
        if not HOUSEHOLD_CODE.match(code):
            raise invalid(("code",), "code must be 1–40 letters, digits, '.', '_', '/' or '-'")
        unit = self.units.get(command.commune_code)
        if unit is None or unit.level != "commune":
            raise violated(("commune_code",), f"unknown commune {command.commune_code!r}")
        area = self._area(command.area, unit.area)
        self._not_in_future(command.registered_on, ("registered_on",))
        check_name(command.village, ("village",))
        if not command.village.strip():
            raise invalid(("village",), "village is required")
        if not command.members:
            raise invalid(("members",), "a household has at least one member")
        check_member_count(len(command.members), ("members",))
        heads = [m for m in command.members if m.relation == "head"]
        if len(heads) != 1:
            raise violated(
                ("members",),
                f"exactly one member must have relation 'head'; found {len(heads)}",
            )
        members = []
        for index, details in enumerate(command.members):
            self._check_member(details, ("members", index))
            self._born_by(details, command.registered_on, ("members", index, "birth_date"))
            members.append(
                {
                    "member_id": str(uuid4()),
                    **vars(details),
                    "joined_on": command.registered_on,
                }
            )
        household = Household.register(
            uuid4(),
            code=code,
            commune_code=command.commune_code,
            village=command.village.strip(),
            area=area,
            area_overridden=command.area is not None,
            registered_on=command.registered_on,
            members=members,
            context=command.context,
        )
        return household, HouseholdCode.claim(code, household.id)

    def save_drafts(self, aggregates: Sequence[Aggregate]) -> int:
        """Saves many new or changed aggregates in one transaction: all or nothing.

        The bulk path (imports, demo data): one lock on the log for the whole batch.
        """
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            raise Conflict(detail="a household code in the batch is already registered") from None
        return _last_position(recordings)

    def member_joining(self, command: AddMember) -> tuple[Change, str]:
        self._check_member(command.member, ())
        self._not_in_future(command.joined_on, ("joined_on",))
        self._born_by(command.member, command.joined_on, ("birth_date",))
        member_id = str(uuid4())

        def change(household: Household) -> None:
            if command.joined_on < household.registered_on:
                raise violated(
                    ("joined_on",),
                    "a member cannot join before the household was registered "
                    f"({household.registered_on.isoformat()})",
                )
            if command.member.relation == "head" and self._head_present(
                household, command.joined_on, None
            ):
                raise violated(("relation",), "the household already has a head on that date")
            present = sum(1 for m in household.members.values() if m.left_on is None)
            if present >= MAX_MEMBERS:
                raise violated(
                    ("members",),
                    f"the household already has {present} members; at most {MAX_MEMBERS} "
                    "may be present at once (record a departure first)",
                )
            data = {"member_id": member_id, **vars(command.member)}
            household.add_member(data, command.joined_on, command.context)

        return change, member_id

    def add_member(self, command: AddMember) -> tuple[Household, Written]:
        change, member_id = self.member_joining(command)
        household, written = self._change(command.household_id, command.expected_version, change)
        written.extra["member_id"] = member_id
        return household, written

    def departure(self, command: RecordDeparture) -> Change:
        self._not_in_future(command.left_on, ("left_on",))

        def change(household: Household) -> None:
            member = self._member_in_path(household, command.member_id)
            if member.left_on is not None:
                raise violated(
                    ("member_id",), f"the member already left on {member.left_on.isoformat()}"
                )
            if command.left_on < member.joined_on:
                raise violated(
                    ("left_on",),
                    f"left_on is before the member joined ({member.joined_on.isoformat()})",
                )
            household.record_departure(command.member_id, command.left_on, command.context)

        return change

    def record_departure(self, command: RecordDeparture) -> tuple[Household, Written]:
        return self._change(command.household_id, command.expected_version, self.departure(command))

    def member_correction(self, command: CorrectMemberDetails) -> Change:
        if not command.context.reason:
            raise invalid(("reason",), "a correction needs a reason")
        allowed = set(MemberDetails.__dataclass_fields__)
        unknown = sorted(set(command.changes) - allowed)
        if unknown:
            raise invalid((unknown[0],), f"cannot correct {', '.join(unknown)}")
        if not command.changes:
            raise invalid(("changes",), "nothing to correct")
        for name, value in command.changes.items():
            if value is None and name != "national_id":
                raise invalid((name,), f"{name} cannot be cleared, only corrected")

        def change(household: Household) -> None:
            member = self._member_in_path(household, command.member_id)
            current = {name: getattr(member, name) for name in allowed}
            corrected = MemberDetails(**{**current, **command.changes})
            self._check_member(corrected, ())
            if "birth_date" in command.changes:
                self._not_in_future(corrected.birth_date, ("birth_date",))
                self._born_by(corrected, member.joined_on, ("birth_date",))
            if (
                corrected.relation == "head"
                and member.relation != "head"
                and self._head_present(household, self.today(), member.member_id)
            ):
                raise violated(("relation",), "the household already has a head")
            household.correct_member(
                command.member_id,
                dict(command.changes),
                self._correction_day(command.context),
                command.context,
            )

        return change

    def correct_member(self, command: CorrectMemberDetails) -> tuple[Household, Written]:
        return self._change(
            command.household_id, command.expected_version, self.member_correction(command)
        )

    def survey(self, command: RecordSurvey) -> tuple[Change, str]:
        self._not_in_future(command.surveyed_on, ("surveyed_on",))
        if command.review not in REVIEWS:
            raise invalid(("review",), "review must be 'annual' or 'regular'")
        check_money(command.income_per_capita, ("income_per_capita",), zero_allowed=True)
        standard = standard_on(command.surveyed_on)
        survey_id = str(uuid4())

        def change(household: Household) -> None:
            result = classify(
                standard, household.area, command.income_per_capita, command.deprivations
            )
            household.record_survey(
                {
                    "survey_id": survey_id,
                    "surveyed_on": command.surveyed_on,
                    "review": command.review,
                    "area": household.area,
                    "income_per_capita": command.income_per_capita,
                    "deprivations": dict(command.deprivations),
                    "standard": result.standard,
                    "proposed_status": result.status,
                    "deprivation_count": result.deprivation_count,
                },
                command.context,
            )

        return change, survey_id

    def record_survey(self, command: RecordSurvey) -> tuple[Household, Written]:
        change, survey_id = self.survey(command)
        household, written = self._change(command.household_id, command.expected_version, change)
        survey = next(s for s in household.surveys if s.survey_id == survey_id)
        written.extra.update(
            survey_id=survey_id,
            standard=survey.standard,
            proposed_status=survey.proposed_status,
            deprivation_count=survey.deprivation_count,
        )
        return household, written

    def recognition(self, command: RecordRecognition) -> tuple[Change, str]:
        if command.status not in STATUSES:
            raise invalid(("status",), f"status must be one of {', '.join(STATUSES)}")
        self._not_in_future(command.decided_on, ("decided_on",))
        check_text(command.decision_no, ("decision_no",), MAX_DECISION_NO_LENGTH)
        if not command.decision_no.strip():
            raise invalid(("decision_no",), "a recognition needs its decision number")
        recognition_id = str(uuid4())
        status: Status = command.status

        def change(household: Household) -> None:
            self._decided_after_registration(household, command.decided_on)
            household.record_recognition(
                recognition_id,
                status,
                command.decided_on,
                command.decision_no.strip(),
                command.context,
            )

        return change, recognition_id

    def record_recognition(self, command: RecordRecognition) -> tuple[Household, Written]:
        change, recognition_id = self.recognition(command)
        status = command.status
        household, written = self._change(command.household_id, command.expected_version, change)
        on_decision = status_on(household.recognitions, command.decided_on)
        written.extra.update(
            recognition_id=recognition_id,
            status=status,
            movement=movement_of(household.recognitions, recognition_id),
            newly_escaped_until=on_decision.newly_escaped_until,
        )
        return household, written

    def recognition_revocation(self, command: RevokeRecognition) -> Change:
        self._not_in_future(command.revoked_on, ("revoked_on",))
        if not command.context.reason:
            raise invalid(("reason",), "a revocation needs a reason")

        def change(household: Household) -> None:
            self._recognition_in_path(household, command.recognition_id)
            household.revoke_recognition(
                command.recognition_id, command.revoked_on, command.context
            )

        return change

    def revoke_recognition(self, command: RevokeRecognition) -> tuple[Household, Written]:
        return self._change(
            command.household_id, command.expected_version, self.recognition_revocation(command)
        )

    def recognition_correction(self, command: CorrectRecognition) -> Change:
        if not command.context.reason:
            raise invalid(("reason",), "a correction needs a reason")
        if command.status is None and command.decided_on is None and command.decision_no is None:
            raise invalid(("status",), "nothing to correct: give status, decided_on or decision_no")
        if command.status is not None and command.status not in STATUSES:
            raise invalid(("status",), f"status must be one of {', '.join(STATUSES)}")
        if command.decided_on is not None:
            self._not_in_future(command.decided_on, ("decided_on",))
        if command.decision_no is not None:
            check_text(command.decision_no, ("decision_no",), MAX_DECISION_NO_LENGTH)
            if not command.decision_no.strip():
                raise invalid(("decision_no",), "a recognition needs its decision number")

        def change(household: Household) -> None:
            current = self._recognition_in_path(household, command.recognition_id)
            if command.decided_on is not None:
                self._decided_after_registration(household, command.decided_on)
            household.correct_recognition(
                command.recognition_id,
                cast(Status, command.status or current.status),
                command.decided_on or current.decided_on,
                (command.decision_no or household.decision_numbers[current.recognition_id]).strip(),
                self._correction_day(command.context),
                command.context,
            )

        return change

    def correct_recognition(self, command: CorrectRecognition) -> tuple[Household, Written]:
        return self._change(
            command.household_id, command.expected_version, self.recognition_correction(command)
        )

    def support(self, command: RecordSupport) -> tuple[Change, str]:
        """The change recording a support; it records nothing for a repeated idempotency key."""
        kind = support_type(command.support_type)
        self._not_in_future(command.provided_on, ("provided_on",))
        if kind.member == "required" and command.member_id is None:
            raise invalid(
                ("member_id",), f"{kind.code} is given to a member: member_id is required"
            )
        if kind.requires_model and not (command.model and command.model.strip()):
            raise invalid(("model",), f"{kind.code} names the model it belongs to")
        if command.certified is not None and not kind.records_certificate:
            raise invalid(("certified",), f"{kind.code} does not record a certificate")
        check_name(command.model, ("model",))
        check_text(command.unit, ("unit",), MAX_UNIT_LENGTH)
        check_name(command.idempotency_key, ("idempotency_key",))
        if command.amount is not None:
            check_money(command.amount, ("amount",))
            if command.allocation_id is None:
                raise invalid(
                    ("allocation_id",),
                    "money must draw on an allocation: allocation_id is required",
                )
        if command.quantity is not None:
            check_quantity(command.quantity, ("quantity",))
        if command.quantity is not None and not command.unit:
            raise invalid(("unit",), "a quantity needs its unit")
        if command.allocation_id is not None and command.amount is None:
            raise invalid(("amount",), "a support drawing on an allocation states its amount")
        support_id = str(uuid4())

        def change(household: Household) -> None:
            key = command.idempotency_key
            if key is not None and key in household.idempotency_keys:
                return
            member_birth_date = None
            if command.member_id is not None:
                member = self._member(household, command.member_id, ("member_id",))
                if not member.present_on(command.provided_on):
                    raise violated(
                        ("member_id",),
                        f"the member was not in the household on {command.provided_on.isoformat()}",
                    )
                member_birth_date = member.birth_date
            check_eligible(
                kind, self._eligibility_facts(household, command.provided_on, member_birth_date)
            )
            household.record_support(
                {
                    "support_id": support_id,
                    "support_type": kind.code,
                    "programme_line": kind.programme_line,
                    "provided_on": command.provided_on,
                    "member_id": command.member_id,
                    "amount": command.amount,
                    "quantity": command.quantity,
                    "unit": command.unit,
                    "allocation_id": str(command.allocation_id) if command.allocation_id else None,
                    "model": command.model.strip() if command.model else None,
                    "certified": command.certified,
                    "idempotency_key": key,
                },
                command.context,
            )

        return change, support_id

    def record_support(self, command: RecordSupport) -> tuple[Household, Written, bool]:
        """Returns the household, what was written, and whether the support is new."""
        change, support_id = self.support(command)

        def draw(household: Household) -> Sequence[Aggregate]:
            if command.allocation_id is None or command.amount is None:
                return ()
            allocation = self._allocation(command.allocation_id)
            allocation.draw(
                support_id,
                str(household.id),
                command.amount,
                command.provided_on,
                household.supports[support_id].programme_line,
                self.units.contains(allocation.unit_code, household.commune_code),
                command.context.actor,
            )
            return (allocation,)

        with self._spending_on(command.allocation_id):
            household, written = self._change(
                command.household_id,
                command.expected_version,
                change,
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

    def support_reversal(self, command: ReverseSupport) -> Change:
        self._not_in_future(command.reversed_on, ("reversed_on",))
        if not command.context.reason:
            raise invalid(("reason",), "a reversal needs a reason")

        def change(household: Household) -> None:
            support = household.supports.get(command.support_id)
            if support is None:
                raise NotFound(detail=f"no support {command.support_id} in this household")
            if support.reversed_on is not None:
                raise violated(
                    ("support_id",),
                    f"the support was already reversed on {support.reversed_on.isoformat()}",
                )
            if command.reversed_on < support.provided_on:
                raise violated(
                    ("reversed_on",), "a support cannot be reversed before it was provided"
                )
            household.reverse_support(command.support_id, command.reversed_on, command.context)

        return change

    def reverse_support(self, command: ReverseSupport) -> tuple[Household, Written]:
        change = self.support_reversal(command)

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
            command.household_id, command.expected_version, change, companions=give_back
        )
        written.extra["support_id"] = command.support_id
        return household, written

    # Funds ----------------------------------------------------------------------------------

    def make_allocation(self, command: MakeAllocation) -> tuple[FundAllocation, Written]:
        allocation = self.draft_allocation(command)
        recordings = self.save(allocation)
        return allocation, Written(position=_last_position(recordings), version=allocation.version)

    def draft_allocation(self, command: MakeAllocation) -> FundAllocation:
        if command.source not in SOURCES:
            raise invalid(("source",), f"source must be one of {', '.join(SOURCES)}")
        lines = {str(line["code"]) for line in programme_lines()}
        if command.programme_line not in lines:
            raise invalid(
                ("programme_line",), f"programme_line must be one of {', '.join(sorted(lines))}"
            )
        if self.units.get(command.unit_code) is None:
            raise violated(("unit_code",), f"unknown administrative unit {command.unit_code!r}")
        check_money(command.amount, ("amount",))
        if not 2000 <= command.fiscal_year <= self.today().year + 1:
            raise invalid(("fiscal_year",), "fiscal_year is not plausible")
        self._not_in_future(command.decided_on, ("decided_on",))
        check_text(command.decision_no, ("decision_no",), MAX_DECISION_NO_LENGTH)
        if not command.decision_no.strip():
            raise invalid(("decision_no",), "an allocation needs its decision number")
        return FundAllocation.make(
            uuid4(),
            source=command.source,
            fiscal_year=command.fiscal_year,
            programme_line=command.programme_line,
            unit_code=command.unit_code,
            amount=command.amount,
            decision_no=command.decision_no.strip(),
            decided_on=command.decided_on,
            context=command.context,
        )

    def adjust_allocation(self, command: AdjustAllocation) -> tuple[FundAllocation, Written]:
        check_delta(command.delta, ("delta",))
        self._not_in_future(command.decided_on, ("decided_on",))
        check_text(command.decision_no, ("decision_no",), MAX_DECISION_NO_LENGTH)
        if not command.decision_no.strip():
            raise invalid(("decision_no",), "an adjustment needs its decision number")
        if not command.context.reason:
            raise invalid(("reason",), "an adjustment needs a reason")
        for attempt in range(MAX_ATTEMPTS):
            with self._spending_on(command.allocation_id):
                allocation = self.allocation(command.allocation_id)
                allocation.adjust(
                    command.delta, command.decision_no.strip(), command.decided_on, command.context
                )
                try:
                    recordings = self.save(allocation)
                except IntegrityError:
                    time.sleep(random.uniform(0, RETRY_BACKOFF_SECONDS * (attempt + 1)))
                    continue
            return allocation, Written(
                position=_last_position(recordings), version=allocation.version
            )
        raise Conflict(detail="the allocation is being changed by too many writers; try again")

    @contextmanager
    def _spending_on(self, allocation_id: UUID | None) -> Iterator[None]:
        """Writers on one allocation queue in this process instead of racing and retrying;
        writers in other processes are still settled by the version check and retries."""
        if allocation_id is None:
            yield
            return
        with self._allocation_locks[hash(allocation_id) % len(self._allocation_locks)]:
            yield

    def allocation(self, allocation_id: UUID) -> FundAllocation:
        try:
            aggregate: object = self.repository.get(allocation_id)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, FundAllocation):
            raise NotFound(detail=f"no allocation {allocation_id}")
        return aggregate

    # Reads ----------------------------------------------------------------------------------

    def household(self, household_id: UUID) -> Household:
        try:
            aggregate: object = self.repository.get(household_id)
        except AggregateNotFoundError:
            raise NotFound(detail=f"no household {household_id}") from None
        if not isinstance(aggregate, Household):
            raise NotFound(detail=f"no household {household_id}")
        return aggregate

    def household_at_version(self, household_id: UUID, version: int) -> Household:
        current = self.household(household_id)
        if version < 1 or version > current.version:
            raise invalid(("version",), f"the household has versions 1 to {current.version}")
        aggregate: object = self.repository.get(household_id, version=version)
        assert isinstance(aggregate, Household)
        return aggregate

    def household_known_at(self, household_id: UUID, known_at: datetime) -> Household:
        """The household from only the facts recorded up to and including ``known_at``."""
        events = [e for e in self.household_events(household_id) if e.timestamp <= known_at]
        if not events:
            raise NotFound(
                detail=f"household {household_id} was not known at {known_at.isoformat()}"
            )
        aggregate: Household | None = None
        for event in events:
            aggregate = event.mutate(aggregate)
        assert aggregate is not None
        return aggregate

    def household_events(self, household_id: UUID) -> list[Household.Event]:
        events = list(self.events.get(household_id))
        if not events or not isinstance(events[0], Household.Registered):
            raise NotFound(detail=f"no household {household_id}")
        return events  # type: ignore[return-value]

    def household_events_page(
        self, household_id: UUID, after: int, limit: int
    ) -> tuple[list[Household.Event], bool]:
        """At most ``limit`` facts with versions after ``after``, oldest first, read as one
        version range of the stored events (never the whole history), and whether more follow."""
        events = list(self.events.get(household_id, gt=after or None, limit=limit + 1))
        first = events[:1] if after == 0 else list(self.events.get(household_id, lte=1))
        if not first or not isinstance(first[0], Household.Registered):
            raise NotFound(detail=f"no household {household_id}")
        return events[:limit], len(events) > limit  # type: ignore[return-value]

    def find_by_code(self, code: str) -> Household | None:
        try:
            claim: object = self.repository.get(HouseholdCode.id_for(code))
        except AggregateNotFoundError:
            return None
        assert isinstance(claim, HouseholdCode) and claim.household_id is not None
        return self.household(claim.household_id)

    def self_assessment(
        self, area: str, income_per_capita: int, deprivations: dict[str, bool], on: date | None
    ) -> dict[str, Any]:
        if area not in AREAS:
            raise invalid(("area",), "area must be 'rural' or 'urban'")
        check_money(income_per_capita, ("income_per_capita",), zero_allowed=True)
        if on is not None:
            check_date(on, ("on",))
        standard = standard_on(on or self.today(), ("on",))
        result = classify(standard, area, income_per_capita, deprivations)
        return {
            "standard": result.standard,
            "status": result.status,
            "deprivation_count": result.deprivation_count,
        }

    # Helpers --------------------------------------------------------------------------------

    def _change(
        self,
        household_id: UUID,
        expected_version: int | None,
        change: Callable[[Household], None],
        allow_no_change: bool = False,
        companions: Callable[[Household], Sequence[Aggregate]] | None = None,
    ) -> tuple[Household, Written]:
        """Get, change, save; a write that lost a race is retried on fresh aggregates.

        ``companions`` gives the other aggregates the change touches (an allocation a support
        draws on): they are loaded afresh on every attempt and saved in the same transaction.
        """
        for attempt in range(MAX_ATTEMPTS):
            household = self.household(household_id)
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
            return household, Written(
                position=_last_position(recordings), version=household.version
            )
        raise Conflict(detail="the household is being changed by too many writers; try again")

    def _replayed_position(self, household: Household, support_id: str) -> Written:
        version = 0
        for event in self.household_events(household.id):
            if isinstance(event, Household.SupportRecorded) and event.support_id == support_id:
                version = event.originator_version
        position = self.position_of(household.id, version) if self.position_of else None
        self._written(position or 0)
        return Written(position=position or 0, version=household.version)

    def _allocation(self, allocation_id: UUID) -> FundAllocation:
        try:
            allocation: object = self.repository.get(allocation_id)
        except AggregateNotFoundError:
            allocation = None
        if not isinstance(allocation, FundAllocation):
            raise violated(("allocation_id",), f"unknown allocation {allocation_id}")
        return allocation

    def _eligibility_facts(
        self, household: Household, day: date, member_birth_date: date | None
    ) -> EligibilityFacts:
        on_day = status_on(household.recognitions, day)
        survey = household.latest_survey_on(day)
        return EligibilityFacts(
            provided_on=day,
            status=on_day.status,
            newly_escaped=on_day.newly_escaped,
            latest_survey=SurveyFacts(
                surveyed_on=survey.surveyed_on,
                standard=survey.standard,
                area=survey.area,
                income_per_capita=survey.income_per_capita,
                deprivations=survey.deprivations,
            )
            if survey
            else None,
            member_birth_date=member_birth_date,
        )

    @staticmethod
    def _member(household: Household, member_id: str, loc: tuple[str, ...]) -> Member:
        member = household.members.get(member_id)
        if member is None:
            raise violated(loc, f"no member {member_id} in this household")
        return member

    def _correction_day(self, context: FactContext) -> date:
        """The day a correction is made: today, or the simulated recording day of demo data."""
        if context.recorded_at is not None:
            return date_in_vietnam(context.recorded_at)
        return self.today()

    @staticmethod
    def _decided_after_registration(household: Household, decided_on: date) -> None:
        # Registers and indicators count a household from its registration: a decision about
        # it cannot come before it is in the review base.
        if decided_on < household.registered_on:
            raise violated(
                ("decided_on",),
                f"the household was registered on {household.registered_on.isoformat()}; "
                "a recognition cannot be decided before that",
            )

    @staticmethod
    def _recognition_in_path(household: Household, recognition_id: str) -> Recognition:
        if recognition_id in household.revoked_recognitions:
            raise violated(("recognition_id",), "the recognition was already revoked")
        for recognition in household.recognitions:
            if recognition.recognition_id == recognition_id:
                return recognition
        raise NotFound(detail=f"no recognition {recognition_id} in this household")

    @staticmethod
    def _member_in_path(household: Household, member_id: str) -> Member:
        member = household.members.get(member_id)
        if member is None:
            raise NotFound(detail=f"no member {member_id} in this household")
        return member

    @staticmethod
    def _head_present(household: Household, on: date, other_than: str | None) -> bool:
        return any(
            m.relation == "head"
            and m.member_id != other_than
            and (m.left_on is None or m.left_on > on)
            for m in household.members.values()
        )

    def _area(self, requested: str | None, default: Area | None) -> Area:
        if requested is None:
            if default is None:
                raise violated(("commune_code",), "the unit has no area type")
            return default
        if requested not in AREAS:
            raise invalid(("area",), "area must be 'rural' or 'urban'")
        return requested

    def _not_in_future(self, day: date, loc: tuple[str | int, ...]) -> None:
        check_date(day, loc)
        if day > self.today():
            raise invalid(loc, f"{day.isoformat()} is in the future")

    def _born_by(self, details: MemberDetails, day: date, loc: tuple[str | int, ...]) -> None:
        if details.birth_date > day:
            raise invalid(loc, "birth_date is after the date the member joined")

    @staticmethod
    def _check_member(details: MemberDetails, loc: tuple[str | int, ...]) -> None:
        check_name(details.name, (*loc, "name"))
        check_date(details.birth_date, (*loc, "birth_date"))
        problems: list[FieldError] = []
        if not details.name.strip():
            problems.append(FieldError((*loc, "name"), "name is required"))
        if details.sex not in ("male", "female"):
            problems.append(FieldError((*loc, "sex"), "sex must be 'male' or 'female'"))
        if details.ethnicity not in ETHNICITIES:
            problems.append(
                FieldError((*loc, "ethnicity"), "ethnicity is a code '01'..'55' or '99'")
            )
        if details.relation not in RELATIONS:
            problems.append(
                FieldError(
                    (*loc, "relation"),
                    f"relation must be one of {', '.join(sorted(RELATIONS))}",
                )
            )
        if details.national_id is not None and not NATIONAL_ID.match(details.national_id):
            problems.append(FieldError((*loc, "national_id"), "national_id has 12 digits"))
        if problems:
            raise InvalidInput(detail=problems[0].msg, errors=problems)


def _last_position(recordings: Iterable[Any]) -> int:
    positions = [r.notification.id for r in recordings]
    return max(positions) if positions else 0
