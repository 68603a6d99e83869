"""The registers projection over generated histories (contract.md "Registers and reports",
domain.md §4, §4.1, §4.2), on the embedded SQLite default and on PostgreSQL.

Each generated history registers several households in communes of different districts and records
recognitions through ``CaseFiles.record_recognition`` with random statuses and decision dates,
including same-day ties and backdated decisions recorded after later-dated ones. Every example uses
a database of its own.

- folding the log incrementally (after every command, or in batches of 1 or 3 facts) leaves exactly
  the rows a full rebuild leaves;
- the register of every kind, for any date and area, is the domain rule applied household by
  household; so are the summary's counts, for the area and for each of its child units;
- the movement report satisfies the identities of contract.md, and its start and end are the
  register's totals on the day before ``from`` and on ``to``;
- ``known_at`` gives the register as it stood: the domain rule over only the recognitions recorded
  by then.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from application.commands import (
    CorrectMemberDetails,
    MakeAllocation,
    MemberDetails,
    RecordRecognition,
    RegisterHousehold,
)
from domain.household import FactContext
from domain.status import Recognition, status_on, steps
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings, normalise_database_url
from projections.machinery import Projector, tracking_table
from projections.register_queries import REGISTER_KINDS
from projections.register_tables import metadata as register_metadata
from tests.support import empty_postgres_database

TODAY = date(2026, 12, 31)  # the containers' business "today": every generated date is allowed
ONE_DAY = timedelta(days=1)
PROVINCE = "19"
# Three communes, each in a different district: a xã of Thái Nguyên city, the thị trấn of Định Hóa
# and a xã of Võ Nhai.
DISTRICT_OF = {"05485": "164", "05536": "167", "05719": "170"}
COMMUNES = tuple(DISTRICT_OF)
DISTRICTS = tuple(DISTRICT_OF.values())
AREAS = (PROVINCE, *DISTRICTS, *COMMUNES)
STATUSES = ("poor", "near_poor", "average", "none")
CONTEXT = FactContext(actor="test.registers", evidence="QĐ test")
FIRST_DECISION, LAST_DECISION = date(2019, 1, 1), date(2026, 12, 31)

EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- generated histories --------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdSpec:
    commune_code: str
    registered_on: date


@dataclass(frozen=True)
class Decision:
    household: int
    status: str
    decided_on: date


@dataclass(frozen=True)
class Rename:
    household: int


@dataclass(frozen=True)
class History:
    households: tuple[HouseholdSpec, ...]
    # In recording order: a household is registered just before its first fact.
    facts: tuple[Decision | Rename, ...]


@st.composite
def histories(draw: st.DrawFn) -> History:
    count = draw(st.integers(min_value=2, max_value=6))
    households = tuple(
        HouseholdSpec(
            commune_code=draw(st.sampled_from(COMMUNES)),
            registered_on=draw(st.dates(date(2015, 1, 1), date(2018, 12, 31))),
        )
        for _ in range(count)
    )
    # A few shared dates make same-day decisions (also across households) common.
    shared = draw(st.lists(st.dates(FIRST_DECISION, LAST_DECISION), min_size=2, max_size=6))
    decided_on = st.one_of(st.sampled_from(shared), st.dates(FIRST_DECISION, LAST_DECISION))
    decision = st.builds(
        Decision,
        household=st.integers(0, count - 1),
        # Poverty is what the rules are about: escapes, re-poverty, windows.
        status=st.sampled_from(("poor", "poor", *STATUSES)),
        decided_on=decided_on,
    )
    rename = st.builds(Rename, household=st.integers(0, count - 1))
    facts = draw(st.lists(st.one_of(decision, decision, decision, rename), min_size=1, max_size=20))
    return History(households, tuple(facts))


# Backdated decisions recorded after later-dated ones, same-day ties, an escape whose window a
# backdated re-poverty closes, and a 29 February window.
HAND_WRITTEN = History(
    households=(
        HouseholdSpec("05485", date(2016, 3, 1)),
        HouseholdSpec("05536", date(2017, 5, 2)),
        HouseholdSpec("05719", date(2018, 7, 3)),
    ),
    facts=(
        Decision(0, "poor", date(2021, 1, 15)),
        Decision(0, "near_poor", date(2023, 6, 1)),
        Decision(1, "poor", date(2020, 2, 29)),
        Decision(1, "average", date(2024, 2, 29)),
        Decision(0, "poor", date(2022, 12, 15)),  # backdated: recorded after 2023-06-01
        Decision(2, "near_poor", date(2023, 6, 1)),
        Decision(2, "poor", date(2023, 6, 1)),  # same day: the later recorded wins
        Decision(2, "average", date(2023, 6, 1)),
        Rename(1),
        Decision(1, "poor", date(2025, 5, 5)),
        Decision(0, "near_poor", date(2019, 9, 9)),  # backdated before everything
    ),
)


# --- recording a history --------------------------------------------------------------------------


@dataclass
class Recorded:
    """What was recorded, with an independent copy of every household's recognitions."""

    household_ids: list[str] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)
    communes: dict[str, str] = field(default_factory=dict)
    registered_on: dict[str, date] = field(default_factory=dict)
    registered_at: dict[str, datetime] = field(default_factory=dict)
    # Every recognition in recording order: (household id, recognition, recorded_at).
    recognitions: list[tuple[str, Recognition, datetime]] = field(default_factory=list)

    def recognised(self, known_at: datetime | None = None) -> dict[str, list[Recognition]]:
        by_household: dict[str, list[Recognition]] = {hid: [] for hid in self.known(known_at)}
        for household_id, recognition, recorded_at in self.recognitions:
            if known_at is None or recorded_at <= known_at:
                by_household[household_id].append(recognition)
        return by_household

    def known(self, known_at: datetime | None) -> list[str]:
        return [
            hid
            for hid in self.household_ids
            if known_at is None or self.registered_at[hid] <= known_at
        ]


def record(
    container: Container, history: History, after_each: Callable[[], object] | None = None
) -> Recorded:
    files = container.case_files
    recorded = Recorded()
    ids: dict[int, UUID] = {}
    sequence = 0

    def household_id(index: int) -> UUID:
        if index not in ids:
            spec = history.households[index]
            household, _ = files.register_household(
                RegisterHousehold(
                    code=f"HH-{index:03d}",
                    commune_code=spec.commune_code,
                    village=f"Xóm {index}",
                    registered_on=spec.registered_on,
                    members=[
                        MemberDetails(
                            name=f"Chủ hộ {index}",
                            birth_date=date(1970, 1, 1),
                            sex="female",
                            ethnicity="01",
                            relation="head",
                        )
                    ],
                    context=CONTEXT,
                )
            )
            ids[index] = household.id
            hid = str(household.id)
            recorded.household_ids.append(hid)
            recorded.codes[hid] = household.code
            recorded.communes[hid] = spec.commune_code
            recorded.registered_on[hid] = spec.registered_on
            recorded.registered_at[hid] = files.household_events(household.id)[0].timestamp
            if after_each is not None:
                after_each()
        return ids[index]

    for number, fact in enumerate(history.facts):
        hid = household_id(fact.household)
        if isinstance(fact, Rename):
            household = files.household(hid)
            head = next(m for m in household.members.values() if m.relation == "head")
            files.correct_member(
                CorrectMemberDetails(
                    household_id=hid,
                    member_id=head.member_id,
                    changes={"name": f"{head.name} ({number})"},
                    context=FactContext(actor="test.registers", reason="spelling"),
                )
            )
        else:
            _, written = files.record_recognition(
                RecordRecognition(
                    household_id=hid,
                    status=fact.status,
                    decided_on=fact.decided_on,
                    decision_no=f"{number}/QĐ-UBND",
                    context=CONTEXT,
                )
            )
            event = files.household_events(hid)[-1]
            sequence += 1
            recorded.recognitions.append(
                (
                    str(hid),
                    Recognition(
                        str(written.extra["recognition_id"]),
                        fact.status,  # type: ignore[arg-type]
                        fact.decided_on,
                        sequence,
                    ),
                    event.timestamp,
                )
            )
        if after_each is not None:
            after_each()
    # Households with no fact of their own are registered last.
    for index in range(len(history.households)):
        household_id(index)
    return recorded


# --- fresh databases, one per example -------------------------------------------------------------


FreshContainer = Callable[[], AbstractContextManager[Container]]


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_container(request: pytest.FixtureRequest) -> Iterator[FreshContainer]:
    """Builds, for each hypothesis example, a container over an empty database of its own."""
    postgres_url: str | None = None
    if request.param == "postgres":
        postgres_url = request.getfixturevalue("postgres_database")
    with tempfile.TemporaryDirectory(prefix="giamngheo-registers-") as directory:
        # SQLite: every example gets a copy of an empty database with the tables already made.
        template = Path(directory) / "template.sqlite3"
        counter = iter(range(1_000_000))

        def built(url: str) -> Container:
            return build_container(
                Settings(database_url=normalise_database_url(url)), today=lambda: TODAY
            )

        if postgres_url is None:
            empty = built(f"sqlite:///{template}")
            empty.projectors["registers"].prepare()
            empty.close()

        @contextmanager
        def fresh() -> Iterator[Container]:
            if postgres_url is None:
                copy = Path(directory) / f"example-{next(counter)}.sqlite3"
                shutil.copyfile(template, copy)
                url = f"sqlite:///{copy}"
            else:
                empty_postgres_database(postgres_url)
                url = postgres_url
            container = built(url)
            try:
                container.projectors["registers"].prepare()
                assert container.event_log.max_position() == 0
                yield container
            finally:
                container.close()
                if postgres_url is None:
                    copy.unlink()

        yield fresh


# --- reading the read model -----------------------------------------------------------------------


def rows_of(projector: Projector) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the projection owns, in a stable order."""
    with projector.engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in register_metadata.sorted_tables
        }


def forget(projector: Projector) -> None:
    """An empty read model at position 0 (what a new worker would start from)."""
    with projector.engine.begin() as connection:
        for table in reversed(register_metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(
            tracking_table.update()
            .where(tracking_table.c.name == projector.name)
            .values(position=0)
        )


# --- the domain rule, household by household ------------------------------------------------------


def in_area(recorded: Recorded, household_id: str, area: str) -> bool:
    commune = recorded.communes[household_id]
    return area in (PROVINCE, commune, DISTRICT_OF[commune])


def expected_register(
    recorded: Recorded, kind: str, area: str, day: date, known_at: datetime | None = None
) -> dict[str, tuple[date | None, date | None]]:
    """household id → (since, until) of the households the domain rule puts on the register."""
    members: dict[str, tuple[date | None, date | None]] = {}
    for household_id, recognitions in recorded.recognised(known_at).items():
        if not in_area(recorded, household_id, area):
            continue
        on_day = status_on(recognitions, day)
        if kind == "newly_escaped":
            if on_day.newly_escaped:
                assert on_day.window is not None
                members[household_id] = (on_day.window.opened_on, on_day.window.until)
        elif on_day.status == kind:
            members[household_id] = (on_day.status_since, None)
    return members


def expected_counts(
    recorded: Recorded, area: str, day: date, known_at: datetime | None = None
) -> dict[str, int]:
    counts = {
        kind: len(expected_register(recorded, kind, area, day, known_at)) for kind in REGISTER_KINDS
    }
    counts["households"] = sum(
        1
        for hid in recorded.known(known_at)
        if in_area(recorded, hid, area) and recorded.registered_on[hid] <= day
    )
    return counts


def register_of(
    container: Container, kind: str, area: str, day: date, known_at: datetime | None = None
) -> dict[str, tuple[date | None, date | None]]:
    answer = container.registers.register(kind, area, day, known_at, None, 0)  # type: ignore[arg-type]
    items = answer["items"]
    assert answer["total"] == len(items)
    assert len({item["household_id"] for item in items}) == len(items), "a household twice"
    assert [(i["commune_code"], i["code"]) for i in items] == sorted(
        (i["commune_code"], i["code"]) for i in items
    )
    return {item["household_id"]: (item["since"], item["until"]) for item in items}


def check_registers(
    container: Container,
    recorded: Recorded,
    day: date,
    area: str,
    known_at: datetime | None = None,
) -> None:
    for kind in REGISTER_KINDS:
        assert register_of(container, kind, area, day, known_at) == expected_register(
            recorded, kind, area, day, known_at
        ), (kind, area, day, known_at)


def check_summary(
    container: Container,
    recorded: Recorded,
    day: date,
    area: str,
    known_at: datetime | None = None,
) -> None:
    summary = container.registers.summary(area, day, known_at)
    expected = expected_counts(recorded, area, day, known_at)
    assert {name: summary[name] for name in expected} == expected, (area, day, known_at)
    children = {unit["code"]: unit for unit in summary["units"]}
    if area == PROVINCE:
        assert len(children) == 9
    for child, unit in children.items():
        counted = expected_counts(recorded, child, day, known_at) if child in AREAS else None
        got = {name: unit[name] for name in expected}
        assert got == (counted or dict.fromkeys(expected, 0)), (area, child, day, known_at)


def interesting_dates(recorded: Recorded) -> list[date]:
    """Decision dates, the days either side, and each window's last day and the day after."""
    days: set[date] = set()
    by_household = recorded.recognised()
    for recognitions in by_household.values():
        for recognition in recognitions:
            days |= {recognition.decided_on - ONE_DAY, recognition.decided_on}
            days.add(recognition.decided_on + ONE_DAY)
            window = status_on(recognitions, recognition.decided_on).window
            if window is not None:
                days |= {window.until, window.until + ONE_DAY}
    return sorted(days) or [date(2024, 1, 1)]


ANY_DATE = st.dates(date(2014, 1, 1), date(2031, 12, 31))


def a_date(data: st.DataObject, recorded: Recorded) -> date:
    return data.draw(st.one_of(st.sampled_from(interesting_dates(recorded)), ANY_DATE))


# --- (a) incremental = rebuild --------------------------------------------------------------------


@EXAMPLES
@given(history=histories())
@example(history=HAND_WRITTEN)
def test_incremental_projection_leaves_the_rows_a_rebuild_leaves(
    fresh_container: FreshContainer, history: History
) -> None:
    with fresh_container() as container:
        projector = container.projectors["registers"]
        record(container, history, after_each=projector.catch_up)
        log_end = container.event_log.max_position()
        assert projector.position() == log_end
        after_each_command = rows_of(projector)

        by_batch = {}
        for batch_size in (1, 3):
            forget(projector)
            projector.catch_up(batch_size=batch_size)
            assert projector.position() == log_end
            by_batch[batch_size] = rows_of(projector)

        assert projector.rebuild() == log_end
        assert projector.position() == log_end
        rebuilt = rows_of(projector)

        for name, rows in rebuilt.items():
            assert after_each_command[name] == rows, f"{name}: after each command ≠ rebuild"
            assert by_batch[1][name] == rows, f"{name}: batches of 1 ≠ rebuild"
            assert by_batch[3][name] == rows, f"{name}: batches of 3 ≠ rebuild"
        recognitions = len(rebuilt["rm_recognitions"])
        assert recognitions == sum(isinstance(f, Decision) for f in history.facts)
        assert len(rebuilt["rm_households"]) == len(history.households)


def test_a_projection_reads_only_its_topics_and_still_moves_to_the_end_of_the_log(
    fresh_container: FreshContainer,
) -> None:
    with fresh_container() as container:
        projector = container.projectors["registers"]
        record(container, HAND_WRITTEN)
        projector.catch_up()
        folded = rows_of(projector)
        # Facts the registers do not fold: allocations of funds.
        for number in range(3):
            container.case_files.make_allocation(
                MakeAllocation(
                    source="central_recurrent",
                    fiscal_year=2025,
                    programme_line="DA3.TDA1",
                    unit_code=COMMUNES[0],
                    amount=1_000_000,
                    decision_no=f"{number}/QĐ-UBND",
                    decided_on=date(2025, 1, 15),
                    context=CONTEXT,
                )
            )
        log_end = container.event_log.max_position()
        before = projector.position()
        assert before < log_end

        assert projector.catch_up(batch_size=2) == log_end - before
        assert projector.position() == log_end
        assert rows_of(projector) == folded
        assert projector.catch_up() == 0


# --- (b) the register is the domain rule ----------------------------------------------------------


@EXAMPLES
@given(history=histories(), data=st.data())
def test_register_on_any_date_is_the_domain_rule_household_by_household(
    fresh_container: FreshContainer, history: History, data: st.DataObject
) -> None:
    with fresh_container() as container:
        recorded = record(container, history)
        container.projectors["registers"].catch_up()
        for _ in range(3):
            day = a_date(data, recorded)
            area = data.draw(st.sampled_from(AREAS[1:]))
            check_registers(container, recorded, day, PROVINCE)
            check_registers(container, recorded, day, area)
            check_summary(container, recorded, day, PROVINCE)
            check_summary(container, recorded, day, DISTRICT_OF.get(area, area))


def test_hand_written_history_register_on_every_interesting_date(
    fresh_container: FreshContainer,
) -> None:
    with fresh_container() as container:
        recorded = record(container, HAND_WRITTEN)
        container.projectors["registers"].catch_up()
        for day in interesting_dates(recorded):
            check_registers(container, recorded, day, PROVINCE)
            for area in (PROVINCE, *DISTRICTS):
                check_summary(container, recorded, day, area)
        # The escapes of 2023-06-01 (one after a backdated decision, one after same-day ties)
        # open windows through 2026-06-01; re-poverty on 2025-05-05 closed the 2024-02-29 window.
        first, second, third = recorded.household_ids
        window = (date(2023, 6, 1), date(2026, 6, 1))
        on_last_day = register_of(container, "newly_escaped", PROVINCE, date(2026, 6, 1))
        assert on_last_day == {first: window, third: window}
        assert register_of(container, "newly_escaped", PROVINCE, date(2026, 6, 2)) == {}
        assert register_of(container, "poor", PROVINCE, date(2027, 1, 1)) == {
            second: (date(2025, 5, 5), None)
        }


# --- (c) movement identities ----------------------------------------------------------------------


@EXAMPLES
@given(history=histories(), data=st.data())
def test_movement_report_identities_and_its_ends_are_the_register_totals(
    fresh_container: FreshContainer, history: History, data: st.DataObject
) -> None:
    with fresh_container() as container:
        recorded = record(container, history)
        container.projectors["registers"].catch_up()
        for _ in range(3):
            first, second = a_date(data, recorded), a_date(data, recorded)
            start, end = min(first, second), max(first, second)
            area = data.draw(st.sampled_from(AREAS))
            report = container.registers.movements(area, start, end, None)
            poor, near = report["poor"], report["near_poor"]
            assert set(poor) == {"start", "new_poverty", "re_poverty", "escaped", "end"}
            assert set(near) == {
                "start",
                "new_near_poverty",
                "from_poverty",
                "escaped",
                "to_poverty",
                "end",
            }
            assert (
                poor["end"]
                == poor["start"] + poor["new_poverty"] + poor["re_poverty"] - (poor["escaped"])
            ), report
            assert (
                near["end"]
                == near["start"]
                + near["new_near_poverty"]
                + near["from_poverty"]
                - near["escaped"]
                - near["to_poverty"]
            ), report
            before = start - ONE_DAY
            for kind, block in (("poor", poor), ("near_poor", near)):
                at_start = container.registers.register(kind, area, before, None, 1, 0)
                at_end = container.registers.register(kind, area, end, None, 1, 0)
                assert block["start"] == at_start["total"], (kind, area, before)
                assert block["end"] == at_end["total"], (kind, area, end)
                assert block["start"] == len(expected_register(recorded, kind, area, before))
                assert block["end"] == len(expected_register(recorded, kind, area, end))
            assert (poor, near) == expected_movements(recorded, area, start, end)


def expected_movements(
    recorded: Recorded, area: str, start: date, end: date
) -> tuple[dict[str, int], dict[str, int]]:
    """The movement report from the domain rule: every change of recognised status decided in
    [start, end], named as domain.md §4.1 names it."""
    poor: Counter[str] = Counter()
    near: Counter[str] = Counter()
    for household_id, recognitions in recorded.recognised().items():
        if not in_area(recorded, household_id, area):
            continue
        for step in steps(recognitions):
            before, after = step.previous_status, step.recognition.status
            if before == after or not start <= step.recognition.decided_on <= end:
                continue
            if after == "poor":
                poor["new_poverty" if step.movement == "new_poverty" else "re_poverty"] += 1
            if before == "poor":
                poor["escaped"] += 1
            if after == "near_poor":
                near["from_poverty" if before == "poor" else "new_near_poverty"] += 1
            if before == "near_poor":
                near["to_poverty" if after == "poor" else "escaped"] += 1
    before_start = start - ONE_DAY
    poor_block = {
        "start": len(expected_register(recorded, "poor", area, before_start)),
        "new_poverty": poor["new_poverty"],
        "re_poverty": poor["re_poverty"],
        "escaped": poor["escaped"],
        "end": len(expected_register(recorded, "poor", area, end)),
    }
    near_block = {
        "start": len(expected_register(recorded, "near_poor", area, before_start)),
        "new_near_poverty": near["new_near_poverty"],
        "from_poverty": near["from_poverty"],
        "escaped": near["escaped"],
        "to_poverty": near["to_poverty"],
        "end": len(expected_register(recorded, "near_poor", area, end)),
    }
    return poor_block, near_block


# --- (d) known_at ---------------------------------------------------------------------------------


@EXAMPLES
@given(history=histories(), data=st.data())
def test_known_at_gives_the_register_as_it_stood_when_an_earlier_fact_was_recorded(
    fresh_container: FreshContainer, history: History, data: st.DataObject
) -> None:
    with fresh_container() as container:
        recorded = record(container, history)
        container.projectors["registers"].catch_up()
        moments = [recorded_at for _, _, recorded_at in recorded.recognitions]
        moments += list(recorded.registered_at.values())
        for _ in range(2):
            known_at = data.draw(st.sampled_from(moments))
            day = a_date(data, recorded)
            area = data.draw(st.sampled_from(AREAS[1:]))
            check_registers(container, recorded, day, PROVINCE, known_at)
            check_registers(container, recorded, day, area, known_at)
            check_summary(container, recorded, day, PROVINCE, known_at)
