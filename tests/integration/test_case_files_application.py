"""The case files application with real storage, no HTTP: concurrent writers, past states.

Every test runs on SQLite and on PostgreSQL (the ``container`` fixture).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest

from application.case_files import CaseFiles
from application.commands import (
    MemberDetails,
    RecordRecognition,
    RecordSupport,
    RecordSurvey,
    RegisterHousehold,
)
from application.views import household_view
from domain.errors import Conflict, InvalidInput, NotEligible, NotFound
from domain.household import FactContext, Household
from infrastructure.container import Container
from tests.deprivation_codes import ND07

D = date.fromisoformat
PHUC_HA = "05485"
THREADS = 8

T = TypeVar("T")


def by(actor: str = "canbo.phucha", reason: str | None = None) -> FactContext:
    return FactContext(actor=actor, reason=reason)


def register(files: CaseFiles, code: str = "PH-0500") -> UUID:
    household, _ = files.register_household(
        RegisterHousehold(
            code=code,
            commune_code=PHUC_HA,
            village="Xóm Khuôn Năm",
            registered_on=D("2022-01-10"),
            members=[
                MemberDetails(
                    name="Ma Văn Quý",
                    birth_date=D("1970-07-07"),
                    sex="male",
                    ethnicity="03",
                    relation="head",
                )
            ],
            context=by(),
        )
    )
    return household.id


def recognise(files: CaseFiles, household_id: UUID, status: str, decided_on: str) -> None:
    files.record_recognition(
        RecordRecognition(
            household_id=household_id,
            status=status,
            decided_on=D(decided_on),
            decision_no=f"{decided_on}/QĐ-UBND",
            context=by("chutich"),
        )
    )


def agricultural_support(
    household_id: UUID, provided_on: date, idempotency_key: str | None = None
) -> RecordSupport:
    return RecordSupport(
        household_id=household_id,
        support_type="agricultural_production",
        provided_on=provided_on,
        context=by(),
        idempotency_key=idempotency_key,
    )


def all_at_once(count: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Runs ``work(i)`` on ``count`` threads released together; each result or exception."""
    barrier = threading.Barrier(count)
    results: list[T | BaseException | None] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as error:  # reported to the test, not raised in the thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return results  # type: ignore[return-value]


def versions(files: CaseFiles, household_id: UUID) -> list[int]:
    return [event.originator_version for event in files.household_events(household_id)]


# Concurrent writers -------------------------------------------------------------------------


def test_concurrent_supports_on_one_household_all_land_with_contiguous_versions(
    container: Container,
) -> None:
    files = container.case_files
    hid = register(files)
    recognise(files, hid, "poor", "2022-06-01")

    results = all_at_once(
        THREADS,
        lambda i: files.record_support(
            agricultural_support(hid, D("2023-01-01") + timedelta(days=i))
        ),
    )

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    written = [r for r in results if not isinstance(r, BaseException)]
    support_ids = {str(w.extra["support_id"]) for _, w, _ in written}
    assert len(support_ids) == THREADS
    assert all(created for _, _, created in written)
    positions = [w.position for _, w, _ in written]
    assert len(set(positions)) == THREADS and min(positions) > 0

    household = files.household(hid)
    assert set(household.supports) == support_ids
    assert {s.provided_on for s in household.supports.values()} == {
        D("2023-01-01") + timedelta(days=i) for i in range(THREADS)
    }
    assert versions(files, hid) == list(range(1, 2 + 1 + THREADS))
    assert household.version == 2 + THREADS


def test_concurrent_registrations_of_one_code_leave_exactly_one_household(
    container: Container,
) -> None:
    files = container.case_files

    results = all_at_once(THREADS, lambda _: register(files, code="PH-0777"))

    winners = [r for r in results if isinstance(r, UUID)]
    losers = [r for r in results if not isinstance(r, UUID)]
    assert len(winners) == 1
    assert len(losers) == THREADS - 1
    assert all(isinstance(error, Conflict) for error in losers), losers
    found = files.find_by_code("PH-0777")
    assert found is not None and found.id == winners[0]
    assert versions(files, winners[0]) == [1]


def test_one_idempotency_key_from_several_threads_records_one_support(
    container: Container,
) -> None:
    files = container.case_files
    hid = register(files)
    recognise(files, hid, "near_poor", "2022-06-01")
    command = agricultural_support(hid, D("2023-03-15"), idempotency_key="tablet-3:0001")

    results = all_at_once(THREADS, lambda _: files.record_support(command))

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    written = [r for r in results if not isinstance(r, BaseException)]
    assert len({str(w.extra["support_id"]) for _, w, _ in written}) == 1
    assert sum(1 for _, _, created in written if created) == 1
    assert len({w.position for _, w, _ in written}) == 1
    household = files.household(hid)
    assert len(household.supports) == 1
    assert versions(files, hid) == [1, 2, 3]


def test_a_stale_expected_version_is_a_conflict_not_a_retry(container: Container) -> None:
    files = container.case_files
    hid = register(files)
    recognise(files, hid, "poor", "2022-06-01")

    with pytest.raises(Conflict):
        files.record_support(
            RecordSupport(
                household_id=hid,
                support_type="agricultural_production",
                provided_on=D("2023-01-01"),
                context=by(),
                expected_version=1,
            )
        )
    assert versions(files, hid) == [1, 2]


# Past states --------------------------------------------------------------------------------


def survey(files: CaseFiles, household_id: UUID, surveyed_on: str, *deprived: str) -> None:
    files.record_survey(
        RecordSurvey(
            household_id=household_id,
            surveyed_on=D(surveyed_on),
            review="annual",
            income_per_capita=1_100_000,
            deprivations={code: code in deprived for code in ND07},
            context=by(),
        )
    )


def test_a_household_at_a_version_is_the_household_as_that_fact_left_it(
    container: Container,
) -> None:
    files = container.case_files
    hid = register(files)
    survey(files, hid, "2022-10-01", "employment", "sanitation", "housing_area")
    recognise(files, hid, "poor", "2022-12-20")
    files.record_support(agricultural_support(hid, D("2023-02-01")))

    at_one = files.household_at_version(hid, 1)
    at_two = files.household_at_version(hid, 2)
    at_three = files.household_at_version(hid, 3)
    at_four = files.household_at_version(hid, 4)

    assert [h.version for h in (at_one, at_two, at_three, at_four)] == [1, 2, 3, 4]
    assert (len(at_one.surveys), len(at_one.recognitions), len(at_one.supports)) == (0, 0, 0)
    assert (len(at_two.surveys), len(at_two.recognitions)) == (1, 0)
    assert at_two.surveys[0].proposed_status == "poor"
    assert household_view(at_two, D("2023-01-01"))["status"] == "none"
    assert household_view(at_three, D("2023-01-01"))["status"] == "poor"
    assert len(at_three.supports) == 0 and len(at_four.supports) == 1
    with pytest.raises(InvalidInput):
        files.household_at_version(hid, 5)
    with pytest.raises(InvalidInput):
        files.household_at_version(hid, 0)


def test_a_household_known_at_a_moment_is_built_from_the_facts_recorded_by_then(
    container: Container,
) -> None:
    files = container.case_files
    hid = register(files)
    survey(files, hid, "2022-10-01", "employment", "sanitation", "housing_area")
    recognise(files, hid, "poor", "2022-12-20")
    events = files.household_events(hid)

    for event in events:
        known = files.household_known_at(hid, event.timestamp)
        assert known.version == event.originator_version
        assert known.version == files.household_at_version(hid, known.version).version
    just_before_recognition = events[2].timestamp - timedelta(microseconds=1)
    assert files.household_known_at(hid, just_before_recognition).version == 2
    with pytest.raises(NotFound):
        files.household_known_at(hid, events[0].timestamp - timedelta(microseconds=1))


def status_on(household: Household, day: str) -> tuple[Any, ...]:
    view = household_view(household, D(day))
    until = view["newly_escaped_until"]
    return view["status"], view["newly_escaped"], until.isoformat() if until else None


def test_a_backdated_recognition_changes_past_dates_but_not_what_was_known_before_it(
    container: Container,
) -> None:
    files = container.case_files
    hid = register(files)
    recognise(files, hid, "poor", "2022-06-01")
    recognise(files, hid, "near_poor", "2024-02-29")
    known_before = files.household_events(hid)[-1].timestamp

    # A decision of 15 January 2023 that was missed, recorded now.
    recognise(files, hid, "near_poor", "2023-01-15")

    now = files.household(hid)
    assert status_on(now, "2023-06-01") == ("near_poor", True, "2026-01-15")
    assert status_on(now, "2022-12-31") == ("poor", False, None)
    # The later near_poor decision is no escape any more: the window is the backdated one.
    assert status_on(now, "2026-01-15") == ("near_poor", True, "2026-01-15")
    assert status_on(now, "2026-01-16") == ("near_poor", False, "2026-01-15")

    then = files.household_known_at(hid, known_before)
    assert status_on(then, "2023-06-01") == ("poor", False, None)
    assert status_on(then, "2026-01-16") == ("near_poor", True, "2027-02-28")

    # Eligibility follows what is known now: a poor-only support on 2023-06-01 is refused,
    # one for near-poor households is given.
    with pytest.raises(NotEligible, match="near_poor"):
        files.record_support(
            RecordSupport(
                household_id=hid,
                support_type="housing",
                provided_on=D("2023-06-01"),
                context=by(),
            )
        )
    _, written, created = files.record_support(agricultural_support(hid, D("2023-06-01")))
    assert created and written.position > 0
