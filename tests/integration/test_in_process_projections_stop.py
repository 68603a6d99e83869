"""The in-process projections (the embedded default) stop between batches: a stop asked in the
middle of a long catch-up returns within about one batch, leaving each read model at a batch
boundary it committed, from which the next start resumes (issue 10 §6)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from application.commands import MemberDetails, RegisterHousehold
from domain.household import FactContext, Household, HouseholdCode
from infrastructure.container import Container
from projections.machinery import INCREMENTAL_BATCH, InProcessProjections

CONTEXT = FactContext(actor="test.stop")
HOUSEHOLDS = 1_500  # 3,000 facts: several batches for every projection
BATCH_SECONDS = 0.3


def load(container: Container) -> int:
    drafts: list[Household | HouseholdCode] = []
    for index in range(HOUSEHOLDS):
        household, claim = container.case_files.draft_household(
            RegisterHousehold(
                code=f"S-{index:05d}",
                commune_code="05485",
                village="Xóm Đồi",
                registered_on=date(2020, 1, 1),
                members=[
                    MemberDetails(
                        name=f"Chủ hộ {index}",
                        birth_date=date(1970, 1, 1),
                        sex="male",
                        ethnicity="02",
                        relation="head",
                    )
                ],
                context=CONTEXT,
            )
        )
        drafts.extend((household, claim))
    return container.case_files.save_drafts(drafts)


def slowed(container: Container) -> None:
    """Every batch takes a while, as on a large log: the catch-up lasts seconds."""
    for projector in container.projectors.values():
        projection = projector.projection
        original = projection.process

        def process(connection: Any, facts: Sequence[Any], _original: Any = original) -> None:
            time.sleep(BATCH_SECONDS)
            _original(connection, facts)

        projection.process = process  # type: ignore[method-assign]


def test_a_stop_in_the_middle_of_a_long_catch_up_returns_within_a_batch(
    container: Container,
) -> None:
    end = load(container)
    for projector in container.projectors.values():
        projector.prepare()
    slowed(container)
    running = InProcessProjections(list(container.projectors.values()))
    running.start()
    running.poke()
    time.sleep(0.5)
    started = time.monotonic()
    running.stop()
    took = time.monotonic() - started

    assert took < 2 * BATCH_SECONDS + 0.5, f"stop took {took:.2f} s"
    positions = {p.name: p.position() for p in container.projectors.values()}
    assert min(positions.values()) < end, positions  # it stopped part-way, not at the end
    # What was committed is whole: the next start resumes from there to the end.
    for projector in container.projectors.values():
        projector.catch_up(batch_size=INCREMENTAL_BATCH)
        assert projector.position() == end
