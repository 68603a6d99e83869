"""The plan's indicators and the deprivation analysis through the HTTP API only (contract.md
"Indicators", "Conventions"; domain.md §7). Every test runs on SQLite and on PostgreSQL (the
``client`` fixture, whose projections follow the log in-process)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from infrastructure.container import Container
from tests.deprivation_codes import ND07
from tests.support import assert_problem

PROVINCE = "19"
TN_CITY, DINH_HOA = "164", "167"
PHUC_HA, PHUC_XUAN, QUYET_THANG = "05485", "05488", "05491"  # xã of Thái Nguyên city
CHO_CHU = "05536"  # the thị trấn of Định Hóa
ACTOR = {"X-Actor": "canbo.indicators"}
ANSWER_KEYS = {"area", "year", "as_of", "items"}
ITEM_KEYS = {"code", "name", "value", "target", "unit", "on_track"}
# domain.md §7, in its order.
CODES = (
    "poverty_rate",
    "poverty_rate_change",
    "ethnic_minority_poverty_rate",
    "ethnic_minority_poverty_rate_change",
    "poor_reduction",
    "near_poor_reduction",
    "poor_near_poor_reduction",
    "livelihood_models",
    "stable_employment",
    "health_insurance",
    "school_attendance",
    "workers_trained",
    "workers_certified",
    "housing_supported",
    "safe_water",
    "hygienic_latrine",
    "telecom_access",
)
COUNTS = (
    "poor_reduction",
    "near_poor_reduction",
    "poor_near_poor_reduction",
    "livelihood_models",
    "housing_supported",
)
SURVEY_PERCENTAGES = (
    "stable_employment",
    "health_insurance",
    "school_attendance",
    "safe_water",
    "hygienic_latrine",
    "telecom_access",
)
RATES = (
    "poverty_rate",
    "poverty_rate_change",
    "ethnic_minority_poverty_rate",
    "ethnic_minority_poverty_rate_change",
)
QD59_ONLY = ("health_access",)


class Caseworker:
    """Writes through the API, remembering the last position written."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.position = 0

    def post(self, path: str, body: dict[str, Any], expect: tuple[int, ...] = (201,)) -> Any:
        answer = self.client.post(path, headers=ACTOR, json=body)
        assert answer.status_code in expect, answer.text
        result = answer.json()
        self.position = max(self.position, result["position"])
        return result

    def household(
        self, code: str, commune: str, *members: tuple[str, str, str, str]
    ) -> tuple[str, dict[str, str]]:
        body = self.post(
            "/households",
            {
                "code": code,
                "commune_code": commune,
                "village": "Xóm Giữa",
                "registered_on": "2019-01-02",
                "members": [
                    {
                        "name": name,
                        "birth_date": born,
                        "sex": "male",
                        "ethnicity": ethnicity,
                        "relation": relation,
                    }
                    for name, born, ethnicity, relation in members
                ],
            },
        )
        return body["id"], {m["name"]: m["member_id"] for m in body["members"]}

    def recognise(self, household_id: str, status: str, decided_on: str) -> None:
        self.post(
            f"/households/{household_id}/recognitions",
            {"status": status, "decided_on": decided_on, "decision_no": f"{decided_on}/QĐ"},
        )

    def survey(self, household_id: str, surveyed_on: str, income: int, *deprived: str) -> None:
        self.post(
            f"/households/{household_id}/surveys",
            {
                "surveyed_on": surveyed_on,
                "review": "annual",
                "income_per_capita": income,
                "deprivations": {code: code in deprived for code in ND07},
            },
        )

    def support(self, household_id: str, support_type: str, provided_on: str, **extra: Any) -> str:
        body = self.post(
            f"/households/{household_id}/supports",
            {"support_type": support_type, "provided_on": provided_on, **extra},
        )
        support_id: str = body["support_id"]
        return support_id

    def reverse(self, household_id: str, support_id: str, reversed_on: str) -> None:
        self.post(
            f"/households/{household_id}/supports/{support_id}/reversal",
            {"reversed_on": reversed_on, "reason": "recorded by mistake"},
            expect=(200, 201),
        )

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer = self.client.get(path, params={"min_position": self.position, **params})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def indicators(self, area: str, year: int) -> dict[str, dict[str, Any]]:
        body = self.get("/indicators", area=area, year=year)
        assert_shape(body)
        assert body["area"] == area
        assert body["year"] == year
        assert body["as_of"] == f"{year}-12-31"
        return {item["code"]: item for item in body["items"]}


def assert_shape(body: dict[str, Any]) -> None:
    """contract.md: {area, year, as_of, items: [{code, name, value, target, unit, on_track}]},
    one item for each code of domain.md §7, in any order."""
    assert set(body) >= ANSWER_KEYS
    assert isinstance(body["items"], list)
    codes = [item["code"] for item in body["items"]]
    assert sorted(codes) == sorted(CODES)
    for item in body["items"]:
        assert set(item) >= ITEM_KEYS, item
        assert isinstance(item["name"], str) and item["name"].strip()
        assert isinstance(item["unit"], str) and item["unit"].strip()
        assert item["value"] is None or isinstance(item["value"], int | float), item
        assert item["target"] is None or isinstance(item["target"], int | float), item
        assert item["on_track"] in (None, True, False), item
        if item["value"] is None or item["target"] is None:
            assert item["on_track"] is None, item
        if item["code"] in COUNTS and item["value"] is not None:
            assert isinstance(item["value"], int), item


def the_container(client: TestClient) -> Container:
    built: Container = client.app.state.container  # type: ignore[attr-defined]
    return built


@pytest.fixture
def worker(client: TestClient) -> Caseworker:
    return Caseworker(client)


@pytest.fixture
def province(worker: Caseworker) -> dict[str, str]:
    """Four households in three communes of two districts.

    P1 (Phúc Hà, Tày): poor since 2021; members 54, 15, 60 and 61 on 2024-12-31; surveyed 2023.
    P2 (Phúc Xuân, Kinh): near-poor at the baseline, escapes near-poverty in 2023; no survey.
    P3 (Chợ Chu, Hmông): poor from 2022-06-06; surveyed; two housing supports.
    P4 (Phúc Xuân, Kinh): poor from 2023; never surveyed.
    """
    p1, m1 = worker.household(
        "IA-1",
        PHUC_HA,
        ("Hoàng Văn Một", "1970-01-01", "02", "head"),
        ("Hoàng Văn Hai", "2009-12-31", "02", "child"),  # 15 on 2024-12-31
        ("Hoàng Văn Ba", "1964-12-31", "02", "sibling"),  # 60 on 2024-12-31
        ("Hoàng Văn Bốn", "1963-12-31", "02", "sibling"),  # 61 on 2024-12-31
    )
    worker.recognise(p1, "poor", "2021-06-01")
    worker.survey(p1, "2023-10-01", 900_000, "employment", "sanitation", "domestic_water")
    worker.support(p1, "livelihood_model", "2023-02-02", model="Nuôi ong")
    worker.support(
        p1,
        "vocational_training",
        "2024-05-01",
        member_id=m1["Hoàng Văn Ba"],
        certified=False,
    )
    worker.support(
        p1,
        "vocational_training",
        "2024-12-31",
        member_id=m1["Hoàng Văn Hai"],
        certified=True,
    )

    p2, _ = worker.household("IA-2", PHUC_XUAN, ("Trần Văn Năm", "1975-05-05", "01", "head"))
    worker.recognise(p2, "near_poor", "2021-09-09")
    worker.recognise(p2, "none", "2023-12-01")

    p3, _ = worker.household("IA-3", CHO_CHU, ("Giàng A Sáu", "1980-06-06", "05", "head"))
    worker.survey(
        p3, "2022-06-01", 1_200_000, "health_insurance", "telecommunication", "housing_quality"
    )
    worker.recognise(p3, "poor", "2022-06-06")
    worker.support(p3, "housing", "2022-07-01")
    worker.support(p3, "housing", "2023-07-01")
    worker.support(p3, "livelihood_model", "2023-03-03", model="Nuôi ong")
    cinnamon = worker.support(p3, "livelihood_model", "2024-01-01", model="Trồng quế")
    worker.reverse(p3, cinnamon, "2024-01-05")

    p4, _ = worker.household("IA-4", PHUC_XUAN, ("Lê Văn Bảy", "1985-07-07", "01", "head"))
    worker.recognise(p4, "poor", "2023-01-01")
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4}


# --- tests ----------------------------------------------------------------------------------------


def test_the_province_in_2024_has_every_indicator_with_its_value_and_target(
    worker: Caseworker, province: dict[str, str]
) -> None:
    items = worker.indicators(PROVINCE, 2024)
    values = {code: item["value"] for code, item in items.items()}
    assert values == {
        # Poor on 2024-12-31: P1, P3, P4 of 4 households; the same a year earlier.
        "poverty_rate": 75.0,
        "poverty_rate_change": 0.0,
        # Ethnic-minority households: P1 and P3, both poor.
        "ethnic_minority_poverty_rate": 100.0,
        "ethnic_minority_poverty_rate_change": 0.0,
        # Baseline 2022-01-01: poor P1, near-poor P2. Now: poor 3, near-poor none.
        "poor_reduction": -2,
        "near_poor_reduction": 1,
        "poor_near_poor_reduction": -1,
        # "Nuôi ong" twice; "Trồng quế" reversed.
        "livelihood_models": 1,
        # Target households with a latest survey: P1 (employment, sanitation, water) and P3
        # (health insurance, telecommunication); P4 has none.
        "stable_employment": 50.0,
        "health_insurance": 50.0,
        "school_attendance": 100.0,
        "safe_water": 50.0,
        "hygienic_latrine": 50.0,
        "telecom_access": 50.0,
        # Aged 15–60 in target households: P1's 54-, 15- and 60-year-olds (not the 61-year-old),
        # P3's and P4's heads: 5. Trained: the 15- and the 60-year-old; certified: the 15-year-old.
        "workers_trained": 40.0,
        "workers_certified": 20.0,
        # Two housing supports to P3 count once.
        "housing_supported": 1,
    }
    # Count targets pro rata: target × (2024 − 2021) / 4; the others as in §7.
    targets = {code: item["target"] for code, item in items.items()}
    assert targets == {
        "poverty_rate": None,
        "poverty_rate_change": -1.0,
        "ethnic_minority_poverty_rate": None,
        "ethnic_minority_poverty_rate_change": -2.0,
        "poor_reduction": 9900,
        "near_poor_reduction": 6075,
        "poor_near_poor_reduction": 15975,
        "livelihood_models": 45,
        "stable_employment": 100.0,
        "health_insurance": 100.0,
        "school_attendance": 90.0,
        "workers_trained": 65.0,
        "workers_certified": 27.0,
        "housing_supported": 1500,
        "safe_water": 90.0,
        "hygienic_latrine": 60.0,
        "telecom_access": 90.0,
    }
    on_track = {code: item["on_track"] for code, item in items.items()}
    assert on_track == {
        "poverty_rate": None,
        "poverty_rate_change": False,
        "ethnic_minority_poverty_rate": None,
        "ethnic_minority_poverty_rate_change": False,
        "poor_reduction": False,
        "near_poor_reduction": False,
        "poor_near_poor_reduction": False,
        "livelihood_models": False,
        "stable_employment": False,
        "health_insurance": False,
        "school_attendance": True,
        "workers_trained": False,
        "workers_certified": False,
        "housing_supported": False,
        "safe_water": False,
        "hygienic_latrine": False,
        "telecom_access": False,
    }


def test_below_the_province_there_are_no_count_targets(
    worker: Caseworker, province: dict[str, str]
) -> None:
    for area in (TN_CITY, DINH_HOA, PHUC_HA, CHO_CHU):
        items = worker.indicators(area, 2023)
        for code in COUNTS:
            assert items[code]["target"] is None, (area, code)
            assert items[code]["on_track"] is None, (area, code)
        assert items["school_attendance"]["target"] == 90.0
        assert items["poverty_rate_change"]["target"] == -1.0
    # Định Hóa in 2023: P3 only, poor, surveyed; housing given to it in 2022 and 2023.
    dinh_hoa = worker.indicators(DINH_HOA, 2023)
    assert dinh_hoa["poverty_rate"]["value"] == 100.0
    assert dinh_hoa["housing_supported"]["value"] == 1
    assert dinh_hoa["livelihood_models"]["value"] == 1
    assert dinh_hoa["health_insurance"]["value"] == 0.0
    assert dinh_hoa["health_insurance"]["on_track"] is False
    assert dinh_hoa["safe_water"]["value"] == 100.0
    assert dinh_hoa["safe_water"]["on_track"] is True


def test_values_are_null_where_the_data_cannot_support_them(
    worker: Caseworker, province: dict[str, str]
) -> None:
    # Phúc Xuân: two Kinh households, P4 poor but never surveyed.
    phuc_xuan = worker.indicators(PHUC_XUAN, 2024)
    assert phuc_xuan["poverty_rate"]["value"] == 50.0
    for code in ("ethnic_minority_poverty_rate", "ethnic_minority_poverty_rate_change"):
        assert phuc_xuan[code]["value"] is None, code
    for code in SURVEY_PERCENTAGES:
        assert phuc_xuan[code]["value"] is None, code
        assert phuc_xuan[code]["on_track"] is None, code
    assert phuc_xuan["workers_trained"]["value"] == 0.0  # P4's head, untrained

    # A commune without households: no rates, percentages or workers; counts are zero.
    empty = worker.indicators(QUYET_THANG, 2024)
    for code in (*RATES, *SURVEY_PERCENTAGES, "workers_trained", "workers_certified"):
        assert empty[code]["value"] is None, code
        assert empty[code]["on_track"] is None, code
    for code in COUNTS:
        assert empty[code]["value"] == 0, code

    # 2022 in Phúc Hà: P1 poor, surveyed only in 2023, so no survey percentages yet.
    phuc_ha = worker.indicators(PHUC_HA, 2022)
    assert phuc_ha["poverty_rate"]["value"] == 100.0
    for code in SURVEY_PERCENTAGES:
        assert phuc_ha[code]["value"] is None, code


def test_an_empty_province_answers_every_item(client: TestClient) -> None:
    answer = client.get("/indicators", params={"area": PROVINCE, "year": 2023})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert_shape(body)
    assert (body["area"], body["year"], body["as_of"]) == (PROVINCE, 2023, "2023-12-31")
    items = {item["code"]: item for item in body["items"]}
    for code in (*RATES, *SURVEY_PERCENTAGES, "workers_trained", "workers_certified"):
        assert items[code]["value"] is None, code
    for code in COUNTS:
        assert items[code]["value"] == 0, code

    # The defaults: the province, this year.
    default = client.get("/indicators")
    assert default.status_code == 200, default.text
    today = the_container(client).today()
    assert default.json()["area"] == PROVINCE
    assert default.json()["year"] == today.year
    assert default.json()["as_of"] == f"{today.year}-12-31"


BAD_QUERIES = (
    ("/indicators", {"area": "99999", "year": 2024}),  # no such unit
    ("/indicators", {"area": "ABC", "year": 2024}),
    ("/indicators", {"area": PROVINCE, "year": "last"}),
    ("/reports/deprivations", {"area": "99999"}),
    ("/reports/deprivations", {"area": PROVINCE, "as_of": "2024-13-01"}),
)


def test_bad_queries_are_validation_problems(client: TestClient) -> None:
    for path, params in BAD_QUERIES:
        body = assert_problem(client.get(path, params=params), 422, "validation_error")
        assert body["detail"], (path, params)


def test_min_position_waits_for_the_indicators(
    client: TestClient, worker: Caseworker, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = the_container(client)
    household, _ = worker.household("MP-1", CHO_CHU, ("Ma Văn Chờ", "1980-01-01", "02", "head"))
    assert container.in_process is not None
    container.in_process.stop()
    for name in ("registers", "indicators"):
        container.projectors[name].catch_up()
    worker.recognise(household, "poor", "2024-03-03")
    # Read-your-writes: without min_position the read waits for the acknowledged write too.
    with monkeypatch.context() as patch:
        patch.setattr(container.consistency, "wait_seconds", 0.3)
        stale = client.get("/indicators", params={"area": CHO_CHU, "year": 2024})
    assert_problem(stale, 503, "unavailable")

    def catch_up() -> None:
        for name in ("registers", "indicators"):
            container.projectors[name].catch_up()

    later = threading.Timer(0.5, catch_up)
    later.start()
    try:
        fresh = client.get(
            "/indicators",
            params={"area": CHO_CHU, "year": 2024, "min_position": worker.position},
        )
    finally:
        later.join()
    assert fresh.status_code == 200, fresh.text
    assert {i["code"]: i["value"] for i in fresh.json()["items"]}["poverty_rate"] == 100.0

    # A position beyond the log's end was never acknowledged: refused at once.
    for path in ("/indicators", "/reports/deprivations"):
        answer = client.get(path, params={"min_position": worker.position + 1000})
        assert_problem(answer, 422, "validation_error")


def test_the_deprivation_analysis_counts_poor_and_near_poor_households_by_deprivation(
    worker: Caseworker, province: dict[str, str]
) -> None:
    # Near-poor P5 in Phúc Hà, surveyed twice: the latest survey counts.
    p5, _ = worker.household("IA-5", PHUC_HA, ("Nông Văn Tám", "1988-08-08", "02", "head"))
    worker.survey(p5, "2024-02-02", 1_400_000, "sanitation", "nutrition")
    worker.survey(p5, "2024-09-09", 1_400_000, "telecommunication")
    worker.recognise(p5, "near_poor", "2024-03-03")

    body = worker.get("/reports/deprivations", area=PROVINCE, as_of="2024-12-31")
    assert body["area"] == PROVINCE and body["as_of"] == "2024-12-31"
    assert set(body["indicators"]) == set(ND07) | set(QD59_ONLY)

    def counts(surveyed: int, *deprived: str) -> dict[str, int]:
        return {
            "households_surveyed": surveyed,
            **{code: int(code in deprived) for code in body["indicators"]},
        }

    # P4 (poor, never surveyed) and P2 (no longer near-poor) are not counted.
    assert body["communes"] == {
        PHUC_HA: {
            "poor": counts(1, "employment", "sanitation", "domestic_water"),
            "near_poor": counts(1, "telecommunication"),
        },
        CHO_CHU: {"poor": counts(1, "health_insurance", "telecommunication", "housing_quality")},
    }

    # An area: only its communes. A date: the statuses and surveys of that date.
    dinh_hoa = worker.get("/reports/deprivations", area=DINH_HOA, as_of="2024-12-31")
    assert dinh_hoa["communes"] == {CHO_CHU: body["communes"][CHO_CHU]}
    earlier = worker.get("/reports/deprivations", area=PHUC_HA, as_of="2024-06-30")
    assert earlier["communes"] == {
        PHUC_HA: {
            "poor": counts(1, "employment", "sanitation", "domestic_water"),
            "near_poor": counts(1, "sanitation", "nutrition"),
        }
    }
    nothing = worker.get("/reports/deprivations", area=QUYET_THANG, as_of="2024-12-31")
    assert nothing["communes"] == {}

    # Default date: today.
    default = worker.get("/reports/deprivations")
    assert default["area"] == PROVINCE
    assert default["as_of"] == the_container(worker.client).today().isoformat()
