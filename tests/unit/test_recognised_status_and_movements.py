"""Recognised status over time and movements between statuses (domain.md §4, §4.1)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.standards import STATUSES, Status
from domain.status import (
    Movement,
    Recognition,
    movement_between,
    movement_of,
    status_on,
    steps,
)

D = date.fromisoformat


def history(*rows: tuple[Status, str]) -> list[Recognition]:
    """Recognitions recorded in the order given: (status, decision date)."""
    return [
        Recognition(f"r{i}", status, D(decided_on), sequence=i)
        for i, (status, decided_on) in enumerate(rows, start=1)
    ]


def movements(recognitions: Sequence[Recognition]) -> list[Movement | None]:
    return [step.movement for step in steps(recognitions)]


# --- status on a date ---------------------------------------------------------------------------


def test_status_before_any_recognition_is_none() -> None:
    result = status_on([], D("2024-06-01"))
    assert result.status == "none"
    assert result.status_since is None
    assert result.newly_escaped is False
    assert result.newly_escaped_until is None
    assert result.window is None


def test_status_on_a_day_before_the_first_recognition_is_none() -> None:
    recognitions = history(("poor", "2023-01-10"))
    result = status_on(recognitions, D("2023-01-09"))
    assert result.status == "none"
    assert result.status_since is None


def test_a_recognition_sets_the_status_from_its_decision_date() -> None:
    recognitions = history(("poor", "2022-03-01"), ("near_poor", "2023-12-10"))
    assert status_on(recognitions, D("2022-03-01")).status == "poor"
    assert status_on(recognitions, D("2023-12-09")).status == "poor"
    assert status_on(recognitions, D("2023-12-10")).status == "near_poor"
    assert status_on(recognitions, D("2030-01-01")).status == "near_poor"


@pytest.mark.parametrize("status", STATUSES)
def test_a_single_recognition_gives_its_status_since_its_decision_date(status: Status) -> None:
    result = status_on(history((status, "2022-05-05")), D("2022-05-05"))
    assert result.status == status
    assert result.status_since == D("2022-05-05")


def test_same_date_decisions_the_later_recorded_wins() -> None:
    earlier = Recognition("a", "poor", D("2023-06-15"), sequence=1)
    later = Recognition("b", "near_poor", D("2023-06-15"), sequence=2)
    for given_order in ([earlier, later], [later, earlier]):
        assert status_on(given_order, D("2023-06-15")).status == "near_poor"
        assert status_on(given_order, D("2023-06-14")).status == "none"


def test_same_date_decisions_the_later_recorded_wins_even_if_it_is_poor() -> None:
    earlier = Recognition("a", "average", D("2023-06-15"), sequence=7)
    later = Recognition("b", "poor", D("2023-06-15"), sequence=8)
    assert status_on([later, earlier], D("2023-06-15")).status == "poor"


def test_status_since_is_the_start_of_the_unbroken_run_of_that_status() -> None:
    recognitions = history(
        ("poor", "2022-01-10"),
        ("poor", "2022-12-15"),  # confirmed at the annual review: the run goes on
        ("near_poor", "2023-12-14"),
        ("poor", "2024-12-10"),
    )
    assert status_on(recognitions, D("2023-01-01")).status_since == D("2022-01-10")
    assert status_on(recognitions, D("2024-01-01")).status_since == D("2023-12-14")
    assert status_on(recognitions, D("2025-01-01")).status_since == D("2024-12-10")


def test_backdated_recognition_is_inserted_before_the_existing_ones() -> None:
    recognitions = history(("near_poor", "2023-01-10"))
    assert movement_of(recognitions, "r1") == "new_near_poverty"

    # Recorded later, decided earlier: the household had been poor since mid-2022.
    backdated = Recognition("late", "poor", D("2022-06-01"), sequence=99)
    recognitions = [*recognitions, backdated]
    assert [s.recognition.recognition_id for s in steps(recognitions)] == ["late", "r1"]
    assert movement_of(recognitions, "late") == "new_poverty"
    assert movement_of(recognitions, "r1") == "escaped_poverty"
    assert status_on(recognitions, D("2022-12-31")).status == "poor"
    assert status_on(recognitions, D("2023-01-10")).status == "near_poor"
    assert status_on(recognitions, D("2023-01-10")).newly_escaped is True


def test_backdated_recognition_between_two_existing_ones_changes_the_status_in_between() -> None:
    recognitions = history(("poor", "2022-01-10"), ("none", "2024-12-10"))
    assert status_on(recognitions, D("2023-06-01")).status == "poor"
    backdated = Recognition("late", "near_poor", D("2023-01-05"), sequence=3)
    recognitions = [*recognitions, backdated]
    assert status_on(recognitions, D("2023-06-01")).status == "near_poor"
    assert movements(recognitions) == ["new_poverty", "escaped_poverty", "escaped_near_poverty"]


def test_steps_record_the_previous_status() -> None:
    recognitions = history(("poor", "2022-01-10"), ("near_poor", "2023-01-10"))
    assert [s.previous_status for s in steps(recognitions)] == ["none", "poor"]


# --- movements ----------------------------------------------------------------------------------

MOVEMENT_TABLE: list[tuple[Status, Status, bool, Movement | None]] = [
    # not poor -> poor: new poverty, or re-poverty after an earlier escape from poverty
    ("none", "poor", False, "new_poverty"),
    ("average", "poor", False, "new_poverty"),
    ("near_poor", "poor", False, "new_poverty"),
    ("none", "poor", True, "re_poverty"),
    ("average", "poor", True, "re_poverty"),
    ("near_poor", "poor", True, "re_poverty"),
    # poor -> near_poor: escaped poverty, to near-poor (not new near-poverty)
    ("poor", "near_poor", False, "escaped_poverty"),
    ("poor", "near_poor", True, "escaped_poverty"),
    # poor -> average or none: escaped poverty, above near-poor
    ("poor", "average", False, "escaped_poverty"),
    ("poor", "none", False, "escaped_poverty"),
    ("poor", "average", True, "escaped_poverty"),
    ("poor", "none", True, "escaped_poverty"),
    # near_poor -> average or none: escaped near-poverty
    ("near_poor", "average", False, "escaped_near_poverty"),
    ("near_poor", "none", False, "escaped_near_poverty"),
    ("near_poor", "average", True, "escaped_near_poverty"),
    ("near_poor", "none", True, "escaped_near_poverty"),
    # not near-poor and not poor -> near_poor: new near-poverty
    ("none", "near_poor", False, "new_near_poverty"),
    ("average", "near_poor", False, "new_near_poverty"),
    ("none", "near_poor", True, "new_near_poverty"),
    ("average", "near_poor", True, "new_near_poverty"),
    # no movement
    ("poor", "poor", False, None),
    ("poor", "poor", True, None),
    ("near_poor", "near_poor", False, None),
    ("near_poor", "near_poor", True, None),
    ("average", "average", False, None),
    ("none", "none", False, None),
    ("average", "none", False, None),
    ("none", "average", False, None),
    ("average", "none", True, None),
    ("none", "average", True, None),
    ("average", "average", True, None),
    ("none", "none", True, None),
]


def test_movement_table_covers_every_pair_of_statuses() -> None:
    covered = {(before, after, escaped) for before, after, escaped, _ in MOVEMENT_TABLE}
    assert covered == set(itertools.product(STATUSES, STATUSES, (False, True)))


@pytest.mark.parametrize(("previous", "new", "escaped_before", "expected"), MOVEMENT_TABLE)
def test_movement_between_consecutive_recognised_statuses(
    previous: Status, new: Status, escaped_before: bool, expected: Movement | None
) -> None:
    assert movement_between(previous, new, escaped_before) == expected


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param([("poor", "2022-01-10")], ["new_poverty"], id="first-recognition-poor"),
        pytest.param([("near_poor", "2022-01-10")], ["new_near_poverty"], id="first-near-poor"),
        pytest.param([("average", "2022-01-10")], [None], id="first-average"),
        pytest.param([("none", "2022-01-10")], [None], id="first-none"),
        pytest.param(
            [("poor", "2022-01-10"), ("none", "2023-01-10"), ("poor", "2024-01-10")],
            ["new_poverty", "escaped_poverty", "re_poverty"],
            id="re-poverty-after-escape-above-near-poor",
        ),
        pytest.param(
            [("poor", "2022-01-10"), ("near_poor", "2023-01-10"), ("poor", "2024-01-10")],
            ["new_poverty", "escaped_poverty", "re_poverty"],
            id="re-poverty-after-escape-to-near-poor",
        ),
        pytest.param(
            [
                ("poor", "2022-01-10"),
                ("average", "2022-12-10"),
                ("none", "2023-12-10"),
                ("near_poor", "2024-12-10"),
                ("poor", "2025-12-10"),
            ],
            ["new_poverty", "escaped_poverty", None, "new_near_poverty", "re_poverty"],
            id="re-poverty-long-after-the-escape",
        ),
        pytest.param(
            [("near_poor", "2022-01-10"), ("poor", "2023-01-10")],
            ["new_near_poverty", "new_poverty"],
            id="near-poor-to-poor-is-new-poverty",
        ),
        pytest.param(
            [("near_poor", "2022-01-10"), ("none", "2023-01-10"), ("poor", "2024-01-10")],
            ["new_near_poverty", "escaped_near_poverty", "new_poverty"],
            id="escaping-near-poverty-is-not-an-escape-from-poverty",
        ),
        pytest.param(
            [("poor", "2022-01-10"), ("near_poor", "2023-01-10"), ("none", "2024-01-10")],
            ["new_poverty", "escaped_poverty", "escaped_near_poverty"],
            id="poor-to-near-poor-is-escape-not-new-near-poverty",
        ),
        pytest.param(
            [("poor", "2022-01-10"), ("poor", "2022-12-10")],
            ["new_poverty", None],
            id="confirmed-poor-is-no-movement",
        ),
        pytest.param(
            [
                ("poor", "2022-01-10"),
                ("none", "2022-12-10"),
                ("poor", "2023-12-10"),
                ("none", "2024-12-10"),
                ("poor", "2025-12-10"),
            ],
            ["new_poverty", "escaped_poverty", "re_poverty", "escaped_poverty", "re_poverty"],
            id="repeated-re-poverty",
        ),
    ],
)
def test_movements_over_a_history(
    rows: list[tuple[Status, str]], expected: list[Movement | None]
) -> None:
    recognitions = history(*rows)
    assert movements(recognitions) == expected
    for recognition, movement in zip(recognitions, expected, strict=True):
        assert movement_of(recognitions, recognition.recognition_id) == movement


@pytest.mark.parametrize(
    ("escaped_to", "row"),
    [
        ("near_poor", "escaped poverty, to near-poor"),
        ("average", "escaped poverty, above near-poor"),
        ("none", "escaped poverty, above near-poor"),
    ],
)
def test_the_two_kinds_of_escape_from_poverty_are_told_apart_by_the_new_status(
    escaped_to: Status, row: str
) -> None:
    step = steps(history(("poor", "2022-01-10"), (escaped_to, "2023-01-10")))[-1]
    assert step.movement == "escaped_poverty"
    to_near_poor = step.recognition.status == "near_poor"
    assert to_near_poor is (row == "escaped poverty, to near-poor")


def test_same_date_decisions_are_movements_in_recording_order() -> None:
    recognitions = [
        Recognition("later", "near_poor", D("2023-06-15"), sequence=2),
        Recognition("earlier", "poor", D("2023-06-15"), sequence=1),
    ]
    assert movement_of(recognitions, "earlier") == "new_poverty"
    assert movement_of(recognitions, "later") == "escaped_poverty"


def test_movement_of_an_unknown_recognition_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        movement_of(history(("poor", "2022-01-10")), "nope")


def test_poor_to_near_poor_is_both_near_poor_and_newly_escaped() -> None:
    recognitions = history(("poor", "2022-01-10"), ("near_poor", "2023-01-10"))
    result = status_on(recognitions, D("2024-06-01"))
    assert result.status == "near_poor"
    assert result.newly_escaped is True


# --- property: status_on equals a brute-force re-reading of the rules ---------------------------


def civil_add_months(start: date, months: int) -> date:
    """Independent Civil Code month arithmetic: the same day, else the month's last day."""
    year = start.year + (start.month - 1 + months) // 12
    month = (start.month - 1 + months) % 12 + 1
    day = start.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


@dataclass(frozen=True)
class Expected:
    status: Status
    status_since: date | None
    newly_escaped: bool
    newly_escaped_until: date | None


def brute_force_status_on(recognitions: Sequence[Recognition], day: date) -> Expected:
    ordered = sorted(recognitions, key=lambda r: (r.decided_on, r.sequence))
    in_force = [r for r in ordered if r.decided_on <= day]
    if not in_force:
        return Expected("none", None, False, None)
    status = in_force[-1].status
    first_of_run = len(in_force) - 1
    while first_of_run > 0 and in_force[first_of_run - 1].status == status:
        first_of_run -= 1
    last_escape = None
    for i in range(1, len(in_force)):
        if in_force[i - 1].status == "poor" and in_force[i].status != "poor":
            last_escape = i
    if last_escape is None:
        return Expected(status, in_force[first_of_run].decided_on, False, None)
    until = civil_add_months(in_force[last_escape].decided_on, 36)
    poor_again = any(r.status == "poor" for r in in_force[last_escape + 1 :])
    return Expected(
        status,
        in_force[first_of_run].decided_on,
        not poor_again and day <= until,
        until,
    )


def brute_force_movements(recognitions: Sequence[Recognition]) -> dict[str, Movement | None]:
    ordered = sorted(recognitions, key=lambda r: (r.decided_on, r.sequence))
    result: dict[str, Movement | None] = {}
    previous: Status = "none"
    escaped = False
    for r in ordered:
        movement: Movement | None = None
        if previous != "poor" and r.status == "poor":
            movement = "re_poverty" if escaped else "new_poverty"
        elif previous == "poor" and r.status != "poor":
            movement = "escaped_poverty"
            escaped = True
        elif previous == "near_poor" and r.status in ("average", "none"):
            movement = "escaped_near_poverty"
        elif previous in ("average", "none") and r.status == "near_poor":
            movement = "new_near_poverty"
        result[r.recognition_id] = movement
        previous = r.status
    return result


BASE = date(2020, 1, 1)


@st.composite
def recognition_histories(draw: st.DrawFn) -> list[Recognition]:
    """Random statuses on a few decision dates (so same-day ties are common), recorded in a
    random order (so some are backdated), passed in yet another order."""
    pool = draw(st.lists(st.integers(0, 3650), min_size=1, max_size=5))
    size = draw(st.integers(0, 9))
    rows = [
        (draw(st.sampled_from(STATUSES)), BASE + timedelta(days=draw(st.sampled_from(pool))))
        for _ in range(size)
    ]
    recording_order = draw(st.permutations(range(size)))
    recognitions = [
        Recognition(f"r{i}", status, decided_on, sequence=recording_order[i])
        for i, (status, decided_on) in enumerate(rows)
    ]
    return list(draw(st.permutations(recognitions)))


def interesting_days(recognitions: Sequence[Recognition]) -> set[date]:
    days = {BASE - timedelta(days=1), BASE + timedelta(days=5000)}
    for r in recognitions:
        end = civil_add_months(r.decided_on, 36)
        for day in (r.decided_on, end):
            days.update({day - timedelta(days=1), day, day + timedelta(days=1)})
    return days


@given(recognitions=recognition_histories(), extra=st.integers(-30, 5000))
def test_status_on_equals_a_brute_force_reading_of_the_rules(
    recognitions: list[Recognition], extra: int
) -> None:
    for day in interesting_days(recognitions) | {BASE + timedelta(days=extra)}:
        result = status_on(recognitions, day)
        expected = brute_force_status_on(recognitions, day)
        actual = Expected(
            result.status, result.status_since, result.newly_escaped, result.newly_escaped_until
        )
        assert actual == expected, day
        if result.window is not None:
            assert result.window.until == result.newly_escaped_until
            assert result.window.opened_on <= day
            assert result.window.covers(day) == result.newly_escaped


@given(recognitions=recognition_histories())
def test_movements_equal_a_brute_force_reading_of_the_table(
    recognitions: list[Recognition],
) -> None:
    expected = brute_force_movements(recognitions)
    for recognition in recognitions:
        assert (
            movement_of(recognitions, recognition.recognition_id)
            == expected[recognition.recognition_id]
        )
