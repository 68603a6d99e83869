"""Demo data: realistic and complete enough to show every rule and every inspection finding, and
the same facts every time."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.demo import (
    ETHNIC_GROUPS,
    LAST_DAY,
    RECORDED_BY,
    DemoParameters,
    household_codes,
    load_demo,
)
from domain.errors import Conflict, RuleViolation
from domain.household import Household
from domain.status import MOVEMENTS, steps, windows
from domain.supports import support_catalogue
from infrastructure.clock import VIETNAM
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings, normalise_database_url

AS_OF = date(2026, 11, 28)
PARAMETERS = DemoParameters(households=48, seed=2026, batch_size=20)
# Where the programme pays money, and where it gives in kind.
MONEY = {
    "livelihood_model",
    "agricultural_production",
    "vocational_training",
    "information_access",
    "housing",
}
IN_KIND = {"nutrition", "health_insurance", "employment_support"}
FINDINGS = {"ineligible_support", "duplicate_support", "late_recording", "repeated_single_use"}
DECISION = re.compile(r"^\d+/QĐ-UBND$")


def stored_households(container: Container, parameters: DemoParameters) -> list[Household]:
    households = []
    for code in household_codes(parameters, container.units):
        household = container.case_files.find_by_code(code)
        assert household is not None, f"household {code} was not stored"
        households.append(household)
    return households


def test_demo_data_shows_every_movement_window_and_support_type(container: Container) -> None:
    summary = load_demo(container.case_files, PARAMETERS)
    households = stored_households(container, PARAMETERS)

    assert summary.households == len(households) == PARAMETERS.households
    assert summary.position == container.event_log.max_position()
    movements = Counter(
        step.movement for h in households for step in steps(h.recognitions) if step.movement
    )
    assert set(movements) == set(MOVEMENTS)
    assert dict(movements) == dict(summary.movements)
    escapes = [
        step.recognition.status
        for h in households
        for step in steps(h.recognitions)
        if step.movement == "escaped_poverty"
    ]
    assert "near_poor" in escapes and {"average", "none"} & set(escapes)

    window_states: Counter[str] = Counter()
    for household in households:
        for window in windows(household.recognitions):
            if window.closed_on is not None:
                window_states["cut_short"] += 1
            elif window.covers(AS_OF):
                window_states["open"] += 1
            else:
                assert window.until < AS_OF
                window_states["expired"] += 1
    assert set(window_states) == {"open", "expired", "cut_short"}

    supports = [s for h in households for s in h.supports.values()]
    assert {s.support_type for s in supports} == set(support_catalogue()) == MONEY | IN_KIND
    assert all(s.quantity and s.unit for s in supports)
    for support in supports:
        if support.support_type in MONEY:
            assert support.amount and support.amount > 0 and support.allocation_id
        else:
            assert support.amount is None and support.allocation_id is None
    assert all(
        40_000_000 <= (s.amount or 0) <= 60_000_000 for s in supports if s.support_type == "housing"
    )
    assert all(s.model for s in supports if s.support_type == "livelihood_model")
    assert Counter(s.support_type for s in supports) == summary.supports

    heads = [h.head(LAST_DAY) for h in households]
    assert all(head is not None for head in heads)
    assert any(head.ethnicity != "01" for head in heads if head is not None)
    assert all(m.ethnicity in ETHNIC_GROUPS for h in households for m in h.members.values())

    for household in households:
        unit = container.units.get(household.commune_code)
        assert unit is not None and unit.level == "commune", household.commune_code
        assert household.area == unit.area
        assert household.registered_on <= date(2021, 9, 30)


def test_demo_facts_are_dated_in_the_review_calendar(container: Container) -> None:
    parameters = DemoParameters(households=24, seed=5)
    load_demo(container.case_files, parameters)
    for household in stored_households(container, parameters):
        for survey in household.surveys:
            assert survey.surveyed_on <= LAST_DAY
            expected = "qd-59-2015" if survey.surveyed_on.year == 2021 else "nd-07-2021"
            assert survey.standard == expected
            if survey.review == "annual":
                assert (9, 1) <= (survey.surveyed_on.month, survey.surveyed_on.day) <= (12, 14)
            else:
                assert survey.surveyed_on.day >= 15
        surveyed = {s.surveyed_on for s in household.surveys}
        for recognition in household.recognitions:
            # Decided after a survey of the same review: regular within days, annual by 14 Dec.
            assert any(0 < (recognition.decided_on - day).days <= 105 for day in surveyed)
        for support in household.supports.values():
            assert date(2022, 1, 1) <= support.provided_on <= LAST_DAY
        for member in household.members.values():
            assert member.birth_date <= member.joined_on


def test_recording_times_follow_business_dates_and_increase(container: Container) -> None:
    summary = load_demo(container.case_files, PARAMETERS)
    late = 0
    for household in stored_households(container, PARAMETERS):
        events = container.case_files.household_events(household.id)
        moments = [event.timestamp for event in events]
        assert all(earlier < later for earlier, later in pairwise(moments)), household.code
        assert moments[-1] < datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC)
        for event in events:
            local = event.timestamp.astimezone(VIETNAM)
            assert local.date() <= RECORDED_BY
            assert local.weekday() < 5 and 7 <= local.hour < 17, local
            on = event.effective_on
            # A correction is dated by the day it is made (today); it is recorded in the past.
            if on is None or isinstance(event, Household.RecognitionCorrected):
                continue
            delay = (local.date() - on).days
            assert delay >= 0, (household.code, type(event).__name__, on, local)
            if isinstance(event, Household.SupportRecorded) and delay > 30:
                late += 1
            else:
                assert delay <= 25, (household.code, type(event).__name__, on, local)
    assert late == summary.anomalies["late_recording"] >= 1


def test_money_follows_allocations_and_every_finding_appears(container: Container) -> None:
    summary = load_demo(container.case_files, PARAMETERS)
    households = stored_households(container, PARAMETERS)
    case_files = container.case_files

    drawn: dict[str, int] = defaultdict(int)
    for household in households:
        for support in household.supports.values():
            if support.amount is None:
                continue
            assert support.allocation_id is not None
            allocation = case_files.allocation(UUID(support.allocation_id))
            assert allocation.programme_line == support.programme_line
            assert allocation.fiscal_year == support.provided_on.year
            assert container.units.contains(allocation.unit_code, household.commune_code)
            drawn[support.allocation_id] += 0 if support.reversed_on else support.amount
    for allocation_id, amount in drawn.items():
        allocation = case_files.allocation(UUID(allocation_id))
        assert allocation.spent == amount <= allocation.allocated
        assert DECISION.match(allocation.decision_no)
        assert allocation.decided_on.year == allocation.fiscal_year
        assert allocation.decided_on.month == 1
        assert 2022 <= allocation.fiscal_year <= 2025
    assert sum(drawn.values()) == summary.disbursed > 0
    assert summary.refused_for_funds >= 0 and summary.allocations >= len(drawn)

    for name in ("registers", "funds"):
        container.projectors[name].prepare()
        container.projectors[name].catch_up()

    # The read model agrees: every allocation's spent is what its unreversed supports drew.
    items = container.funds.summary(None, "19")["items"]
    assert sum(item["spent"] for item in items) == summary.disbursed
    assert sum(item["allocated"] for item in items) == summary.allocated
    assert all(0 <= item["spent"] <= item["allocated"] for item in items)
    assert {item["source"] for item in items} >= {"central_recurrent", "local", "mobilized"}
    for allocation_id, amount in drawn.items():
        trace = container.funds.allocation_trace(allocation_id)
        assert (
            trace["spent"]
            == amount
            == sum(s["amount"] for s in trace["supports"] if not s["reversed"])
        )

    findings = container.funds.findings(None, "19")["items"]
    assert {item["kind"] for item in findings} == FINDINGS

    # The audit views have reasons to show: money given back, a corrected and a revoked decision.
    events = [e for h in households for e in case_files.household_events(h.id)]
    reversals = [e for e in events if isinstance(e, Household.SupportReversed)]
    assert reversals and all(e.reason for e in reversals)
    supports = {s.support_id: s for h in households for s in h.supports.values()}
    assert any(supports[e.support_id].amount for e in reversals)
    corrections = [e for e in events if isinstance(e, Household.RecognitionCorrected)]
    revocations = [e for e in events if isinstance(e, Household.RecognitionRevoked)]
    assert corrections and all(e.reason for e in corrections)
    assert revocations and all(e.reason for e in revocations)
    assert summary.anomalies["recognition_corrected"] == len(corrections)
    assert summary.anomalies["recognition_revoked"] == len(revocations)


def test_loading_the_same_codes_again_is_refused_and_writes_nothing(container: Container) -> None:
    parameters = DemoParameters(households=3, seed=1)
    load_demo(container.case_files, parameters)
    position = container.event_log.max_position()

    with pytest.raises(Conflict):
        load_demo(container.case_files, parameters)
    assert container.event_log.max_position() == position

    prefixed = DemoParameters(households=3, seed=1, code_prefix="B")
    summary = load_demo(container.case_files, prefixed)
    assert summary.households == 3
    assert all(code.startswith("B") for code in household_codes(prefixed))


def facts(container: Container, household: Household) -> dict[str, Any]:
    """What a household says, with when each fact was recorded, without identifiers."""
    names = {m.member_id: m.name for m in household.members.values()}
    allocations = {
        s.allocation_id: container.case_files.allocation(UUID(s.allocation_id))
        for s in household.supports.values()
        if s.allocation_id
    }
    return {
        "household": (household.code, household.commune_code, household.village, household.area),
        "registered_on": household.registered_on,
        "members": [
            (m.name, m.birth_date, m.sex, m.ethnicity, m.relation, m.national_id, m.disability)
            + (m.merit, m.joined_on, m.left_on, m.left_reason)
            for m in household.members.values()
        ],
        "surveys": [
            (s.surveyed_on, s.review, s.standard, s.income_per_capita, s.deprivations)
            + (s.proposed_status,)
            for s in household.surveys
        ],
        "recognitions": [
            (r.status, r.decided_on, r.sequence, household.decision_numbers[r.recognition_id])
            for r in household.recognitions
        ],
        "supports": [
            (s.support_type, s.provided_on, names.get(s.member_id or ""), s.quantity, s.unit)
            + (s.amount, s.model, s.certified, s.reversed_on, s.reversal_reason)
            + (s.recorded_at,)
            for s in household.supports.values()
        ],
        "allocations": sorted(
            (a.source, a.fiscal_year, a.programme_line, a.unit_code, a.decision_no, a.decided_on)
            for a in allocations.values()
        ),
        "recorded": [
            (type(e).__name__, e.timestamp, e.actor, e.reason, e.evidence)
            for e in container.case_files.household_events(household.id)
        ],
    }


def test_the_same_seed_gives_the_same_facts_whatever_the_batch_size(tmp_path: Path) -> None:
    loads = []
    for number, batch_size in enumerate((7, 40)):
        url = normalise_database_url(f"sqlite:///{tmp_path / f'demo{number}.sqlite3'}")
        container = build_container(Settings(database_url=url))
        try:
            parameters = DemoParameters(households=40, seed=77, batch_size=batch_size)
            summary = load_demo(container.case_files, parameters)
            households = stored_households(container, parameters)
            totals = (summary.events, summary.allocation_facts, summary.allocations)
            totals += (summary.allocated, summary.disbursed, summary.refused_for_funds)
            loads.append(([facts(container, h) for h in households], totals))
        finally:
            container.close()
    assert loads[0] == loads[1]

    other_seed = DemoParameters(households=40, seed=78)
    assert list(household_codes(other_seed)) != list(household_codes(DemoParameters(40, 77)))


def test_loading_needs_a_clock_after_the_last_recording(tmp_path: Path) -> None:
    url = normalise_database_url(f"sqlite:///{tmp_path / 'early.sqlite3'}")
    container = build_container(
        Settings(database_url=url), today=lambda: RECORDED_BY - timedelta(days=1)
    )
    try:
        with pytest.raises(RuleViolation, match="recorded up to"):
            load_demo(container.case_files, DemoParameters(households=2))
        assert container.event_log.max_position() == 0
    finally:
        container.close()
