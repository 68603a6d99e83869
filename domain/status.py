"""Recognised status over time, movements (domain.md §4.1) and the 36-month rule (§4.2).

Everything here is a pure function of the recognitions in force: backdated decisions, same-day
decisions and later corrections are all handled by ordering, never by stored derived state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from domain.calendar import add_months
from domain.standards import Status

Movement = Literal[
    "new_poverty", "re_poverty", "escaped_poverty", "escaped_near_poverty", "new_near_poverty"
]
MOVEMENTS: tuple[Movement, ...] = (
    "new_poverty",
    "re_poverty",
    "escaped_poverty",
    "escaped_near_poverty",
    "new_near_poverty",
)

# The plan's "newly escaped poverty" definition; other policies get their own named rule.
NEWLY_ESCAPED_POVERTY_MONTHS = 36


@dataclass(frozen=True)
class Recognition:
    recognition_id: str
    status: Status
    decided_on: date
    # Order of recording: on the same decision date the later recorded one wins.
    sequence: int

    def __deepcopy__(self, memo: dict[int, Any]) -> Recognition:
        # Frozen and made of immutable values: copies of a household share it.
        return self


@dataclass(frozen=True)
class EscapeWindow:
    """A 36-month window opened by an escape from poverty on ``opened_on``."""

    opened_on: date
    until: date
    closed_on: date | None = None

    def covers(self, day: date) -> bool:
        if self.closed_on is not None and day >= self.closed_on:
            return False
        return self.opened_on <= day <= self.until


@dataclass(frozen=True)
class Step:
    """One recognition in decision order, with what it changed."""

    recognition: Recognition
    previous_status: Status
    movement: Movement | None
    # The start of the unbroken run of this status this step belongs to.
    status_since: date


def escape_window_until(opened_on: date) -> date:
    return add_months(opened_on, NEWLY_ESCAPED_POVERTY_MONTHS)


def movement_between(previous: Status, new: Status, escaped_before: bool) -> Movement | None:
    if new == "poor" and previous != "poor":
        return "re_poverty" if escaped_before else "new_poverty"
    if previous == "poor" and new != "poor":
        return "escaped_poverty"
    if previous == "near_poor" and new in ("average", "none"):
        return "escaped_near_poverty"
    if new == "near_poor" and previous not in ("poor", "near_poor"):
        return "new_near_poverty"
    return None


def in_decision_order(recognitions: Iterable[Recognition]) -> list[Recognition]:
    return sorted(recognitions, key=lambda r: (r.decided_on, r.sequence))


def steps(recognitions: Iterable[Recognition]) -> list[Step]:
    result: list[Step] = []
    previous: Status = "none"
    since: date | None = None
    escaped_before = False
    for recognition in in_decision_order(recognitions):
        movement = movement_between(previous, recognition.status, escaped_before)
        if movement == "escaped_poverty":
            escaped_before = True
        if since is None or recognition.status != previous:
            since = recognition.decided_on
        result.append(Step(recognition, previous, movement, since))
        previous = recognition.status
    return result


def windows(recognitions: Iterable[Recognition]) -> list[EscapeWindow]:
    """Every escape window, each closed by the next recognition as poor, if any."""
    opened: list[EscapeWindow] = []
    for step in steps(recognitions):
        if step.movement == "escaped_poverty":
            opened_on = step.recognition.decided_on
            opened.append(EscapeWindow(opened_on, escape_window_until(opened_on)))
        elif step.recognition.status == "poor" and opened and opened[-1].closed_on is None:
            last = opened[-1]
            opened[-1] = EscapeWindow(last.opened_on, last.until, step.recognition.decided_on)
    return opened


@dataclass(frozen=True)
class StatusOnDate:
    status: Status
    status_since: date | None
    newly_escaped: bool
    # Nominal last day of the latest window opened on or before the date, even if closed early.
    newly_escaped_until: date | None
    window: EscapeWindow | None


def _last_step_on(all_steps: Sequence[Step], day: date) -> Step | None:
    last: Step | None = None
    for step in all_steps:
        if step.recognition.decided_on > day:
            break
        last = step
    return last


def status_on(recognitions: Iterable[Recognition], day: date) -> StatusOnDate:
    recognitions = list(recognitions)
    last = _last_step_on(steps(recognitions), day)
    window: EscapeWindow | None = None
    for candidate in windows(recognitions):
        if candidate.opened_on <= day:
            window = candidate
    # A window closed on a later date is still open on this one.
    newly_escaped = window is not None and window.covers(day)
    return StatusOnDate(
        status=last.recognition.status if last else "none",
        status_since=last.status_since if last else None,
        newly_escaped=newly_escaped,
        newly_escaped_until=window.until if window else None,
        window=window,
    )


def movement_of(recognitions: Iterable[Recognition], recognition_id: str) -> Movement | None:
    for step in steps(recognitions):
        if step.recognition.recognition_id == recognition_id:
            return step.movement
    raise KeyError(recognition_id)
