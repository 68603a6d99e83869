"""Loading the demo: households generated and saved in batches, and the summary of the load."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any, cast

from application.case_files import CaseFiles
from application.demo.funds import Funds
from application.demo.histories import Generator
from application.demo.parameters import DEMO_ACTOR_PREFIX, DemoParameters, DemoSummary
from application.demo.population import (
    Case,
    Communes,
    household_code,
    household_random,
    showcase_at,
)
from application.demo.rates import LAST_DAY, NEAR, RECORDED_BY, YEARS
from domain.errors import Conflict, invalid, violated
from domain.household import Household, HouseholdCode
from domain.household_inputs import HOUSEHOLD_CODE
from domain.status import status_on, steps, windows
from domain.units import UnitRegistry, thai_nguyen_units

_CODE_PREFIX = re.compile(r"^[A-Za-z0-9._/-]{0,20}$")


def holds_demo_data(case_files: CaseFiles) -> bool:
    """Whether the log opens with a demo fact, so what it holds is the demo's sample of
    households rather than a province's case files (whose count targets it cannot meet)."""
    first = case_files.recorder.select_notifications(start=1, limit=1)
    if not first:
        return False
    actor = getattr(case_files.mapper.to_domain_event(first[0]), "actor", "")
    return str(actor).startswith(DEMO_ACTOR_PREFIX)


def load_demo(
    case_files: CaseFiles,
    parameters: DemoParameters | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Generates and saves the demo households, ``batch_size`` per transaction, with the
    allocations each batch drew on."""
    parameters = parameters or DemoParameters()
    _check(parameters, case_files)
    started = time.perf_counter()
    generator = Generator(case_files, parameters)
    summary = DemoSummary(seed=parameters.seed, windows_as_of=case_files.today())
    first_code = next(household_codes(parameters, case_files.units), None)
    if first_code is not None and case_files.find_by_code(first_code) is not None:
        raise Conflict(
            detail=f"household {first_code!r} exists: demo data with these codes is already "
            "loaded; load into an empty database, or choose another code_prefix"
        )
    communes: set[str] = set()
    batch: list[Household | HouseholdCode] = []
    last_report = started

    def save() -> None:
        nonlocal last_report
        allocations = generator.funds.take_changed()
        aggregates = [*allocations, *batch]
        allocation_facts = sum(len(allocation.pending_events) for allocation in allocations)
        events = sum(len(aggregate.pending_events) for aggregate in aggregates)
        try:
            # save_drafts saves any aggregates in one transaction; its annotation names only
            # households and their code claims.
            summary.position = case_files.save_drafts(cast(Sequence[Any], aggregates))
        except Conflict as error:
            saved = summary.households - len(batch) // 2
            raise Conflict(
                detail=f"{error.detail}; the {saved:,} households before this batch stay saved"
            ) from error
        summary.events += events
        summary.allocation_facts += allocation_facts
        households_saved = bool(batch)
        batch.clear()
        now = time.perf_counter()
        if (
            progress is not None
            and households_saved
            and (now - last_report >= 5 or summary.households == parameters.households)
        ):
            last_report = now
            elapsed = now - started
            progress(
                f"demo: {summary.households:,}/{parameters.households:,} households, "
                f"{summary.events:,} events, {elapsed:.0f} s "
                f"({summary.events / elapsed if elapsed else 0:,.0f} events/s)"
            )

    for index in range(parameters.households):
        case = generator.household(index)
        _tally(summary, case)
        communes.add(case.household.commune_code)
        batch.append(case.household)
        batch.append(case.claim)
        if len(batch) >= 2 * parameters.batch_size:
            save()
    if batch:
        save()
    generator.funds.close_years()
    if generator.funds.changed:
        save()
    summary.communes = len(communes)
    _tally_funds(summary, generator.funds)
    summary.elapsed_seconds = time.perf_counter() - started
    return summary


def household_codes(parameters: DemoParameters, units: UnitRegistry | None = None) -> Iterator[str]:
    """The codes ``load_demo`` gives its households, in order, without generating them."""
    communes = Communes(units or thai_nguyen_units(), parameters.seed)
    sequences: Counter[str] = Counter()
    for index in range(parameters.households):
        unit = communes.choose(household_random(parameters.seed, index), showcase_at(index))
        sequences[unit.code] += 1
        yield household_code(parameters.code_prefix, unit.code, sequences[unit.code])


def _check(parameters: DemoParameters, case_files: CaseFiles) -> None:
    if parameters.households < 0:
        raise invalid(("households",), "households cannot be negative")
    if parameters.batch_size < 1:
        raise invalid(("batch_size",), "batch_size must be at least 1")
    if not _CODE_PREFIX.match(parameters.code_prefix) or not HOUSEHOLD_CODE.match(
        household_code(parameters.code_prefix, "00000", 1)
    ):
        raise invalid(
            ("code_prefix",), "code_prefix is up to 20 letters, digits, '.', '_', '/' or '-'"
        )
    if case_files.today() < RECORDED_BY:
        raise violated(
            ("today",),
            f"the demo data runs to {LAST_DAY.isoformat()} and is recorded up to "
            f"{RECORDED_BY.isoformat()}, after today ({case_files.today().isoformat()})",
        )


# Summary ---------------------------------------------------------------------------------------


def _tally(summary: DemoSummary, case: Case) -> None:
    household = case.household
    summary.households += 1
    summary.facts += len(household.pending_events)
    if case.minority:
        summary.ethnic_minority_households += 1
    if household.area == "urban":
        summary.urban_households += 1
    summary.members_registered += sum(
        1 for m in household.members.values() if m.joined_on == household.registered_on
    )
    summary.members_joined.update(case.joined)
    summary.members_left.update(case.left)
    for survey in household.surveys:
        summary.surveys[survey.standard] += 1
    summary.regular_surveys += case.regular_surveys
    for recognition in household.recognitions:
        summary.recognitions[recognition.status] += 1
    for step in steps(household.recognitions):
        if step.movement is not None:
            summary.movements[step.movement] += 1
            if step.movement == "escaped_poverty" and step.recognition.status == NEAR:
                summary.escapes_to_near_poor += 1
    as_of = summary.windows_as_of
    if as_of is not None:
        for window in windows(household.recognitions):
            if window.closed_on is not None and window.closed_on <= as_of:
                summary.windows["cut_short"] += 1
            elif window.covers(as_of):
                summary.windows["open"] += 1
            elif window.until < as_of:
                summary.windows["expired"] += 1
    for support in household.supports.values():
        summary.supports[support.support_type] += 1
        if support.amount is not None:
            summary.money_supports += 1
            if support.reversed_on is None:
                summary.disbursed += support.amount
    summary.reversals += case.reversals
    summary.refused_for_funds += case.refused
    summary.anomalies.update(case.anomalies)
    for year in YEARS:
        status = status_on(household.recognitions, date(year, 12, 31)).status
        summary.year_end.setdefault(year, Counter())[status] += 1


def _tally_funds(summary: DemoSummary, funds: Funds) -> None:
    summary.allocations = len(funds.by_id)
    summary.allocated = sum(allocation.allocated for allocation in funds.by_id.values())
    summary.allocation_increases = funds.top_ups
    summary.allocation_reductions = funds.reductions
