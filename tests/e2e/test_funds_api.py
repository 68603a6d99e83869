"""Funds and inspection through the HTTP API only (contract.md "Funds and inspection";
domain.md §5–§6): allocations and their adjustments, spending through supports (atomic with the
support, refused whole), reversals, traces both ways, the funds summary, CSV exports and the four
kinds of findings. Every test runs on SQLite and on PostgreSQL (the ``client`` fixture, whose
projections follow the log in-process).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from infrastructure.container import Container
from tests.deprivation_codes import ND07
from tests.support import assert_problem

ACTOR = {"X-Actor": "ketoan.thanhpho"}
PROVINCE = "19"
THAI_NGUYEN_CITY = "164"
SONG_CONG = "165"
PHUC_HA = "05485"  # a xã of Thái Nguyên city
PHUC_XUAN = "05488"  # another xã of Thái Nguyên city
TAN_QUANG = "05527"  # a xã of Sông Công, another district
YEAR = 2025
UNKNOWN_ID = "5b0c7e1e-0000-4000-8000-000000000000"
ALLOCATION_KEYS = {
    "allocation_id",
    "source",
    "fiscal_year",
    "programme_line",
    "unit_code",
    "allocated",
    "spent",
    "remaining",
}
TRACE_ITEM_KEYS = {
    "support_id",
    "household_id",
    "household_code",
    "commune_code",
    "provided_on",
    "amount",
    "reversed",
}
# The line of each support type used here (domain.md §5).
AGRICULTURE, AGRICULTURE_LINE = "agricultural_production", "DA3.TDA1"
INFORMATION_LINE = "DA6.TDA1"
MILLION = 1_000_000


def d(text: str) -> date:
    return date.fromisoformat(text)


class Desk:
    """A caseworker and a finance officer writing through the API; reads wait for their writes."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.position = 0

    def post(self, path: str, body: dict[str, Any], expect: int = 201) -> dict[str, Any]:
        answer = self.client.post(path, json=body, headers=ACTOR)
        assert answer.status_code == expect, answer.text
        result: dict[str, Any] = answer.json()
        assert isinstance(result["position"], int) and result["position"] > 0, result
        self.position = max(self.position, result["position"])
        return result

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer = self.client.get(path, params={"min_position": self.position, **params})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def household(
        self,
        code: str,
        commune: str = PHUC_HA,
        status: str | None = "poor",
        registered_on: date | str = "2024-01-10",
        recognised_on: date | str = "2024-06-01",
        housing_deprived_on: date | None = None,
    ) -> dict[str, str]:
        created = self.post(
            "/households",
            {
                "code": code,
                "commune_code": commune,
                "village": "Xóm Đồng Kiệm",
                "registered_on": str(registered_on),
                "members": [
                    {
                        "name": "Hoàng Văn Chiến",
                        "birth_date": "1975-04-04",
                        "sex": "male",
                        "ethnicity": "02",
                        "relation": "head",
                    }
                ],
            },
        )
        ids = {"id": created["id"], "head": created["members"][0]["member_id"], "code": code}
        if housing_deprived_on is not None:
            self.post(
                f"/households/{ids['id']}/surveys",
                {
                    "surveyed_on": str(housing_deprived_on),
                    "review": "regular",
                    "income_per_capita": 1_100_000,
                    "deprivations": {
                        c: c in ("housing_quality", "sanitation", "employment") for c in ND07
                    },
                },
            )
        if status is not None:
            recognition = self.post(
                f"/households/{ids['id']}/recognitions",
                {
                    "status": status,
                    "decided_on": str(recognised_on),
                    "decision_no": f"{code}/QĐ-UBND",
                },
            )
            ids["recognition"] = recognition["recognition_id"]
        return ids

    def allocation(
        self,
        amount: int,
        unit: str = THAI_NGUYEN_CITY,
        line: str = AGRICULTURE_LINE,
        source: str = "central_recurrent",
        year: int = YEAR,
    ) -> str:
        made = self.post(
            "/allocations",
            {
                "source": source,
                "fiscal_year": year,
                "programme_line": line,
                "unit_code": unit,
                "amount": amount,
                "decision_no": f"{unit}-{line}-{year}/QĐ-UBND",
                "decided_on": f"{year}-01-15",
            },
        )
        allocation_id: str = made["allocation_id"]
        return allocation_id

    def support(
        self,
        household_id: str,
        provided_on: date | str,
        amount: int | None = None,
        allocation_id: str | None = None,
        support_type: str = AGRICULTURE,
        **extra: Any,
    ) -> str:
        body: dict[str, Any] = {"support_type": support_type, "provided_on": str(provided_on)}
        if amount is not None:
            body["amount"] = amount
        if allocation_id is not None:
            body["allocation_id"] = allocation_id
        written = self.post(f"/households/{household_id}/supports", {**body, **extra})
        support_id: str = written["support_id"]
        return support_id

    def reverse(self, household_id: str, support_id: str, reversed_on: date | str) -> None:
        self.post(
            f"/households/{household_id}/supports/{support_id}/reversal",
            {"reversed_on": str(reversed_on), "reason": "recorded against the wrong decision"},
            expect=200,
        )

    def allocation_now(self, allocation_id: str) -> dict[str, Any]:
        return self.get(f"/allocations/{allocation_id}")

    def trace(self, allocation_id: str) -> dict[str, Any]:
        return self.get(f"/allocations/{allocation_id}/trace")

    def log_position(self) -> int:
        position: int = self.client.get("/health").json()["position"]
        return position


@pytest.fixture
def desk(client: TestClient) -> Desk:
    return Desk(client)


# Allocations ----------------------------------------------------------------------------------


def test_an_allocation_is_created_with_its_balance_and_read_back(desk: Desk) -> None:
    answer = desk.client.post(
        "/allocations",
        headers=ACTOR,
        json={
            "source": "central_recurrent",
            "fiscal_year": YEAR,
            "programme_line": AGRICULTURE_LINE,
            "unit_code": THAI_NGUYEN_CITY,
            "amount": 250 * MILLION,
            "decision_no": "1234/QĐ-UBND",
            "decided_on": "2025-01-15",
            "reason": "annual allocation",
        },
    )

    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert ALLOCATION_KEYS | {"position"} <= set(made)
    assert made["allocated"] == 250 * MILLION and made["spent"] == 0
    assert made["remaining"] == 250 * MILLION
    assert isinstance(made["position"], int) and made["position"] > 0
    read = desk.get(f"/allocations/{made['allocation_id']}")
    assert set(read) >= ALLOCATION_KEYS
    assert read == {k: v for k, v in made.items() if k != "position"}
    assert read["source"] == "central_recurrent" and read["fiscal_year"] == YEAR
    assert read["programme_line"] == AGRICULTURE_LINE
    assert read["unit_code"] == THAI_NGUYEN_CITY
    assert all(isinstance(read[k], int) for k in ("allocated", "spent", "remaining"))


def test_an_unknown_allocation_is_not_found(desk: Desk) -> None:
    assert_problem(desk.client.get(f"/allocations/{UNKNOWN_ID}"), 404, "not_found")
    assert_problem(desk.client.get(f"/allocations/{UNKNOWN_ID}/trace"), 404, "not_found")
    adjustment = {"delta": MILLION, "decision_no": "9/QĐ", "decided_on": "2025-03-01"}
    assert_problem(
        desk.client.post(
            f"/allocations/{UNKNOWN_ID}/adjustments",
            headers=ACTOR,
            json={**adjustment, "reason": "top-up"},
        ),
        404,
        "not_found",
    )


def adjust(desk: Desk, allocation_id: str, delta: int, decided_on: str) -> dict[str, Any]:
    return desk.post(
        f"/allocations/{allocation_id}/adjustments",
        {
            "delta": delta,
            "decision_no": f"ADJ-{decided_on}/QĐ-UBND",
            "decided_on": decided_on,
            "reason": "revised estimate",
        },
        expect=200,
    )


def test_later_decisions_adjust_the_amount_up_and_down(desk: Desk) -> None:
    allocation_id = desk.allocation(100 * MILLION)
    household = desk.household("F-ADJ")
    desk.support(household["id"], "2025-02-01", 30 * MILLION, allocation_id)

    up = adjust(desk, allocation_id, 50 * MILLION, "2025-04-01")
    assert (up["allocated"], up["spent"], up["remaining"]) == (
        150 * MILLION,
        30 * MILLION,
        120 * MILLION,
    )
    down = adjust(desk, allocation_id, -70 * MILLION, "2025-06-01")
    assert (down["allocated"], down["spent"], down["remaining"]) == (
        80 * MILLION,
        30 * MILLION,
        50 * MILLION,
    )
    # Down to exactly what is spent is allowed: never *below* it.
    exact = adjust(desk, allocation_id, -50 * MILLION, "2025-07-01")
    assert (exact["allocated"], exact["remaining"]) == (30 * MILLION, 0)

    assert desk.allocation_now(allocation_id)["allocated"] == 30 * MILLION
    trace = desk.trace(allocation_id)
    assert trace["spent"] == 30 * MILLION
    summary = desk.get("/funds/summary", fiscal_year=YEAR, unit=THAI_NGUYEN_CITY)
    assert summary["items"] == [
        {
            "source": "central_recurrent",
            "programme_line": AGRICULTURE_LINE,
            "allocated": 30 * MILLION,
            "spent": 30 * MILLION,
            "remaining": 0,
        }
    ]


def test_an_adjustment_below_what_is_spent_is_refused_and_changes_nothing(desk: Desk) -> None:
    allocation_id = desk.allocation(10 * MILLION)
    household = desk.household("F-BELOW")
    desk.support(household["id"], "2025-02-01", 6 * MILLION, allocation_id)
    before = desk.allocation_now(allocation_id)
    position = desk.log_position()

    answer = desk.client.post(
        f"/allocations/{allocation_id}/adjustments",
        headers=ACTOR,
        json={
            "delta": -5 * MILLION,
            "decision_no": "77/QĐ-UBND",
            "decided_on": "2025-05-01",
            "reason": "savings",
        },
    )

    body = assert_problem(answer, 422, "rule_violation", "delta")
    assert "6,000,000" in body["detail"], body["detail"]
    assert desk.allocation_now(allocation_id) == before
    assert desk.log_position() == position
    summary = desk.get("/funds/summary", fiscal_year=YEAR, unit=THAI_NGUYEN_CITY)
    assert summary["items"][0]["allocated"] == 10 * MILLION


ALLOCATION: dict[str, Any] = {
    "source": "local",
    "fiscal_year": YEAR,
    "programme_line": AGRICULTURE_LINE,
    "unit_code": PHUC_HA,
    "amount": 40 * MILLION,
    "decision_no": "55/QĐ-UBND",
    "decided_on": "2025-01-20",
}


def without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != field}


BAD_ALLOCATIONS: list[tuple[Any, ...]] = [
    ("unknown source", {**ALLOCATION, "source": "donor"}, ACTOR, "validation_error", "source"),
    ("unknown programme line", {**ALLOCATION, "programme_line": "DA9"}, ACTOR,
     "validation_error", "programme_line"),
    ("unknown unit", {**ALLOCATION, "unit_code": "99999"}, ACTOR, "rule_violation", "unit_code"),
    ("zero amount", {**ALLOCATION, "amount": 0}, ACTOR, "validation_error", "amount"),
    ("negative amount", {**ALLOCATION, "amount": -40 * MILLION}, ACTOR,
     "validation_error", "amount"),
    ("amount as a float", {**ALLOCATION, "amount": 40_000_000.0}, ACTOR,
     "validation_error", "amount"),
    ("amount with decimals", {**ALLOCATION, "amount": 40_000_000.5}, ACTOR,
     "validation_error", "amount"),
    ("amount as a string", {**ALLOCATION, "amount": "40000000"}, ACTOR,
     "validation_error", "amount"),
    ("no decision number", without(ALLOCATION, "decision_no"), ACTOR,
     "validation_error", "decision_no"),
    ("decided in the future", {**ALLOCATION, "decided_on": "2099-01-01"}, ACTOR,
     "validation_error", "decided_on"),
    ("fiscal year not plausible", {**ALLOCATION, "fiscal_year": 1990}, ACTOR,
     "validation_error", "fiscal_year"),
    ("fiscal year beyond any column", {**ALLOCATION, "fiscal_year": 2**40}, ACTOR,
     "validation_error", "fiscal_year"),
    # The ceiling (contract.md "Limits"): 2**63 once stopped the funds read model for good.
    ("amount of 2**63", {**ALLOCATION, "amount": 2**63}, ACTOR, "validation_error", "amount"),
    ("amount of 2**62", {**ALLOCATION, "amount": 2**62}, ACTOR, "validation_error", "amount"),
    ("amount just above the ceiling", {**ALLOCATION, "amount": 10**12 + 1}, ACTOR,
     "validation_error", "amount"),
    ("decided before 1900", {**ALLOCATION, "decided_on": "1899-12-31"}, ACTOR,
     "validation_error", "decided_on"),
    ("a control character in the decision number",
     {**ALLOCATION, "decision_no": "55/Q\u0000Đ"}, ACTOR, "validation_error", "decision_no"),
    ("a reason beyond 2,000 characters", {**ALLOCATION, "reason": "x" * 2001}, ACTOR,
     "validation_error", "reason"),
    ("unknown field", {**ALLOCATION, "bank": "KBNN"}, ACTOR, "validation_error", "bank"),
]  # fmt: skip


def refused_each(cases: list[tuple[Any, ...]], send: Any, unchanged: Any) -> None:
    """Sends every bad request in turn (one database for the whole table, to stay quick): each
    is a 422 problem with its code and field, and leaves ``unchanged()`` as it was."""
    for name, body, headers, code, field in cases:
        before = unchanged()
        answer = send(body, headers)
        try:
            assert_problem(answer, 422, code, field)
            assert unchanged() == before, "something changed"
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from error


def test_a_bad_allocation_is_refused_and_records_nothing(desk: Desk) -> None:
    def send(body: dict[str, Any], headers: dict[str, str]) -> Any:
        return desk.client.post("/allocations", headers=headers, json=body)

    def unchanged() -> tuple[int, Any]:
        return desk.log_position(), desk.get("/funds/summary")["items"]

    refused_each(BAD_ALLOCATIONS, send, unchanged)

    assert unchanged() == (0, [])


ADJUSTMENT: dict[str, Any] = {
    "delta": 5 * MILLION,
    "decision_no": "101/QĐ-UBND",
    "decided_on": "2025-03-01",
    "reason": "top-up",
}
BAD_ADJUSTMENTS: list[tuple[Any, ...]] = [
    ("zero delta", {**ADJUSTMENT, "delta": 0}, ACTOR, "validation_error", "delta"),
    ("delta as a float", {**ADJUSTMENT, "delta": 5_000_000.0}, ACTOR, "validation_error", "delta"),
    ("no reason", without(ADJUSTMENT, "reason"), ACTOR, "validation_error", "reason"),
    ("no decision number", without(ADJUSTMENT, "decision_no"), ACTOR,
     "validation_error", "decision_no"),
    ("decided in the future", {**ADJUSTMENT, "decided_on": "2099-01-01"}, ACTOR,
     "validation_error", "decided_on"),
    ("a delta above the ceiling", {**ADJUSTMENT, "delta": 10**12 + 1}, ACTOR,
     "validation_error", "delta"),
    ("a delta below minus the ceiling", {**ADJUSTMENT, "delta": -(2**63)}, ACTOR,
     "validation_error", "delta"),
    ("decided before the allocation", {**ADJUSTMENT, "decided_on": "2025-01-14"}, ACTOR,
     "rule_violation", "decided_on"),
    ("a control character in the reason", {**ADJUSTMENT, "reason": "top\u0007up"}, ACTOR,
     "validation_error", "reason"),
]  # fmt: skip


def test_a_bad_adjustment_is_refused_and_changes_nothing(desk: Desk) -> None:
    allocation_id = desk.allocation(20 * MILLION)

    def send(body: dict[str, Any], headers: dict[str, str]) -> Any:
        path = f"/allocations/{allocation_id}/adjustments"
        return desk.client.post(path, headers=headers, json=body)

    def unchanged() -> tuple[int, Any]:
        return desk.log_position(), desk.allocation_now(allocation_id)

    refused_each(BAD_ADJUSTMENTS, send, unchanged)

    assert desk.allocation_now(allocation_id)["allocated"] == 20 * MILLION


def test_an_amount_beyond_the_ceiling_leaves_the_funds_read_model_running(desk: Desk) -> None:
    answer = desk.client.post("/allocations", headers=ACTOR, json={**ALLOCATION, "amount": 2**63})

    assert_problem(answer, 422, "validation_error", "amount")
    health = desk.client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok", health.text
    assert set(health.json()["projections"]) >= {"funds", "registers", "indicators"}
    allocation_id = desk.allocation(10**12)
    assert desk.allocation_now(allocation_id)["allocated"] == 10**12
    assert desk.get("/funds/summary", fiscal_year=YEAR)["items"][0]["allocated"] == 10**12


def test_an_allocation_cannot_be_adjusted_above_the_ceiling(desk: Desk) -> None:
    allocation_id = desk.allocation(10**12 - 5)
    position = desk.log_position()

    answer = desk.client.post(
        f"/allocations/{allocation_id}/adjustments", headers=ACTOR, json={**ADJUSTMENT, "delta": 6}
    )

    assert_problem(answer, 422, "rule_violation", "delta")
    assert desk.log_position() == position
    desk.post(f"/allocations/{allocation_id}/adjustments", {**ADJUSTMENT, "delta": 5}, expect=200)
    assert desk.allocation_now(allocation_id)["allocated"] == 10**12


# Spending -------------------------------------------------------------------------------------


def household_state(desk: Desk, household_id: str) -> tuple[Any, Any, Any]:
    household = desk.get(f"/households/{household_id}", as_of="2025-12-31")
    history = desk.get(f"/households/{household_id}/history")
    funds = desk.get(f"/households/{household_id}/funds")
    return household, history, funds


def test_a_support_with_money_draws_on_its_allocation(desk: Desk) -> None:
    allocation_id = desk.allocation(20 * MILLION)
    household = desk.household("F-DRAW")

    support_id = desk.support(household["id"], "2025-03-10", 7 * MILLION, allocation_id)

    allocation = desk.allocation_now(allocation_id)
    assert (allocation["spent"], allocation["remaining"]) == (7 * MILLION, 13 * MILLION)
    trace = desk.trace(allocation_id)
    assert [(s["support_id"], s["household_id"], s["amount"]) for s in trace["supports"]] == [
        (support_id, household["id"], 7 * MILLION)
    ]
    history = desk.get(f"/households/{household['id']}/history")["items"]
    recorded = [item for item in history if item["data"].get("support_id") == support_id]
    assert len(recorded) == 1
    assert recorded[0]["data"]["allocation_id"] == allocation_id
    assert recorded[0]["data"]["amount"] == 7 * MILLION


def test_a_repeated_idempotency_key_draws_only_once(desk: Desk) -> None:
    allocation_id = desk.allocation(20 * MILLION)
    household = desk.household("F-IDEM")
    body = {
        "support_type": AGRICULTURE,
        "provided_on": "2025-03-10",
        "amount": 4 * MILLION,
        "allocation_id": allocation_id,
        "idempotency_key": "tablet-7:0042",
    }
    first = desk.post(f"/households/{household['id']}/supports", body)

    again = desk.post(f"/households/{household['id']}/supports", body, expect=200)

    assert again["support_id"] == first["support_id"]
    assert desk.allocation_now(allocation_id)["spent"] == 4 * MILLION
    assert len(desk.trace(allocation_id)["supports"]) == 1


REFUSED_SPENDING: list[tuple[Any, ...]] = [
    # (case, allocation unit, allocation line, allocation year, provided_on, amount,
    #  status, code, field)
    ("programme line differs", THAI_NGUYEN_CITY, INFORMATION_LINE, YEAR, "2025-03-01",
     MILLION, 422, "rule_violation", "allocation_id"),
    ("commune outside the unit (another commune)", PHUC_XUAN, AGRICULTURE_LINE, YEAR,
     "2025-03-01", MILLION, 422, "rule_violation", "allocation_id"),
    ("commune outside the unit (another district)", SONG_CONG, AGRICULTURE_LINE, YEAR,
     "2025-03-01", MILLION, 422, "rule_violation", "allocation_id"),
    ("provided before the fiscal year", THAI_NGUYEN_CITY, AGRICULTURE_LINE, YEAR,
     "2024-12-31", MILLION, 422, "rule_violation", "provided_on"),
    ("provided after the fiscal year", THAI_NGUYEN_CITY, AGRICULTURE_LINE, 2024,
     "2025-01-01", MILLION, 422, "rule_violation", "provided_on"),
    ("more than remains", THAI_NGUYEN_CITY, AGRICULTURE_LINE, YEAR, "2025-03-01",
     12 * MILLION + 1, 422, "insufficient_funds", None),
    ("more than was ever allocated", PHUC_HA, AGRICULTURE_LINE, YEAR, "2025-03-01",
     25 * MILLION, 422, "insufficient_funds", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("unit", "line", "year", "provided_on", "amount", "status", "code", "field"),
    [case[1:] for case in REFUSED_SPENDING],
    ids=[case[0] for case in REFUSED_SPENDING],
)
def test_refused_spending_changes_neither_the_household_nor_the_allocation(
    desk: Desk,
    unit: str,
    line: str,
    year: int,
    provided_on: str,
    amount: int,
    status: int,
    code: str,
    field: str | None,
) -> None:
    household = desk.household("F-REFUSE")
    allocation_id = desk.allocation(20 * MILLION, unit=unit, line=line, year=year)
    if line == AGRICULTURE_LINE and code == "insufficient_funds" and unit == THAI_NGUYEN_CITY:
        # Spend some first, so that "remaining" is less than "allocated".
        other = desk.household("F-EARLIER")
        desk.support(other["id"], f"{year}-02-01", 8 * MILLION, allocation_id)
    household_before = household_state(desk, household["id"])
    allocation_before = desk.allocation_now(allocation_id)
    trace_before = desk.trace(allocation_id)
    position = desk.log_position()

    answer = desk.client.post(
        f"/households/{household['id']}/supports",
        headers=ACTOR,
        json={
            "support_type": AGRICULTURE,
            "provided_on": provided_on,
            "amount": amount,
            "allocation_id": allocation_id,
        },
    )

    body = assert_problem(answer, status, code, field)
    if code == "insufficient_funds":
        remaining = allocation_before["remaining"]
        assert f"{remaining:,}" in body["detail"], body["detail"]
    assert desk.log_position() == position
    assert household_state(desk, household["id"]) == household_before
    assert household_before[0]["version"] == 2  # registered, recognised: no support
    assert desk.allocation_now(allocation_id) == allocation_before
    assert desk.trace(allocation_id) == trace_before


def test_spending_exactly_what_remains_is_allowed_and_then_nothing_more(desk: Desk) -> None:
    allocation_id = desk.allocation(10 * MILLION, unit=PHUC_HA)
    household = desk.household("F-EXACT")
    desk.support(household["id"], "2025-02-01", 4 * MILLION, allocation_id)
    desk.support(household["id"], "2025-02-02", 6 * MILLION, allocation_id)
    assert desk.allocation_now(allocation_id)["remaining"] == 0

    answer = desk.client.post(
        f"/households/{household['id']}/supports",
        headers=ACTOR,
        json={
            "support_type": AGRICULTURE,
            "provided_on": "2025-02-03",
            "amount": 1,
            "allocation_id": allocation_id,
        },
    )

    assert_problem(answer, 422, "insufficient_funds")
    assert desk.allocation_now(allocation_id)["spent"] == 10 * MILLION


def test_a_reversal_gives_the_money_back(desk: Desk) -> None:
    allocation_id = desk.allocation(10 * MILLION)
    household = desk.household("F-REVERSE")
    kept = desk.support(household["id"], "2025-02-01", 3 * MILLION, allocation_id)
    mistaken = desk.support(household["id"], "2025-02-02", 7 * MILLION, allocation_id)
    assert desk.allocation_now(allocation_id)["remaining"] == 0

    desk.reverse(household["id"], mistaken, "2025-02-10")

    allocation = desk.allocation_now(allocation_id)
    assert (allocation["spent"], allocation["remaining"]) == (3 * MILLION, 7 * MILLION)
    trace = desk.trace(allocation_id)
    assert trace["spent"] == 3 * MILLION
    assert {s["support_id"]: s["reversed"] for s in trace["supports"]} == {
        kept: False,
        mistaken: True,
    }
    # The money given back can be spent again, and a second reversal is refused.
    desk.support(household["id"], "2025-02-11", 7 * MILLION, allocation_id)
    assert desk.allocation_now(allocation_id)["remaining"] == 0
    again = desk.client.post(
        f"/households/{household['id']}/supports/{mistaken}/reversal",
        headers=ACTOR,
        json={"reversed_on": "2025-02-12", "reason": "twice"},
    )
    assert_problem(again, 422, "rule_violation")
    assert desk.allocation_now(allocation_id)["spent"] == 10 * MILLION


# Traces, summary, CSV -------------------------------------------------------------------------


def test_every_dong_is_accounted_for_from_any_allocation_and_any_household(desk: Desk) -> None:
    central = desk.allocation(60 * MILLION, unit=THAI_NGUYEN_CITY, source="central_recurrent")
    local = desk.allocation(15 * MILLION, unit=PHUC_HA, source="local")
    mobilized = desk.allocation(9 * MILLION, unit=PHUC_XUAN, source="mobilized")
    families = [
        desk.household("F-T1", PHUC_HA),
        desk.household("F-T2", PHUC_HA),
        desk.household("F-T3", PHUC_XUAN),
    ]
    spending = [
        (0, central, 5 * MILLION, "2025-02-01"),
        (0, local, 4 * MILLION, "2025-02-02"),
        (1, central, 11 * MILLION, "2025-03-01"),
        (1, local, 6 * MILLION, "2025-03-02"),
        (2, central, 8 * MILLION, "2025-04-01"),
        (2, mobilized, 9 * MILLION, "2025-04-02"),
        (0, central, 2 * MILLION, "2025-05-01"),
    ]
    support_ids = [
        desk.support(families[who]["id"], day, amount, allocation)
        for who, allocation, amount, day in spending
    ]
    desk.reverse(families[1]["id"], support_ids[2], "2025-03-15")  # 11 M from central back
    desk.reverse(families[2]["id"], support_ids[5], "2025-04-15")  # 9 M from mobilized back
    # A support without money is in the household's trace, not in any allocation's.
    desk.support(families[0]["id"], "2025-06-01")

    allocations = {"central": central, "local": local, "mobilized": mobilized}
    expected_spent = {"central": 15 * MILLION, "local": 10 * MILLION, "mobilized": 0}
    seen: set[str] = set()
    for name, allocation_id in allocations.items():
        trace = desk.trace(allocation_id)
        assert trace["allocation_id"] == allocation_id
        for item in trace["supports"]:
            assert set(item) >= TRACE_ITEM_KEYS, item
            assert isinstance(item["amount"], int)
        unreversed = sum(s["amount"] for s in trace["supports"] if not s["reversed"])
        assert trace["spent"] == unreversed == expected_spent[name], name
        assert desk.allocation_now(allocation_id)["spent"] == trace["spent"]
        seen.update(s["support_id"] for s in trace["supports"])
        by_household = {f["id"]: f for f in families}
        for item in trace["supports"]:
            family = by_household[item["household_id"]]
            assert item["household_code"] == family["code"]
    assert seen == set(support_ids)

    received: dict[str, int] = defaultdict(int)
    for family in families:
        trace = desk.get(f"/households/{family['id']}/funds")
        assert trace["household_id"] == family["id"]
        for item in trace["supports"]:
            if item["amount"] and not item["reversed"]:
                allocation = desk.allocation_now(item["allocation_id"])
                assert item["source"] == allocation["source"]
                received[item["source"]] += item["amount"]
        own = defaultdict(int)
        for item in trace["supports"]:
            if item["amount"] and not item["reversed"]:
                own[item["source"]] += item["amount"]
        assert trace["received_by_source"] == dict(own)
    assert dict(received) == {"central_recurrent": 15 * MILLION, "local": 10 * MILLION}
    household_zero = desk.get(f"/households/{families[0]['id']}/funds")
    assert household_zero["received_by_source"] == {
        "central_recurrent": 7 * MILLION,
        "local": 4 * MILLION,
    }
    assert len(household_zero["supports"]) == 4
    # Every đồng spent, summed over the households, is the sum spent over the allocations.
    assert sum(received.values()) == sum(expected_spent.values())


def test_the_funds_summary_of_a_district_covers_the_district_and_its_communes_only(
    desk: Desk,
) -> None:
    city = desk.allocation(100 * MILLION, unit=THAI_NGUYEN_CITY)
    phuc_ha = desk.allocation(20 * MILLION, unit=PHUC_HA)
    desk.allocation(5 * MILLION, unit=PHUC_XUAN, source="local")
    desk.allocation(7 * MILLION, unit=SONG_CONG)  # another district
    desk.allocation(3 * MILLION, unit=TAN_QUANG)  # a commune of another district
    desk.allocation(1000 * MILLION, unit=PROVINCE)  # above the district
    desk.allocation(50 * MILLION, unit=THAI_NGUYEN_CITY, year=2024)  # another year
    household = desk.household("F-SUM")
    desk.support(household["id"], "2025-02-01", 30 * MILLION, city)
    desk.support(household["id"], "2025-02-02", 12 * MILLION, phuc_ha)

    summary = desk.get("/funds/summary", fiscal_year=YEAR, unit=THAI_NGUYEN_CITY)

    assert summary["fiscal_year"] == YEAR and summary["unit"] == THAI_NGUYEN_CITY
    assert summary["items"] == [
        {
            "source": "central_recurrent",
            "programme_line": AGRICULTURE_LINE,
            "allocated": 120 * MILLION,
            "spent": 42 * MILLION,
            "remaining": 78 * MILLION,
        },
        {
            "source": "local",
            "programme_line": AGRICULTURE_LINE,
            "allocated": 5 * MILLION,
            "spent": 0,
            "remaining": 5 * MILLION,
        },
    ]
    commune = desk.get("/funds/summary", fiscal_year=YEAR, unit=PHUC_HA)["items"]
    assert [(i["allocated"], i["spent"]) for i in commune] == [(20 * MILLION, 12 * MILLION)]
    other = desk.get("/funds/summary", fiscal_year=YEAR, unit=SONG_CONG)["items"]
    assert [(i["source"], i["allocated"]) for i in other] == [("central_recurrent", 10 * MILLION)]
    province = desk.get("/funds/summary", fiscal_year=YEAR, unit=PROVINCE)["items"]
    assert sum(i["allocated"] for i in province) == (100 + 20 + 5 + 7 + 3 + 1000) * MILLION
    every_year = desk.get("/funds/summary", unit=THAI_NGUYEN_CITY)["items"]
    assert sum(i["allocated"] for i in every_year) == 175 * MILLION
    unknown = desk.client.get("/funds/summary", params={"unit": "99999"})
    assert_problem(unknown, 422, "validation_error")


def parse_csv(answer: Any) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers.get("content-disposition", "")
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("asked", ["format=csv", "Accept: text/csv"])
def test_an_allocation_trace_exports_as_csv(desk: Desk, asked: str) -> None:
    allocation_id = desk.allocation(30 * MILLION)
    household = desk.household("F-CSV")
    kept = desk.support(household["id"], "2025-02-01", 5 * MILLION, allocation_id)
    reversed_ = desk.support(household["id"], "2025-02-03", 8 * MILLION, allocation_id)
    desk.reverse(household["id"], reversed_, "2025-02-05")
    params: dict[str, Any] = {"min_position": desk.position, "lang": "en"}
    headers: dict[str, str] = {}
    if asked == "format=csv":
        params["format"] = "csv"
    else:
        headers["Accept"] = "text/csv"

    rows = parse_csv(
        desk.client.get(f"/allocations/{allocation_id}/trace", params=params, headers=headers)
    )

    assert set(rows[0]) >= TRACE_ITEM_KEYS
    assert [(r["support_id"], r["amount"], r["reversed"]) for r in rows] == [
        (kept, "5000000", "false"),
        (reversed_, "8000000", "true"),
    ]
    assert {r["household_code"] for r in rows} == {"F-CSV"}
    assert {r["commune_code"] for r in rows} == {PHUC_HA}
    assert {r["support_type"] for r in rows} == {"agricultural_production"}
    assert [r["provided_on"] for r in rows] == ["2025-02-01", "2025-02-03"]
    spent = sum(int(r["amount"]) for r in rows if r["reversed"] == "false")
    assert spent == desk.allocation_now(allocation_id)["spent"]


def test_an_allocation_trace_csv_is_in_vietnamese_by_default(desk: Desk) -> None:
    allocation_id = desk.allocation(30 * MILLION)
    household = desk.household("F-CSV-VI")
    kept = desk.support(household["id"], "2025-02-01", 5 * MILLION, allocation_id)
    reversed_ = desk.support(household["id"], "2025-02-03", 8 * MILLION, allocation_id)
    desk.reverse(household["id"], reversed_, "2025-02-05")

    rows = parse_csv(
        desk.client.get(
            f"/allocations/{allocation_id}/trace",
            params={"min_position": desk.position, "format": "csv"},
        )
    )

    assert list(rows[0]) == [
        "Mã khoản hỗ trợ",
        "Mã định danh hộ",
        "Mã hộ",
        "Mã xã, phường",
        "Loại hỗ trợ",
        "Ngày hỗ trợ",
        "Số tiền (đồng)",
        "Đã hủy",
    ]
    assert [(r["Mã khoản hỗ trợ"], r["Số tiền (đồng)"], r["Đã hủy"]) for r in rows] == [
        (kept, "5000000", "Không"),
        (reversed_, "8000000", "Có"),
    ]
    assert [r["Ngày hỗ trợ"] for r in rows] == ["01/02/2025", "03/02/2025"]
    assert {r["Mã hộ"] for r in rows} == {"F-CSV-VI"}
    assert {r["Loại hỗ trợ"] for r in rows} == {
        "Hỗ trợ phát triển sản xuất trong lĩnh vực nông nghiệp"
    }


@pytest.mark.parametrize("asked", ["format=csv", "Accept: text/csv"])
def test_the_funds_summary_exports_as_csv(desk: Desk, asked: str) -> None:
    city = desk.allocation(100 * MILLION)
    desk.allocation(5 * MILLION, unit=PHUC_XUAN, source="local")
    household = desk.household("F-CSVS")
    desk.support(household["id"], "2025-02-01", 30 * MILLION, city)
    params: dict[str, Any] = {
        "min_position": desk.position,
        "fiscal_year": YEAR,
        "unit": THAI_NGUYEN_CITY,
    }
    headers: dict[str, str] = {}
    if asked == "format=csv":
        params["format"] = "csv"
    else:
        headers["Accept"] = "text/csv"

    rows = parse_csv(
        desk.client.get("/funds/summary", params={**params, "lang": "en"}, headers=headers)
    )

    assert rows == [
        {
            "source": "central_recurrent",
            "programme_line": AGRICULTURE_LINE,
            "allocated": "100000000",
            "spent": "30000000",
            "remaining": "70000000",
        },
        {
            "source": "local",
            "programme_line": AGRICULTURE_LINE,
            "allocated": "5000000",
            "spent": "0",
            "remaining": "5000000",
        },
    ]
    as_json = desk.get("/funds/summary", fiscal_year=YEAR, unit=THAI_NGUYEN_CITY)
    assert [int(r["spent"]) for r in rows] == [i["spent"] for i in as_json["items"]]

    in_vietnamese = parse_csv(desk.client.get("/funds/summary", params=params, headers=headers))
    assert in_vietnamese == [
        {
            "Nguồn vốn": "Ngân sách trung ương (vốn sự nghiệp)",
            "Dự án, tiểu dự án": AGRICULTURE_LINE,
            "Đã phân bổ (đồng)": "100000000",
            "Đã sử dụng (đồng)": "30000000",
            "Còn lại (đồng)": "70000000",
        },
        {
            "Nguồn vốn": "Ngân sách địa phương",
            "Dự án, tiểu dự án": AGRICULTURE_LINE,
            "Đã phân bổ (đồng)": "5000000",
            "Đã sử dụng (đồng)": "0",
            "Còn lại (đồng)": "5000000",
        },
    ]


# Findings -------------------------------------------------------------------------------------


def findings(desk: Desk, **params: Any) -> list[dict[str, Any]]:
    body = desk.get("/inspections/findings", **params)
    items: list[dict[str, Any]] = body["items"]
    for item in items:
        assert {"kind", "household_id", "support_id", "detail"} <= set(item), item
        assert isinstance(item["detail"], str) and item["detail"].strip()
    return items


def test_findings_catch_each_of_the_four_kinds(desk: Desk, container: Container) -> None:
    today = container.today()

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    registered, recognised = ago(400), ago(300)
    # Eligible and recorded in time: no finding.
    clean = desk.household("F-CLEAN", registered_on=registered, recognised_on=recognised)
    desk.support(clean["id"], ago(10))
    # duplicate_support: same household, member (none), type and date.
    twice = desk.household("F-TWICE", registered_on=registered, recognised_on=recognised)
    first = desk.support(twice["id"], ago(12))
    duplicate = desk.support(twice["id"], ago(12))
    # late_recording: provided 60 days before it is recorded (now); a recent one is not late.
    late_family = desk.household("F-LATE", registered_on=registered, recognised_on=recognised)
    late = desk.support(late_family["id"], ago(60))
    desk.support(late_family["id"], ago(5))
    # repeated_single_use: housing is given once.
    housed = desk.household(
        "F-HOUSE",
        registered_on=registered,
        recognised_on=recognised,
        housing_deprived_on=ago(350),
    )
    house = desk.support(housed["id"], ago(20), support_type="housing")
    second_house = desk.support(housed["id"], ago(8), support_type="housing")
    # ineligible_support: eligible when recorded; a backdated correction makes it ineligible.
    corrected = desk.household("F-CORR", registered_on=registered, recognised_on=recognised)
    ineligible = desk.support(corrected["id"], ago(10), support_type="health_insurance")
    before = {(i["kind"], i["support_id"]) for i in findings(desk, unit=THAI_NGUYEN_CITY)}
    assert ("ineligible_support", ineligible) not in before
    desk.post(
        f"/households/{corrected['id']}/recognitions/{corrected['recognition']}/correction",
        {"status": "average", "reason": "the income was misread: above the line"},
        expect=200,
    )

    items = findings(desk, unit=THAI_NGUYEN_CITY)

    found = {(i["kind"], i["household_id"], i["support_id"]) for i in items}
    assert found == {
        ("duplicate_support", twice["id"], duplicate),
        ("late_recording", late_family["id"], late),
        ("repeated_single_use", housed["id"], second_house),
        ("ineligible_support", corrected["id"], ineligible),
    }
    assert len(items) == 4
    detail = {i["kind"]: i["detail"] for i in items}
    assert first in detail["duplicate_support"]
    assert ago(12).isoformat() in detail["duplicate_support"]
    # Recorded "today" in UTC, which is the day before Vietnam's today late in the UTC day.
    delay = re.search(r"recorded (\d+) days later", detail["late_recording"])
    assert delay is not None and int(delay.group(1)) in (59, 60), detail["late_recording"]
    assert ago(60).isoformat() in detail["late_recording"]
    assert house in detail["repeated_single_use"]
    assert "average" in detail["ineligible_support"] or "poor" in detail["ineligible_support"]
    # Scoped by unit: another district has none of them; the commune has them all.
    assert findings(desk, unit=SONG_CONG) == []
    assert len(findings(desk, unit=PHUC_HA)) == 4
    assert_problem(
        desk.client.get("/inspections/findings", params={"unit": "99999"}),
        422,
        "validation_error",
    )


@pytest.mark.parametrize(
    "change",
    [
        "backdated recognition",
        "corrected status",
        "corrected decision date",
        "revoked recognition",
    ],
)
def test_a_later_fact_makes_an_earlier_support_ineligible_as_now_known(
    desk: Desk, container: Container, change: str
) -> None:
    today = container.today()
    household = desk.household(
        "F-KNOWN",
        registered_on=today - timedelta(days=400),
        recognised_on=today - timedelta(days=300),
    )
    support_id = desk.support(
        household["id"], today - timedelta(days=10), support_type="health_insurance"
    )
    assert findings(desk) == []
    path = f"/households/{household['id']}/recognitions"
    recognition = f"{path}/{household['recognition']}"
    reason = {"reason": "the review board's decision was misrecorded"}
    if change == "backdated recognition":
        # Escaped poverty 20 days ago: newly escaped, which health insurance does not cover.
        desk.post(
            path,
            {
                "status": "average",
                "decided_on": str(today - timedelta(days=20)),
                "decision_no": "B/QĐ",
            },
        )
    elif change == "corrected status":
        desk.post(f"{recognition}/correction", {"status": "average", **reason}, expect=200)
    elif change == "corrected decision date":
        later = str(today - timedelta(days=5))
        desk.post(f"{recognition}/correction", {"decided_on": later, **reason}, expect=200)
    else:
        desk.post(f"{recognition}/revocation", {"revoked_on": str(today), **reason}, expect=200)

    items = findings(desk)

    assert [(i["kind"], i["household_id"], i["support_id"]) for i in items] == [
        ("ineligible_support", household["id"], support_id)
    ]
    assert items[0]["detail"].startswith("as now known")


def test_a_reversed_support_is_no_longer_a_finding(desk: Desk, container: Container) -> None:
    today = container.today()
    household = desk.household(
        "F-FIXED",
        registered_on=today - timedelta(days=400),
        recognised_on=today - timedelta(days=300),
    )
    desk.support(household["id"], today - timedelta(days=9))
    duplicate = desk.support(household["id"], today - timedelta(days=9))
    assert [i["support_id"] for i in findings(desk)] == [duplicate]

    desk.reverse(household["id"], duplicate, today)

    assert findings(desk) == []


def test_findings_of_a_fiscal_year_cover_supports_provided_in_it(desk: Desk) -> None:
    household = desk.household("F-YEAR")
    in_2024 = desk.support(household["id"], "2024-07-01")  # recorded late, like every past date
    in_2025 = desk.support(household["id"], "2025-07-01")

    by_year = {
        year: {i["support_id"] for i in findings(desk, fiscal_year=year)} for year in (2024, 2025)
    }

    assert by_year == {2024: {in_2024}, 2025: {in_2025}}
    assert {i["kind"] for i in findings(desk, fiscal_year=2025)} == {"late_recording"}


def test_an_inspector_walks_from_the_summary_to_households_and_back(desk: Desk) -> None:
    """A short inspector's walk: from the summary to an allocation, to its households, and
    back from one household to the sources of its money."""
    allocation_id = desk.allocation(50 * MILLION)
    families = [desk.household(f"F-WALK-{n}") for n in range(3)]
    for n, family in enumerate(families):
        desk.support(family["id"], f"2025-0{n + 2}-01", (n + 1) * 5 * MILLION, allocation_id)

    summary = desk.get("/funds/summary", fiscal_year=YEAR, unit=THAI_NGUYEN_CITY)["items"]
    assert summary[0]["spent"] == 30 * MILLION
    trace = desk.trace(allocation_id)
    assert {s["household_id"] for s in trace["supports"]} == {f["id"] for f in families}
    for item in trace["supports"]:
        back = desk.get(f"/households/{item['household_id']}/funds")
        drawn = [s for s in back["supports"] if s["support_id"] == item["support_id"]]
        assert len(drawn) == 1
        assert drawn[0]["allocation_id"] == allocation_id
        assert drawn[0]["source"] == "central_recurrent"
        assert drawn[0]["amount"] == item["amount"]


def test_the_csv_exports_are_documented_beside_json(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/funds/summary", "/allocations/{allocation_id}/trace"):
        assert set(paths[path]["get"]["responses"]["200"]["content"]) == {
            "application/json",
            "text/csv",
        }, path
