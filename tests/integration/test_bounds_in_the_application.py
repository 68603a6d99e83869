"""The bounds of contract.md "Limits" hold on the application path too (the command line and
the demo data use it, not HTTP): refused before anything is saved, so every read model on both
databases can hold what the log holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from application.case_files import CaseFiles
from application.commands import (
    AddMember,
    AdjustAllocation,
    MakeAllocation,
    MemberDetails,
    RecordRecognition,
    RecordSupport,
    RecordSurvey,
    RegisterHousehold,
)
from domain.errors import DomainError, InvalidInput
from domain.household import FactContext
from infrastructure.container import Container
from tests.deprivation_codes import ND07

D = date.fromisoformat
PHUC_HA = "05485"


def head(name: str = "Ma Văn Quý") -> MemberDetails:
    return MemberDetails(
        name=name, birth_date=D("1970-07-07"), sex="male", ethnicity="03", relation="head"
    )


def child(n: int) -> MemberDetails:
    return MemberDetails(
        name=f"Ma Văn {n}", birth_date=D("2010-01-01"), sex="male", ethnicity="03", relation="child"
    )


def by(reason: str | None = None) -> FactContext:
    return FactContext(actor="canbo.phucha", reason=reason)


def registration(members: list[MemberDetails], village: str = "Xóm Khuôn Năm") -> RegisterHousehold:
    return RegisterHousehold(
        code="PH-0900",
        commune_code=PHUC_HA,
        village=village,
        registered_on=D("2022-01-10"),
        members=members,
        context=by(),
    )


def allocation(amount: int) -> MakeAllocation:
    return MakeAllocation(
        source="local",
        fiscal_year=2024,
        programme_line="DA3.TDA1",
        unit_code=PHUC_HA,
        amount=amount,
        decision_no="7/QĐ-UBND",
        decided_on=D("2024-01-15"),
        context=by(),
    )


def refused(
    files: CaseFiles, attempt: Callable[[], object], field: str, kind: type[DomainError]
) -> None:
    before = files.recorder.max_notification_id()  # type: ignore[attr-defined]
    with pytest.raises(kind) as raised:
        attempt()
    assert any(field in error.loc for error in raised.value.errors), raised.value.errors
    assert files.recorder.max_notification_id() == before  # type: ignore[attr-defined]


def test_a_fact_context_refuses_control_characters_and_overlong_text() -> None:
    with pytest.raises(InvalidInput):
        by("moved\x00")
    with pytest.raises(InvalidInput):
        FactContext(actor="canbo\tphucha")
    with pytest.raises(InvalidInput):
        by("r" * 2001)
    assert by("r" * 2000).reason == "r" * 2000


def test_the_application_refuses_what_the_read_models_could_not_hold(
    container: Container,
) -> None:
    files = container.case_files
    refused(files, lambda: files.register_household(registration([head("Ma\x00Quý")])), "name",
            InvalidInput)  # fmt: skip
    refused(files, lambda: files.register_household(registration([head()], "X" * 201)),
            "village", InvalidInput)  # fmt: skip
    fifty_one = [head(), *(child(n) for n in range(50))]
    refused(files, lambda: files.register_household(registration(fifty_one)), "members",
            InvalidInput)  # fmt: skip
    household, _ = files.register_household(registration([head(), *(child(n) for n in range(49))]))
    refused(files, lambda: files.add_member(AddMember(
        household_id=household.id, member=child(99), joined_on=D("2023-01-01"), context=by())),
        "members", DomainError)  # fmt: skip
    refused(files, lambda: files.record_survey(RecordSurvey(
        household_id=household.id, surveyed_on=D("2023-03-01"), review="regular",
        income_per_capita=2**63, deprivations={c: False for c in ND07}, context=by())),
        "income_per_capita", InvalidInput)  # fmt: skip
    refused(files, lambda: files.record_support(RecordSupport(
        household_id=household.id, support_type="agricultural_production",
        provided_on=D("2023-03-01"), quantity=2.0, unit="k" * 51, context=by())),
        "unit", InvalidInput)  # fmt: skip
    refused(files, lambda: files.record_support(RecordSupport(
        household_id=household.id, support_type="agricultural_production",
        provided_on=D("2023-03-01"), quantity=float("nan"), unit="kg", context=by())),
        "quantity", InvalidInput)  # fmt: skip
    refused(files, lambda: files.make_allocation(allocation(2**63)), "amount", InvalidInput)
    made, _ = files.make_allocation(allocation(10**12))
    refused(files, lambda: files.adjust_allocation(AdjustAllocation(
        allocation_id=made.id, delta=1, decision_no="8/QĐ-UBND", decided_on=D("2024-02-01"),
        context=by("top-up"))), "delta", DomainError)  # fmt: skip
    refused(files, lambda: files.adjust_allocation(AdjustAllocation(
        allocation_id=made.id, delta=-1, decision_no="8/QĐ-UBND", decided_on=D("2024-01-14"),
        context=by("cut"))), "decided_on", DomainError)  # fmt: skip


def test_what_the_application_accepts_every_read_model_folds(container: Container) -> None:
    files = container.case_files
    household, _ = files.register_household(
        registration([head("Đ" * 200), *(child(n) for n in range(49))], village="X" * 200)
    )
    files.record_recognition(
        RecordRecognition(
            household_id=household.id,
            status="poor",
            decided_on=D("2022-06-01"),
            decision_no="N" * 100,
            context=by(),
        )
    )
    made, _ = files.make_allocation(allocation(10**12))
    files.record_support(
        RecordSupport(
            household_id=household.id,
            support_type="agricultural_production",
            provided_on=D("2024-03-01"),
            amount=10**12,
            allocation_id=made.id,
            quantity=1e9,
            unit="k" * 50,
            context=by("r" * 2000),
        )
    )
    last = container.event_log.max_position()
    for projector in container.projectors.values():
        projector.prepare()
        projector.catch_up()
        assert projector.position() == last, projector.name
    (line,) = container.funds.summary(2024, PHUC_HA)["items"]
    assert (line["allocated"], line["spent"], line["remaining"]) == (10**12, 10**12, 0)
    register = container.registers.register("poor", PHUC_HA, D("2024-06-01"), None, 10, 0)
    assert [item["head_name"] for item in register["items"]] == ["Đ" * 200]
