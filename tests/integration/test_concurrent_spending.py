"""Concurrent spending on one allocation never overspends and never loses a support.

Many threads record supports with money on ONE allocation through the application (no HTTP),
with real storage: SQLite (a file database) and PostgreSQL (the ``container`` fixture). Each
support and its draw are saved in one transaction, and a write that lost a race is retried
transparently, so afterwards:

* the allocation's ``spent`` is the sum of the amounts of the supports answered as recorded
  (and not reversed), and never more than allocated;
* every support answered as recorded is in its household exactly once and drawn exactly once;
* every refusal is ``InsufficientFunds``, leaves nothing behind, and was right: the money was
  really not there;
* nothing else escapes.

The stored log itself is checked (not only the aggregates, which come through a cache), and so
is the funds read model once it has caught up.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from application.case_files import CaseFiles
from application.commands import (
    AdjustAllocation,
    MakeAllocation,
    MemberDetails,
    RecordRecognition,
    RecordSupport,
    RegisterHousehold,
    ReverseSupport,
)
from domain.errors import InsufficientFunds, RuleViolation
from domain.funds import FundAllocation
from domain.household import FactContext, Household
from domain.records import SupportGiven
from domain.supports import support_type
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings

D = date.fromisoformat
PHUC_HA = "05485"
THREADS = 8
SUPPORTS_PER_THREAD = 10
HOUSEHOLDS = 10
YEAR = 2025
FIRST_DAY = D("2025-02-01")


def by(actor: str = "canbo.phucha", reason: str | None = None) -> FactContext:
    return FactContext(actor=actor, reason=reason)


@pytest.fixture
def households(container: Container) -> list[UUID]:
    """Eligible households of one commune: poor since mid-2024."""
    files = container.case_files
    ids = []
    for n in range(HOUSEHOLDS):
        household, _ = files.register_household(
            RegisterHousehold(
                code=f"CS-{n:03d}",
                commune_code=PHUC_HA,
                village="Xóm Đồng Kiệm",
                registered_on=D("2024-01-10"),
                members=[
                    MemberDetails(
                        name=f"Dương Văn {n}",
                        birth_date=D("1972-03-03"),
                        sex="male",
                        ethnicity="07",
                        relation="head",
                    )
                ],
                context=by(),
            )
        )
        files.record_recognition(
            RecordRecognition(
                household_id=household.id,
                status="poor",
                decided_on=D("2024-06-01"),
                decision_no=f"{n}/QĐ-UBND",
                context=by("chutich"),
            )
        )
        ids.append(household.id)
    return ids


class LostRaces:
    """Counts the saves that lost a race (and were retried) during a test."""

    def __init__(self, files: CaseFiles) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self.watch(files)

    def watch(self, files: CaseFiles) -> None:
        save = files.save

        def counting_save(*objs: Any, **kwargs: Any) -> Any:
            try:
                return save(*objs, **kwargs)
            except IntegrityError:
                with self._lock:
                    self.count += 1
                raise

        files.save = counting_save  # type: ignore[method-assign]


@pytest.fixture
def other_process(settings: Settings) -> Iterator[CaseFiles]:
    """The case files of a second server process on the same database: its own cache and its
    own in-process queue, so its writers race ours and are settled by version checks."""
    other = build_container(settings)
    try:
        yield other.case_files
    finally:
        other.close()


@pytest.fixture
def lost_races(container: Container, other_process: CaseFiles) -> LostRaces:
    counter = LostRaces(container.case_files)
    counter.watch(other_process)
    return counter


def allocate(files: CaseFiles, amount: int) -> UUID:
    allocation, _ = files.make_allocation(
        MakeAllocation(
            source="central_recurrent",
            fiscal_year=YEAR,
            programme_line="DA3.TDA1",
            unit_code=PHUC_HA,
            amount=amount,
            decision_no="12/QĐ-UBND",
            decided_on=D("2025-01-15"),
            context=by("ketoan"),
        )
    )
    return allocation.id


def spend(files: CaseFiles, household_id: UUID, allocation_id: UUID, day: date, amount: int) -> str:
    _, written, created = files.record_support(
        RecordSupport(
            household_id=household_id,
            support_type="agricultural_production",
            provided_on=day,
            context=by(),
            amount=amount,
            allocation_id=allocation_id,
        )
    )
    assert created
    return str(written.extra["support_id"])


@dataclass(frozen=True)
class Asked:
    """One request of one client, and how it was answered."""

    household_id: UUID
    amount: int
    answer: str  # "recorded" | "refused" | "failed"
    support_id: str | None = None
    error: BaseException | None = None


def clients_at_once(count: int, work: Callable[[int], list[Asked]]) -> list[Asked]:
    """Runs ``work(i)`` for ``count`` clients on threads released together."""
    barrier = threading.Barrier(count)
    results: list[list[Asked]] = [[] for _ in range(count)]
    crashed: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as error:  # reported to the test, not lost in the thread
            crashed.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    assert crashed == []
    return [asked for result in results for asked in result]


def spending_client(
    files: CaseFiles, allocation_id: UUID, households: list[UUID], index: int, requests: int
) -> list[Asked]:
    """A client recording ``requests`` supports with money, over households shared with the
    other clients (so the household can be the contended aggregate, too)."""
    answers = []
    for j in range(requests):
        household_id = households[(index + j) % len(households)]
        # Amounts of 0.3–1.7 million VND, different from client to client.
        amount = 100_000 * (3 + (index * 7 + j * 3) % 15)
        day = FIRST_DAY + timedelta(days=index * SUPPORTS_PER_THREAD + j)
        try:
            support_id = spend(files, household_id, allocation_id, day, amount)
        except InsufficientFunds as error:
            answers.append(Asked(household_id, amount, "refused", error=error))
        except Exception as error:  # anything else is a failure of the guarantee
            answers.append(Asked(household_id, amount, "failed", error=error))
        else:
            answers.append(Asked(household_id, amount, "recorded", support_id))
    return answers


# What the stored log says --------------------------------------------------------------------


@dataclass
class Ledger:
    """The allocation and the households as rebuilt from their stored events."""

    drawn: Counter[str]  # support id → how many FundsDrawn facts
    amounts: dict[str, int]
    returned: Counter[str]  # support id → how many FundsReturned facts
    recorded: Counter[str]  # support id → how many SupportRecorded facts, over all households
    recorded_in: dict[str, UUID]
    reversed: set[str]
    allocated: int

    @property
    def spent(self) -> int:
        return sum(self.amounts[s] for s in self.drawn) - sum(
            self.amounts[s] for s in self.returned
        )


def ledger(files: CaseFiles, allocation_id: UUID, households: list[UUID]) -> Ledger:
    drawn: Counter[str] = Counter()
    returned: Counter[str] = Counter()
    amounts: dict[str, int] = {}
    allocated = 0
    for event in files.events.get(allocation_id):
        if isinstance(event, FundAllocation.Made):
            allocated += event.amount
        elif isinstance(event, FundAllocation.Adjusted):
            allocated += event.delta
        elif isinstance(event, FundAllocation.FundsDrawn):
            drawn[event.support_id] += 1
            amounts[event.support_id] = event.amount
        elif isinstance(event, FundAllocation.FundsReturned):
            returned[event.support_id] += 1
            assert event.amount == amounts[event.support_id]
    recorded: Counter[str] = Counter()
    recorded_in: dict[str, UUID] = {}
    reversed_: set[str] = set()
    for household_id in households:
        for fact in files.household_events(household_id):
            if isinstance(fact, Household.SupportRecorded):
                recorded[fact.support_id] += 1
                recorded_in[fact.support_id] = household_id
                assert fact.allocation_id == str(allocation_id)
                assert fact.amount == amounts.get(fact.support_id), "a support without its draw"
            elif isinstance(fact, Household.SupportReversed):
                reversed_.add(fact.support_id)
    return Ledger(drawn, amounts, returned, recorded, recorded_in, reversed_, allocated)


def assert_read_model_agrees(container: Container, allocation_id: UUID, spent: int) -> None:
    projector = container.projectors["funds"]
    projector.prepare()
    projector.catch_up()
    trace = container.funds.allocation_trace(str(allocation_id))
    assert trace["spent"] == spent
    assert sum(s["amount"] for s in trace["supports"] if not s["reversed"]) == spent


# The tests -----------------------------------------------------------------------------------


def test_concurrent_clients_on_one_allocation_never_overspend_nor_lose_a_support(
    container: Container,
    households: list[UUID],
    lost_races: LostRaces,
    other_process: CaseFiles,
) -> None:
    files = container.case_files
    requested = sum(
        100_000 * (3 + (i * 7 + j * 3) % 15)
        for i in range(THREADS)
        for j in range(SUPPORTS_PER_THREAD)
    )
    allocated = requested * 6 // 10 // 100_000 * 100_000  # room for only some of them
    allocation_id = allocate(files, allocated)

    answers = clients_at_once(
        THREADS,
        # Half the clients reach the database through another process.
        lambda i: spending_client(
            (files, other_process)[i % 2], allocation_id, households, i, SUPPORTS_PER_THREAD
        ),
    )

    assert [a.error for a in answers if a.answer == "failed"] == []
    recorded = [a for a in answers if a.answer == "recorded"]
    refused = [a for a in answers if a.answer == "refused"]
    assert len(recorded) + len(refused) == THREADS * SUPPORTS_PER_THREAD
    assert recorded and refused, "the allocation should have room for some, not all"
    assert all(isinstance(a.error, InsufficientFunds) for a in refused)

    allocation = files.allocation(allocation_id)
    spent = sum(a.amount for a in recorded)
    assert allocation.spent == spent <= allocation.allocated == allocated
    assert allocation.remaining == allocated - spent
    # Refused only when the money was really not there: with no reversals, what remains only
    # shrinks, so it is now less than every refused amount.
    assert allocation.remaining < min(a.amount for a in refused)

    stored = ledger(files, allocation_id, households)
    recorded_ids = {a.support_id for a in recorded}
    assert len(recorded_ids) == len(recorded)
    assert set(stored.drawn) == recorded_ids == set(stored.recorded)
    assert set(stored.drawn.values()) == {1} and set(stored.recorded.values()) == {1}
    assert not stored.returned and not stored.reversed
    assert stored.spent == spent and stored.allocated == allocated
    for asked in recorded:
        assert asked.support_id is not None
        assert stored.recorded_in[asked.support_id] == asked.household_id
        assert stored.amounts[asked.support_id] == asked.amount
        assert allocation.draws[asked.support_id] == asked.amount
        household = files.household(asked.household_id)
        assert household.supports[asked.support_id].amount == asked.amount
    # Refusals left nothing: the households hold exactly the recorded supports.
    held = sum(len(files.household(h).supports) for h in households)
    assert held == len(recorded)
    assert_read_model_agrees(container, allocation_id, spent)
    assert lost_races.count > 0, "no write lost a race: nothing was proved about retries"


def test_concurrent_reversals_and_spending_keep_the_balance_exact(
    container: Container, households: list[UUID], lost_races: LostRaces
) -> None:
    files = container.case_files
    unit = 1_000_000
    allocated = 30 * unit
    allocation_id = allocate(files, allocated)
    # 24 supports first, one client at a time: 6 million remain.
    earlier: list[tuple[UUID, str]] = []
    for n in range(24):
        household_id = households[n % len(households)]
        support_id = spend(files, household_id, allocation_id, FIRST_DAY, unit)
        earlier.append((household_id, support_id))
    reversers, spenders = THREADS // 2, THREADS // 2
    batches = [earlier[i::reversers] for i in range(reversers)]

    def client(index: int) -> list[Asked]:
        if index < reversers:
            answers = []
            for household_id, support_id in batches[index]:
                try:
                    files.reverse_support(
                        ReverseSupport(
                            household_id=household_id,
                            support_id=support_id,
                            reversed_on=D("2025-03-01"),
                            context=by(reason="paid twice"),
                        )
                    )
                except Exception as error:
                    answers.append(Asked(household_id, unit, "failed", support_id, error))
                else:
                    answers.append(Asked(household_id, -unit, "reversed", support_id))
            return answers
        return spending_client_of_unit(files, allocation_id, households, index, unit)

    answers = clients_at_once(reversers + spenders, client)

    assert [a.error for a in answers if a.answer == "failed"] == []
    reversed_ids = {a.support_id for a in answers if a.answer == "reversed"}
    assert reversed_ids == {support_id for _, support_id in earlier}
    recorded = [a for a in answers if a.answer == "recorded"]
    refused = [a for a in answers if a.answer == "refused"]
    assert all(isinstance(a.error, InsufficientFunds) for a in refused)
    assert len(recorded) + len(refused) == spenders * SUPPORTS_PER_THREAD
    assert len(recorded) <= allocated // unit

    allocation = files.allocation(allocation_id)
    spent = unit * len(recorded)
    assert allocation.spent == spent <= allocation.allocated == allocated
    assert allocation.returned == reversed_ids
    stored = ledger(files, allocation_id, households)
    assert set(stored.drawn.values()) == {1} and set(stored.recorded.values()) == {1}
    assert set(stored.returned) == stored.reversed == reversed_ids
    assert set(stored.returned.values()) == {1}
    recorded_ids = {a.support_id for a in recorded}
    assert set(stored.drawn) == recorded_ids | reversed_ids == set(stored.recorded)
    assert stored.spent == spent
    for asked in recorded:
        assert asked.support_id is not None
        assert stored.recorded_in[asked.support_id] == asked.household_id
    for household_id, support_id in earlier:
        assert files.household(household_id).supports[support_id].reversed_on == D("2025-03-01")
    assert_read_model_agrees(container, allocation_id, spent)
    assert lost_races.count > 0, "no write lost a race: nothing was proved about retries"


def spending_client_of_unit(
    files: CaseFiles,
    allocation_id: UUID,
    households: list[UUID],
    index: int,
    amount: int,
    requests: int = SUPPORTS_PER_THREAD,
) -> list[Asked]:
    answers = []
    for j in range(requests):
        household_id = households[(index + j) % len(households)]
        day = FIRST_DAY + timedelta(days=30 + index * SUPPORTS_PER_THREAD + j)
        try:
            support_id = spend(files, household_id, allocation_id, day, amount)
        except InsufficientFunds as error:
            answers.append(Asked(household_id, amount, "refused", error=error))
        except Exception as error:
            answers.append(Asked(household_id, amount, "failed", error=error))
        else:
            answers.append(Asked(household_id, amount, "recorded", support_id))
    return answers


def test_concurrent_adjustments_and_spending_never_leave_less_allocated_than_spent(
    container: Container,
    households: list[UUID],
    lost_races: LostRaces,
    other_process: CaseFiles,
) -> None:
    """Cuts by later decisions race the spending: a cut that would go below what is spent is
    refused, and whatever interleaving happened, allocated ≥ spent at the end."""
    files = container.case_files
    unit = 1_000_000
    allocation_id = allocate(files, 40 * unit)

    def client(index: int) -> list[Asked]:
        if index == 0:
            answers = []
            for n in range(8):
                try:  # the cuts come from another process than the spending
                    other_process.adjust_allocation(
                        AdjustAllocation(
                            allocation_id=allocation_id,
                            delta=-3 * unit,
                            decision_no=f"CUT-{n}",
                            decided_on=D("2025-03-01"),
                            context=by("ketoan", reason="budget cut"),
                        )
                    )
                except RuleViolation as error:
                    answers.append(Asked(households[0], -3 * unit, "refused-cut", error=error))
                except Exception as error:
                    answers.append(Asked(households[0], -3 * unit, "failed", error=error))
                else:
                    answers.append(Asked(households[0], -3 * unit, "cut"))
            return answers
        return spending_client_of_unit(files, allocation_id, households, index, unit)

    answers = clients_at_once(THREADS, client)

    assert [a.error for a in answers if a.answer == "failed"] == []
    cuts = sum(1 for a in answers if a.answer == "cut")
    recorded = [a for a in answers if a.answer == "recorded"]
    allocation = files.allocation(allocation_id)
    assert allocation.allocated == 40 * unit - 3 * unit * cuts
    assert allocation.spent == unit * len(recorded) <= allocation.allocated
    stored = ledger(files, allocation_id, households)
    assert stored.allocated == allocation.allocated and stored.spent == allocation.spent
    assert set(stored.drawn) == {a.support_id for a in recorded} == set(stored.recorded)
    assert_read_model_agrees(container, allocation_id, allocation.spent)
    assert lost_races.count > 0, "no write lost a race: nothing was proved about retries"


def record_in_bulk(
    files: CaseFiles, household_id: UUID, allocation_id: UUID, count: int, amount: int
) -> None:
    """``count`` supports with their draws, saved together in one transaction (as an import
    would): a quick way to give an allocation a long history."""
    household = files.household(household_id)
    allocation = files.allocation(allocation_id)
    inside = files.units.contains(allocation.unit_code, household.commune_code)
    for _ in range(count):
        support_id = str(uuid4())
        household.record_support(
            support_id,
            support_type("agricultural_production"),
            SupportGiven(provided_on=FIRST_DAY, amount=amount, allocation_id=str(allocation_id)),
            by(),
        )
        programme_line = household.supports[support_id].programme_line
        allocation.draw(
            support_id, str(household_id), amount, FIRST_DAY, programme_line, inside, "canbo"
        )
    files.save(household, allocation)


def test_concurrent_spending_on_an_allocation_with_a_long_history_lets_nothing_else_escape(
    container: Container, households: list[UUID]
) -> None:
    files = container.case_files
    allocation_id = allocate(files, 10**12)
    for household_id in households:
        record_in_bulk(files, household_id, allocation_id, 50, 1_000)
    assert len(files.allocation(allocation_id).draws) == 50 * len(households)

    failed: list[BaseException | None] = []
    for _ in range(3):  # bursts of concurrent spending, until something escapes
        answers = clients_at_once(
            THREADS,
            lambda i: spending_client_of_unit(
                files, allocation_id, households, i, 1_000, requests=5
            ),
        )
        assert not [a for a in answers if a.answer == "refused"]
        failed = [a.error for a in answers if a.answer == "failed"]
        if failed:
            break

    assert failed == []
    allocation = files.allocation(allocation_id)
    assert allocation.spent == sum(allocation.draws.values())
