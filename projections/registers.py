"""The registers read model: status intervals, escape windows and status changes, bitemporal.

Each row is valid over business dates [valid_from, valid_to) and was part of the register from
``recorded_at_us`` until ``superseded_at_us`` (recording time). A backdated or corrected
recognition supersedes the household's rows and writes new ones; nothing is ever updated in
place, so ``known_at`` reproduces the register as it stood at any past moment. The 36-month rule
is evaluated at query time from stored windows: nothing is written when a window ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import singledispatchmethod
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    select,
)
from sqlalchemy.engine import Connection

from domain.household import Household
from domain.standards import Status
from domain.status import Recognition, steps, windows
from domain.timestamps import microseconds
from projections.log import Fact
from projections.machinery import bulk_insert, methods, select_in, topics_of
from projections.register_tables import (
    CURRENT,
    OPEN_DATE,
    REGISTERED_STATUSES,
    VERSIONED_TABLES,
    escape_windows,
    households,
    metadata,
    recognitions,
    status_changes,
    status_intervals,
)

Row = tuple[Any, ...]


def derived_rows(recognised: Sequence[Recognition]) -> dict[str, set[Row]]:
    """The household's register rows implied by its recognitions (business time only)."""
    all_steps = steps(recognised)
    intervals: set[Row] = set()
    for index, step in enumerate(all_steps):
        status = step.recognition.status
        next_change = next(
            (s for s in all_steps[index + 1 :] if s.recognition.status != status), None
        )
        # Only the first step of a run opens an interval; same-status steps extend it.
        if step.previous_status == status and index > 0:
            continue
        valid_to = next_change.recognition.decided_on if next_change else OPEN_DATE
        valid_from = step.recognition.decided_on
        if status in REGISTERED_STATUSES and valid_from < valid_to:
            intervals.add((status, valid_from, valid_to, step.status_since))
    opened = {(w.opened_on, w.until, w.closed_on or OPEN_DATE) for w in windows(recognised)}
    changes = {
        (
            s.recognition.decided_on,
            s.previous_status,
            s.recognition.status,
            s.movement,
            index,
        )
        for index, s in enumerate(all_steps)
        if s.previous_status != s.recognition.status
    }
    return {
        status_intervals.name: intervals,
        escape_windows.name: opened,
        status_changes.name: changes,
    }


def _row_values(table: Table, household_id: str, commune: str, row: Row) -> dict[str, Any]:
    if table is status_intervals:
        status, valid_from, valid_to, since = row
        return {
            "household_id": household_id,
            "commune_code": commune,
            "status": status,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "since": since,
        }
    if table is escape_windows:
        opened_on, until, closed_on = row
        return {
            "household_id": household_id,
            "commune_code": commune,
            "opened_on": opened_on,
            "until": until,
            "closed_on": closed_on,
        }
    decided_on, from_status, to_status, movement, _ = row
    return {
        "household_id": household_id,
        "commune_code": commune,
        "decided_on": decided_on,
        "from_status": from_status,
        "to_status": to_status,
        "movement": movement,
    }


@dataclass
class _Version:
    rows: set[Row]
    recorded_at_us: int
    superseded_at_us: int = CURRENT


@dataclass
class _HouseholdFold:
    commune_code: str
    recognised: list[Recognition]
    # Per table: the stored current rows (if any) and the versions this batch wrote.
    stored: dict[str, set[Row]]
    versions: dict[str, list[_Version]] = field(default_factory=lambda: defaultdict(list))
    supersede_stored_at: dict[str, int] = field(default_factory=dict)

    def current(self, table_name: str) -> set[Row]:
        made = self.versions[table_name]
        return made[-1].rows if made else self.stored[table_name]

    def record(self, fact: Fact) -> None:
        """Apply one recognition fact (recorded, revoked or corrected) and re-derive the rows."""
        at_us = microseconds(fact.recorded_at)
        match fact.event:
            case Household.RecognitionRecorded() as recorded:
                self.recognised.append(
                    Recognition(
                        recorded.recognition_id,
                        cast(Status, recorded.status),  # the event holds a status as text
                        recorded.decided_on,
                        recorded.originator_version,
                    )
                )
            case Household.RecognitionRevoked() as revoked:
                self.recognised = [
                    r for r in self.recognised if r.recognition_id != revoked.recognition_id
                ]
            case Household.RecognitionCorrected() as corrected:
                status = cast(Status, corrected.status)
                self.recognised = [
                    Recognition(r.recognition_id, status, corrected.decided_on, r.sequence)
                    if r.recognition_id == corrected.recognition_id
                    else r
                    for r in self.recognised
                ]
        for table_name, rows in derived_rows(self.recognised).items():
            if rows == self.current(table_name):
                continue
            made = self.versions[table_name]
            if made:
                made[-1].superseded_at_us = at_us
            elif self.stored[table_name]:
                self.supersede_stored_at[table_name] = at_us
            made.append(_Version(rows, at_us))


RECOGNITION_TOPICS = frozenset(
    {
        Household.RecognitionRecorded.TOPIC,
        Household.RecognitionRevoked.TOPIC,
        Household.RecognitionCorrected.TOPIC,
    }
)


@dataclass
class _Batch:
    """What one batch of facts changes, gathered before it is written."""

    new_households: list[dict[str, Any]] = field(default_factory=list)
    head_updates: list[dict[str, Any]] = field(default_factory=list)
    recognition_facts: dict[str, list[Fact]] = field(default_factory=lambda: defaultdict(list))


class RegisterProjection:
    name = "registers"
    code_version = 2
    metadata = metadata
    cluster_on: Sequence[str] = ("rm_status_intervals_commune", "rm_escape_windows_commune")

    def process(self, connection: Connection, facts: Sequence[Fact]) -> None:
        batch = _Batch()
        note = methods(self, "_note")
        for fact in facts:
            event = fact.event
            note[event.__class__](event, fact, batch)
        if batch.new_households:
            bulk_insert(connection, households, batch.new_households)
        self._apply_head_updates(connection, batch.head_updates)
        if batch.recognition_facts:
            self._fold_recognitions(connection, batch.recognition_facts)

    @singledispatchmethod
    def _note(self, event: object, fact: Fact, batch: _Batch) -> None:
        """Facts of other kinds change nothing here."""

    @_note.register
    def _(self, event: Household.Registered, fact: Fact, batch: _Batch) -> None:
        batch.new_households.append(self._household_row(event))

    @_note.register
    def _(self, event: Household.MemberJoined, fact: Fact, batch: _Batch) -> None:
        if event.member["relation"] == "head":
            batch.head_updates.append(
                {
                    "hid": str(event.originator_id),
                    "mid": event.member["member_id"],
                    "name": event.member["name"],
                    "only_if_head": None,
                }
            )

    @_note.register
    def _(self, event: Household.MemberDetailsCorrected, fact: Fact, batch: _Batch) -> None:
        if "name" in event.changes:
            batch.head_updates.append(
                {
                    "hid": str(event.originator_id),
                    "mid": event.member_id,
                    "name": event.changes["name"],
                    "only_if_head": event.member_id,
                }
            )

    @_note.register(Household.RecognitionRecorded)
    @_note.register(Household.RecognitionRevoked)
    @_note.register(Household.RecognitionCorrected)
    def _(self, event: Household.Event, fact: Fact, batch: _Batch) -> None:
        batch.recognition_facts[str(event.originator_id)].append(fact)

    topics = topics_of(_note)

    @staticmethod
    def _household_row(event: Household.Registered) -> dict[str, Any]:
        head = next((m for m in event.members if m["relation"] == "head"), None)
        return {
            "household_id": str(event.originator_id),
            "code": event.code,
            "commune_code": event.commune_code,
            "village": event.village,
            "area": event.area,
            "registered_on": event.registered_on,
            "head_member_id": head["member_id"] if head else None,
            "head_name": head["name"] if head else None,
            "recorded_at_us": microseconds(event.timestamp),
        }

    @staticmethod
    def _apply_head_updates(connection: Connection, updates: list[dict[str, Any]]) -> None:
        for update in updates:
            statement = households.update().where(households.c.household_id == update["hid"])
            if update["only_if_head"] is not None:
                statement = statement.where(households.c.head_member_id == update["only_if_head"])
                connection.execute(statement.values(head_name=update["name"]))
            else:
                connection.execute(
                    statement.values(head_member_id=update["mid"], head_name=update["name"])
                )

    def _fold_recognitions(
        self, connection: Connection, facts_by_household: dict[str, list[Fact]]
    ) -> None:
        household_ids = list(facts_by_household)
        communes = dict(
            select_in(
                connection,
                select(households.c.household_id, households.c.commune_code),
                households.c.household_id,
                household_ids,
            )
        )
        known: dict[str, list[Recognition]] = defaultdict(list)
        for row in select_in(
            connection,
            select(
                recognitions.c.household_id,
                recognitions.c.recognition_id,
                recognitions.c.status,
                recognitions.c.decided_on,
                recognitions.c.sequence,
            ),
            recognitions.c.household_id,
            household_ids,
        ):
            known[row[0]].append(Recognition(row[1], row[2], row[3], row[4]))
        stored: dict[str, dict[str, set[Row]]] = {
            hid: derived_rows(known[hid]) if known[hid] else _empty_rows() for hid in household_ids
        }

        inserts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        supersede: dict[str, list[dict[str, Any]]] = defaultdict(list)
        inputs_before = {hid: list(known[hid]) for hid in household_ids}
        inputs_after: dict[str, list[Recognition]] = {}
        for household_id, facts in facts_by_household.items():
            fold = _HouseholdFold(
                commune_code=communes[household_id],
                recognised=list(known[household_id]),
                stored=stored[household_id],
            )
            for fact in facts:
                fold.record(fact)
            inputs_after[household_id] = fold.recognised
            for table in VERSIONED_TABLES:
                if table.name in fold.supersede_stored_at:
                    supersede[table.name].append(
                        {"hid": household_id, "at": fold.supersede_stored_at[table.name]}
                    )
                for version in fold.versions[table.name]:
                    for row in version.rows:
                        inserts[table.name].append(
                            {
                                **_row_values(table, household_id, fold.commune_code, row),
                                "recorded_at_us": version.recorded_at_us,
                                "superseded_at_us": version.superseded_at_us,
                            }
                        )

        self._store_inputs(connection, inputs_before, inputs_after)
        for table in VERSIONED_TABLES:
            if supersede[table.name]:
                connection.execute(
                    table.update()
                    .where(table.c.household_id == bindparam("hid"))
                    .where(table.c.superseded_at_us == CURRENT)
                    .values(superseded_at_us=bindparam("at")),
                    supersede[table.name],
                )
            if inserts[table.name]:
                bulk_insert(connection, table, inserts[table.name])

    @staticmethod
    def _store_inputs(
        connection: Connection,
        before: dict[str, list[Recognition]],
        after: dict[str, list[Recognition]],
    ) -> None:
        """Keep each household's recognitions in force (this projection's own working input)."""
        removed: list[str] = []
        added: list[dict[str, Any]] = []
        for household_id, now in after.items():
            old = set(before[household_id])
            new = set(now)
            removed.extend(r.recognition_id for r in old - new)
            added.extend(
                {
                    "household_id": household_id,
                    "recognition_id": r.recognition_id,
                    "status": r.status,
                    "decided_on": r.decided_on,
                    "sequence": r.sequence,
                }
                for r in new - old
            )
        for start in range(0, len(removed), 500):
            connection.execute(
                recognitions.delete().where(
                    recognitions.c.recognition_id.in_(removed[start : start + 500])
                )
            )
        if added:
            bulk_insert(connection, recognitions, added)


def _empty_rows() -> dict[str, set[Row]]:
    return {table.name: set() for table in VERSIONED_TABLES}
