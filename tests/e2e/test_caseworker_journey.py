"""A caseworker's journey through the HTTP API only (contract.md: Households, Self-assessment,
Reference and health). Every test runs on SQLite and on PostgreSQL (the ``client`` fixture)."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.deprivation_codes import ND07, QD59
from tests.logins import acting_as
from tests.support import assert_problem

PHUC_HA = "05485"  # a xã of Thái Nguyên city: rural
QUAN_TRIEU = "05431"  # a phường of Thái Nguyên city: urban
CHO_CHU = "05536"  # a thị trấn of Định Hóa: urban


HOUSEHOLD_KEYS = {
    "id",
    "code",
    "commune_code",
    "village",
    "area",
    "registered_on",
    "version",
    "ethnic_minority",
    "members",
    "status",
    "status_since",
    "newly_escaped",
    "newly_escaped_until",
}
MEMBER_KEYS = {
    "member_id",
    "name",
    "birth_date",
    "sex",
    "ethnicity",
    "relation",
    "national_id",
    "disability",
    "merit",
    "joined_on",
    "left_on",
}
HISTORY_KEYS = {
    "version",
    "type",
    "effective_on",
    "recorded_at",
    "actor",
    "reason",
    "evidence",
    "data",
}
RECORDED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$")
SUPPORT_TYPES = {
    "livelihood_model",
    "agricultural_production",
    "nutrition",
    "vocational_training",
    "employment_support",
    "information_access",
    "health_insurance",
    "housing",
}


def actor(client: TestClient, name: str = "canbo.phucha") -> dict[str, str]:
    return acting_as(client, name)


def deprivations(codes: tuple[str, ...], *deprived: str) -> dict[str, bool]:
    assert set(deprived) <= set(codes)
    return {code: code in deprived for code in codes}


def head(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Hoàng Văn Thắng",
        "birth_date": "1975-04-12",
        "sex": "male",
        "ethnicity": "02",  # Tày
        "relation": "head",
        "national_id": "019075001234",
        **overrides,
    }


def spouse(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Lương Thị Hoa",
        "birth_date": "1978-09-30",
        "sex": "female",
        "ethnicity": "02",
        "relation": "spouse",
        **overrides,
    }


def register(
    client: TestClient,
    code: str = "PH-0001",
    commune_code: str = PHUC_HA,
    members: list[dict[str, Any]] | None = None,
    who: str = "canbo.phucha",
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "code": code,
        "commune_code": commune_code,
        "village": "Xóm Đồng Kiệm",
        "registered_on": "2022-01-10",
        "members": members if members is not None else [head(), spouse()],
        **extra,
    }
    answer = client.post("/households", json=body, headers=actor(client, who))
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def survey(
    client: TestClient,
    household_id: str,
    surveyed_on: str = "2022-10-01",
    income: int = 1_200_000,
    deprived: tuple[str, ...] = ("employment", "health_insurance", "housing_quality"),
    who: str = "canbo.phucha",
    **extra: Any,
) -> dict[str, Any]:
    codes = QD59 if surveyed_on < "2022" else ND07
    answer = client.post(
        f"/households/{household_id}/surveys",
        json={
            "surveyed_on": surveyed_on,
            "review": "annual",
            "income_per_capita": income,
            "deprivations": deprivations(codes, *deprived),
            **extra,
        },
        headers=actor(client, who),
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def recognise(
    client: TestClient,
    household_id: str,
    status: str,
    decided_on: str,
    decision_no: str = "125/QĐ-UBND",
    who: str = "chutich.phucha",
    **extra: Any,
) -> dict[str, Any]:
    answer = client.post(
        f"/households/{household_id}/recognitions",
        json={"status": status, "decided_on": decided_on, "decision_no": decision_no, **extra},
        headers=actor(client, who),
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def support(
    client: TestClient, household_id: str, who: str = "canbo.phucha", **body: Any
) -> dict[str, Any]:
    answer = client.post(
        f"/households/{household_id}/supports", json=body, headers=actor(client, who)
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def household(client: TestClient, household_id: str, **query: Any) -> dict[str, Any]:
    answer = client.get(f"/households/{household_id}", params=query)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def history(client: TestClient, household_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/households/{household_id}/history")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def member_names(view: dict[str, Any]) -> set[str]:
    return {m["name"] for m in view["members"]}


# Registration -------------------------------------------------------------------------------


def test_registration_answers_201_with_the_household_exactly_as_the_contract_shapes_it(
    client: TestClient,
) -> None:
    created = register(client, members=[head(), spouse()])

    assert set(created) == HOUSEHOLD_KEYS | {"position"}
    assert isinstance(created["position"], int) and created["position"] > 0
    assert created["code"] == "PH-0001"
    assert created["commune_code"] == PHUC_HA
    assert created["village"] == "Xóm Đồng Kiệm"
    assert created["registered_on"] == "2022-01-10"
    assert created["version"] == 1
    assert created["ethnic_minority"] is True  # the head is Tày
    assert created["status"] == "none"
    assert created["status_since"] is None
    assert created["newly_escaped"] is False
    assert created["newly_escaped_until"] is None
    assert len(created["members"]) == 2
    for member in created["members"]:
        assert set(member) == MEMBER_KEYS
        assert member["joined_on"] == "2022-01-10"
        assert member["left_on"] is None
    the_head = next(m for m in created["members"] if m["relation"] == "head")
    assert the_head["national_id"] == "019075001234"
    assert the_head["disability"] is False and the_head["merit"] is False

    fetched = household(client, created["id"])
    assert set(fetched) == HOUSEHOLD_KEYS
    assert fetched == {k: v for k, v in created.items() if k != "position"}


@pytest.mark.parametrize(
    ("commune_code", "requested", "expected"),
    [
        pytest.param(QUAN_TRIEU, None, "urban", id="a ward is urban"),
        pytest.param(PHUC_HA, None, "rural", id="a xa is rural"),
        pytest.param(CHO_CHU, None, "urban", id="a township is urban"),
        pytest.param(QUAN_TRIEU, "rural", "rural", id="override on a ward is kept"),
        pytest.param(PHUC_HA, "urban", "urban", id="override on a xa is kept"),
    ],
)
def test_area_defaults_from_the_commune_type_and_an_explicit_area_is_kept(
    client: TestClient, commune_code: str, requested: str | None, expected: str
) -> None:
    extra: dict[str, Any] = {"area": requested} if requested is not None else {}
    created = register(client, commune_code=commune_code, **extra)

    assert created["area"] == expected
    assert household(client, created["id"])["area"] == expected


@pytest.mark.parametrize(("ethnicity", "minority"), [("01", False), ("02", True), ("99", False)])
def test_a_household_is_ethnic_minority_when_its_head_is_not_kinh(
    client: TestClient, ethnicity: str, minority: bool
) -> None:
    created = register(client, members=[head(ethnicity=ethnicity)])

    assert created["ethnic_minority"] is minority


def test_households_are_found_by_code(client: TestClient) -> None:
    created = register(client, code="PH-0042")
    register(client, code="PH-0043")

    found = client.get("/households", params={"code": "PH-0042"})
    assert found.status_code == 200
    assert found.json()["items"] == [household(client, created["id"])]

    nothing = client.get("/households", params={"code": "PH-9999"})
    assert nothing.status_code == 200
    assert nothing.json() == {"items": []}


# The "done when" journey --------------------------------------------------------------------


def test_caseworker_records_survey_recognitions_and_supports_and_the_history_tells_it_all(
    client: TestClient,
) -> None:
    created = register(client, who="canbo.dangky")
    hid = created["id"]

    surveyed = survey(client, hid, who="canbo.rasoat", reason="annual review 2022")
    assert set(surveyed) == {
        "survey_id",
        "standard",
        "proposed_status",
        "deprivation_count",
        "position",
    }
    assert surveyed["standard"] == "nd-07-2021"
    assert surveyed["proposed_status"] == "poor"
    assert surveyed["deprivation_count"] == 3
    assert surveyed["position"] > created["position"]
    # A survey only proposes: the status comes from a recognition decision.
    assert household(client, hid, as_of="2022-11-01")["status"] == "none"

    poor = recognise(client, hid, "poor", "2022-12-20", "125/QĐ-UBND", who="chutich.a")
    assert poor["status"] == "poor"
    assert poor["movement"] == "new_poverty"
    assert poor["newly_escaped_until"] is None
    assert poor["position"] > surveyed["position"]

    given = support(
        client,
        hid,
        who="canbo.hotro",
        support_type="agricultural_production",
        provided_on="2023-03-15",
        quantity=2.5,
        unit="tạ giống lúa",
        evidence="BB-17/2023",
    )
    assert set(given) == {"support_id", "position"}
    assert given["position"] > poor["position"]

    escaped = recognise(client, hid, "near_poor", "2024-02-29", "301/QĐ-UBND", who="chutich.b")
    assert escaped["status"] == "near_poor"
    assert escaped["movement"] == "escaped_poverty"
    # R = 2024-02-29: through 2027-02-28 (no 29 February in 2027).
    assert escaped["newly_escaped_until"] == "2027-02-28"

    before = household(client, hid, as_of="2022-12-19")
    assert (before["status"], before["status_since"]) == ("none", None)
    while_poor = household(client, hid, as_of="2023-06-01")
    assert (while_poor["status"], while_poor["status_since"]) == ("poor", "2022-12-20")
    assert while_poor["newly_escaped"] is False
    assert while_poor["version"] == 5

    items = history(client, hid)
    assert [item["version"] for item in items] == [1, 2, 3, 4, 5]
    assert [item["type"] for item in items] == [
        "household_registered",
        "survey_recorded",
        "recognition_recorded",
        "support_recorded",
        "recognition_recorded",
    ]
    for item in items:
        assert set(item) == HISTORY_KEYS | {"summary"}
        assert RECORDED_AT.match(item["recorded_at"]), item["recorded_at"]
    assert [item["actor"] for item in items] == [
        "canbo.dangky",
        "canbo.rasoat",
        "chutich.a",
        "canbo.hotro",
        "chutich.b",
    ]
    assert [item["effective_on"] for item in items] == [
        "2022-01-10",
        "2022-10-01",
        "2022-12-20",
        "2023-03-15",
        "2024-02-29",
    ]
    recorded = [datetime.fromisoformat(item["recorded_at"]) for item in items]
    assert recorded == sorted(recorded)
    assert items[1]["reason"] == "annual review 2022"
    assert items[1]["data"]["standard"] == "nd-07-2021"
    assert items[1]["data"]["proposed_status"] == "poor"
    assert items[1]["data"]["income_per_capita"] == 1_200_000
    assert items[2]["evidence"] == "125/QĐ-UBND"
    assert items[2]["data"]["status"] == "poor"
    assert items[3]["evidence"] == "BB-17/2023"
    assert items[3]["data"]["support_id"] == given["support_id"]
    assert items[3]["data"]["support_type"] == "agricultural_production"


def test_an_escape_window_is_judged_on_the_date_asked_even_in_the_future(
    client: TestClient,
) -> None:
    hid = register(client)["id"]
    recognise(client, hid, "poor", "2022-12-20")
    recognise(client, hid, "near_poor", "2024-02-29")

    cases = {
        "2024-02-28": ("poor", False, None),
        "2024-02-29": ("near_poor", True, "2027-02-28"),
        "2025-06-01": ("near_poor", True, "2027-02-28"),
        "2027-02-28": ("near_poor", True, "2027-02-28"),
        # The window expires without any event; the nominal end stays visible.
        "2027-03-01": ("near_poor", False, "2027-02-28"),
        "2031-01-01": ("near_poor", False, "2027-02-28"),
    }
    for as_of, (status, newly_escaped, until) in cases.items():
        view = household(client, hid, as_of=as_of)
        assert (view["status"], view["newly_escaped"], view["newly_escaped_until"]) == (
            status,
            newly_escaped,
            until,
        ), as_of
        assert view["status_since"] == ("2022-12-20" if status == "poor" else "2024-02-29")


def test_re_poverty_closes_the_window_but_keeps_its_nominal_end(client: TestClient) -> None:
    hid = register(client)["id"]
    recognise(client, hid, "poor", "2022-06-01")
    recognise(client, hid, "none", "2023-01-15")
    again = recognise(client, hid, "poor", "2024-01-15")

    assert again["movement"] == "re_poverty"
    view = household(client, hid, as_of="2024-06-01")
    assert (view["status"], view["newly_escaped"], view["newly_escaped_until"]) == (
        "poor",
        False,
        "2026-01-15",
    )
    assert household(client, hid, as_of="2023-12-31")["newly_escaped"] is True


def test_an_eligible_support_is_recorded_and_an_ineligible_one_is_refused_saying_why(
    client: TestClient,
) -> None:
    hid = register(client)["id"]
    survey(client, hid, "2022-10-01", deprived=("employment", "sanitation", "dependants"))
    recognise(client, hid, "poor", "2022-12-20")
    recognise(client, hid, "near_poor", "2024-02-29")

    given = support(client, hid, support_type="information_access", provided_on="2023-01-05")
    assert given["support_id"]

    before_any_recognition = client.post(
        f"/households/{hid}/supports",
        json={"support_type": "agricultural_production", "provided_on": "2022-06-01"},
        headers=actor(client),
    )
    refusal = assert_problem(before_any_recognition, 422, "not_eligible")
    assert "2022-06-01" in refusal["detail"]
    assert "none" in refusal["detail"]

    housing_when_near_poor = client.post(
        f"/households/{hid}/supports",
        json={"support_type": "housing", "provided_on": "2024-03-10"},
        headers=actor(client),
    )
    refusal = assert_problem(housing_when_near_poor, 422, "not_eligible")
    assert "near_poor" in refusal["detail"]

    housing_without_housing_deprivation = client.post(
        f"/households/{hid}/supports",
        json={"support_type": "housing", "provided_on": "2023-05-10"},
        headers=actor(client),
    )
    refusal = assert_problem(housing_without_housing_deprivation, 422, "not_eligible")
    assert "housing_quality" in refusal["detail"]

    assert [item["type"] for item in history(client, hid)].count("support_recorded") == 1


# Members ------------------------------------------------------------------------------------


def test_members_are_listed_only_on_the_dates_they_are_present(client: TestClient) -> None:
    created = register(client, members=[head(), spouse()])
    hid = created["id"]
    wife = next(m for m in created["members"] if m["relation"] == "spouse")

    joined = client.post(
        f"/households/{hid}/members",
        json={
            "name": "Hoàng Thị Mai",
            "birth_date": "2023-05-20",
            "sex": "female",
            "ethnicity": "02",
            "relation": "child",
            "joined_on": "2023-06-01",
            "reason": "birth",
            "evidence": "GKS 112/2023",
        },
        headers=actor(client),
    )
    assert joined.status_code == 201, joined.text
    baby = joined.json()
    assert set(baby) == MEMBER_KEYS | {"position"}
    assert baby["joined_on"] == "2023-06-01"
    assert baby["left_on"] is None
    assert baby["position"] > created["position"]

    left = client.post(
        f"/households/{hid}/members/{wife['member_id']}/departure",
        json={"left_on": "2024-01-01", "reason": "moved to Hà Nội"},
        headers=actor(client),
    )
    assert left.status_code == 200, left.text
    after_departure = left.json()
    assert set(after_departure) == HOUSEHOLD_KEYS | {"position"}
    assert after_departure["position"] > baby["position"]
    assert member_names(after_departure) == {"Hoàng Văn Thắng", "Hoàng Thị Mai"}

    presence = {
        "2022-01-09": set(),
        "2022-01-10": {"Hoàng Văn Thắng", "Lương Thị Hoa"},
        "2023-05-31": {"Hoàng Văn Thắng", "Lương Thị Hoa"},
        "2023-06-01": {"Hoàng Văn Thắng", "Lương Thị Hoa", "Hoàng Thị Mai"},
        "2023-12-31": {"Hoàng Văn Thắng", "Lương Thị Hoa", "Hoàng Thị Mai"},
        "2024-01-01": {"Hoàng Văn Thắng", "Hoàng Thị Mai"},
    }
    for as_of, names in presence.items():
        assert member_names(household(client, hid, as_of=as_of)) == names, as_of
    listed_while_present = household(client, hid, as_of="2023-12-31")["members"]
    wife_then = next(m for m in listed_while_present if m["member_id"] == wife["member_id"])
    assert wife_then["left_on"] == "2024-01-01"

    items = history(client, hid)
    assert [item["type"] for item in items] == [
        "household_registered",
        "member_joined",
        "member_left",
    ]
    assert (items[1]["reason"], items[1]["evidence"]) == ("birth", "GKS 112/2023")
    assert items[2]["reason"] == "moved to Hà Nội"
    assert items[2]["effective_on"] == "2024-01-01"


def test_a_member_correction_changes_the_details_and_keeps_the_earlier_ones_in_history(
    client: TestClient,
) -> None:
    created = register(client, members=[head(name="Hoang Van Thang")])
    hid = created["id"]
    member_id = created["members"][0]["member_id"]

    corrected = client.post(
        f"/households/{hid}/members/{member_id}/corrections",
        json={
            "name": "Hoàng Văn Thắng",
            "birth_date": "1975-04-21",
            "reason": "diacritics and birth date from the CCCD",
            "evidence": "CCCD 019075001234",
        },
        headers=actor(client, "canbo.sua"),
    )
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert set(body) == HOUSEHOLD_KEYS | {"position"}
    assert body["version"] == 2
    the_head = body["members"][0]
    assert (the_head["name"], the_head["birth_date"]) == ("Hoàng Văn Thắng", "1975-04-21")
    assert the_head["member_id"] == member_id
    assert the_head["joined_on"] == "2022-01-10"

    items = history(client, hid)
    assert items[0]["data"]["members"][0]["name"] == "Hoang Van Thang"
    assert items[1]["type"] == "member_details_corrected"
    assert items[1]["actor"] == "canbo.sua"
    assert items[1]["reason"] == "diacritics and birth date from the CCCD"
    assert items[1]["evidence"] == "CCCD 019075001234"
    assert items[1]["data"]["member_id"] == member_id
    assert items[1]["data"]["changes"] == {"name": "Hoàng Văn Thắng", "birth_date": "1975-04-21"}
    assert household(client, hid, version=1)["members"][0]["name"] == "Hoang Van Thang"


# Supports -----------------------------------------------------------------------------------


def test_a_mistaken_support_is_reversed_and_history_shows_both(client: TestClient) -> None:
    hid = register(client)["id"]
    recognise(client, hid, "poor", "2022-12-20")
    given = support(client, hid, support_type="agricultural_production", provided_on="2023-03-15")

    reversed_ = client.post(
        f"/households/{hid}/supports/{given['support_id']}/reversal",
        json={"reversed_on": "2023-04-01", "reason": "recorded twice", "evidence": "BB-2/2023"},
        headers=actor(client, "canbo.kiemtra"),
    )
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["support_id"] == given["support_id"]
    assert reversed_.json()["position"] > given["position"]

    items = history(client, hid)
    assert [item["type"] for item in items][-2:] == ["support_recorded", "support_reversed"]
    last = items[-1]
    assert last["data"]["support_id"] == given["support_id"]
    assert (last["effective_on"], last["reason"], last["evidence"], last["actor"]) == (
        "2023-04-01",
        "recorded twice",
        "BB-2/2023",
        "canbo.kiemtra",
    )


def test_a_personal_support_names_a_member_present_on_its_date(client: TestClient) -> None:
    created = register(
        client,
        members=[
            head(),
            {
                "name": "Hoàng Minh Đức",
                "birth_date": "2015-03-01",
                "sex": "male",
                "ethnicity": "02",
                "relation": "child",
            },
        ],
    )
    hid = created["id"]
    child = next(m for m in created["members"] if m["relation"] == "child")
    recognise(client, hid, "near_poor", "2022-12-20")

    given = support(
        client,
        hid,
        support_type="nutrition",
        provided_on="2023-02-01",
        member_id=child["member_id"],
    )
    item = history(client, hid)[-1]
    assert item["data"]["member_id"] == child["member_id"]
    assert item["data"]["support_id"] == given["support_id"]


def test_a_repeated_idempotency_key_answers_200_with_the_first_support_and_records_nothing(
    client: TestClient,
) -> None:
    hid = register(client)["id"]
    recognise(client, hid, "poor", "2022-12-20")
    body = {
        "support_type": "agricultural_production",
        "provided_on": "2023-03-15",
        "idempotency_key": "tablet-7:2023-03-15:001",
    }
    first = client.post(f"/households/{hid}/supports", json=body, headers=actor(client))
    assert first.status_code == 201, first.text
    recorded = history(client, hid)

    repeated = client.post(f"/households/{hid}/supports", json=body, headers=actor(client))
    assert repeated.status_code == 200, repeated.text
    assert repeated.json()["support_id"] == first.json()["support_id"]
    assert repeated.json()["position"] == first.json()["position"]
    assert history(client, hid) == recorded
    assert household(client, hid)["version"] == recorded[-1]["version"]

    other_key = client.post(
        f"/households/{hid}/supports",
        json={**body, "idempotency_key": "tablet-7:2023-03-15:002"},
        headers=actor(client),
    )
    assert other_key.status_code == 201
    assert other_key.json()["support_id"] != first.json()["support_id"]


def test_a_write_based_on_a_stale_version_is_refused_with_409(client: TestClient) -> None:
    hid = register(client)["id"]
    recognise(client, hid, "poor", "2022-12-20", expected_version=1)
    recorded = history(client, hid)

    stale = client.post(
        f"/households/{hid}/supports",
        json={
            "support_type": "agricultural_production",
            "provided_on": "2023-03-15",
            "expected_version": 1,
        },
        headers=actor(client),
    )
    assert_problem(stale, 409, "conflict")
    assert history(client, hid) == recorded

    current = support(
        client,
        hid,
        support_type="agricultural_production",
        provided_on="2023-03-15",
        expected_version=2,
    )
    assert current["support_id"]
    assert household(client, hid)["version"] == 3


# Past states --------------------------------------------------------------------------------


def test_a_past_version_shows_the_household_as_it_was_recorded_then(client: TestClient) -> None:
    hid = register(client)["id"]
    survey(client, hid)
    recognise(client, hid, "poor", "2022-12-20")

    first = household(client, hid, version=1, as_of="2023-01-01")
    assert (first["version"], first["status"]) == (1, "none")
    third = household(client, hid, version=3, as_of="2023-01-01")
    assert (third["version"], third["status"]) == (3, "poor")


def test_known_at_selects_exactly_the_facts_recorded_up_to_that_microsecond(
    client: TestClient,
) -> None:
    hid = register(client)["id"]
    survey(client, hid)
    recognise(client, hid, "poor", "2022-12-20")
    recognise(client, hid, "near_poor", "2024-02-29")
    items = history(client, hid)

    for item in items:
        at = household(client, hid, known_at=item["recorded_at"], as_of="2025-01-01")
        assert at["version"] == item["version"], item["recorded_at"]

    third_at = datetime.fromisoformat(items[2]["recorded_at"])
    just_before = (third_at - timedelta(microseconds=1)).isoformat(timespec="microseconds")
    assert household(client, hid, known_at=just_before, as_of="2025-01-01")["version"] == 2

    known_when_poor = household(client, hid, known_at=items[2]["recorded_at"], as_of="2025-01-01")
    assert (known_when_poor["status"], known_when_poor["newly_escaped"]) == ("poor", False)
    known_now = household(client, hid, as_of="2025-01-01")
    assert (known_now["status"], known_now["newly_escaped"]) == ("near_poor", True)

    in_utc_plus_7 = third_at.astimezone(timezone(timedelta(hours=7)))
    same_moment = in_utc_plus_7.isoformat(timespec="microseconds")
    assert household(client, hid, known_at=same_moment)["version"] == 3


def test_known_at_before_the_household_was_recorded_finds_nothing(client: TestClient) -> None:
    hid = register(client)["id"]
    registered_at = datetime.fromisoformat(history(client, hid)[0]["recorded_at"])
    earlier = (registered_at - timedelta(microseconds=1)).isoformat(timespec="microseconds")

    assert_problem(client.get(f"/households/{hid}", params={"known_at": earlier}), 404, "not_found")


# Read consistency ---------------------------------------------------------------------------


def test_a_read_waits_for_min_position_and_refuses_one_beyond_the_log_at_once(
    client: TestClient,
) -> None:
    created = register(client)
    hid = created["id"]
    written = recognise(client, hid, "poor", "2022-12-20")

    reached = client.get(f"/households/{hid}", params={"min_position": written["position"]})
    assert reached.status_code == 200
    assert reached.json()["status"] == "poor"
    assert client.get("/households", params={"code": "PH-0001", "min_position": 1}).status_code == (
        200
    )

    started = time.monotonic()
    beyond = client.get(
        f"/households/{hid}/history", params={"min_position": written["position"] + 1000}
    )
    waited = time.monotonic() - started
    body = assert_problem(beyond, 422, "validation_error")
    assert str(written["position"] + 1000) in body["detail"]
    assert waited < 1.0
    # Beyond what a BIGINT holds: a validation error too (it once waited 5 s).
    huge = client.get(f"/households/{hid}", params={"min_position": 2**63})
    assert assert_problem(huge, 422, "validation_error")["errors"][0]["loc"] == [
        "query",
        "min_position",
    ]
    assert client.get(f"/households/{hid}", params={"min_position": 0}).status_code == 200


# Self-assessment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "income", "deprived", "on", "expected"),
    [
        pytest.param(
            "rural", 1_500_000, 3, "2023-06-01", ("nd-07-2021", "poor", 3), id="rural at the line"
        ),
        pytest.param(
            "rural", 1_500_000, 2, "2023-06-01", ("nd-07-2021", "near_poor", 2), id="rural 2 dep"
        ),
        pytest.param(
            "rural", 1_800_000, 0, "2023-06-01", ("nd-07-2021", "average", 0), id="rural above"
        ),
        pytest.param(
            "urban", 1_800_000, 0, "2023-06-01", ("nd-07-2021", "near_poor", 0), id="urban below"
        ),
        pytest.param(
            "urban", 2_000_001, 5, "2023-06-01", ("nd-07-2021", "average", 5), id="urban above"
        ),
        pytest.param(
            "rural", 2_250_001, 0, "2023-06-01", ("nd-07-2021", "none", 0), id="rural above band"
        ),
        pytest.param(
            "urban", 3_000_000, 0, "2023-06-01", ("nd-07-2021", "average", 0), id="urban band top"
        ),
        pytest.param(
            "rural", 700_000, 0, "2021-06-01", ("qd-59-2015", "poor", 0), id="qd59 lower line"
        ),
        pytest.param(
            "urban", 700_000, 0, "2021-06-01", ("qd-59-2015", "poor", 0), id="qd59 urban lower"
        ),
        pytest.param(
            "rural", 950_000, 1, "2021-06-01", ("qd-59-2015", "near_poor", 1), id="qd59 between"
        ),
        pytest.param(
            "rural", 2_000_000, 3, "2027-06-01", ("std-2027-2030", "poor", 3), id="2027 rural"
        ),
        pytest.param(
            "rural", 2_000_000, 3, "2026-12-31", ("nd-07-2021", "average", 3), id="last nd07 day"
        ),
    ],
)
def test_self_assessment_classifies_under_the_standard_in_force_on_the_date(
    client: TestClient,
    area: str,
    income: int,
    deprived: int,
    on: str,
    expected: tuple[str, str, int],
) -> None:
    codes = QD59 if on < "2022" else ND07
    answer = client.post(
        "/self-assessment",
        json={
            "area": area,
            "income_per_capita": income,
            "deprivations": deprivations(codes, *codes[:deprived]),
            "on": on,
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["standard"], body["status"], body["deprivation_count"]) == expected


def test_self_assessment_stores_nothing(client: TestClient) -> None:
    before = client.get("/health").json()["position"]
    answer = client.post(
        "/self-assessment",
        json={"area": "rural", "income_per_capita": 1_000_000, "deprivations": deprivations(ND07)},
    )
    assert answer.status_code == 200
    assert answer.json()["standard"] in ("nd-07-2021", "std-2027-2030")
    assert client.get("/health").json()["position"] == before


# Reference, health and documentation --------------------------------------------------------


def test_reference_units_list_a_units_children_and_default_to_the_province(
    client: TestClient,
) -> None:
    province = client.get("/reference/units")
    assert province.status_code == 200
    assert [unit["code"] for unit in province.json()["items"]] == ["19"]
    assert province.json()["items"][0]["level"] == "province"

    districts = client.get("/reference/units", params={"parent": "19"}).json()["items"]
    assert len(districts) == 9
    assert {unit["level"] for unit in districts} == {"district"}

    communes = client.get("/reference/units", params={"parent": "164"}).json()["items"]
    assert communes
    assert {unit["level"] for unit in communes} == {"commune"}
    assert {unit["parent_code"] for unit in communes} == {"164"}
    by_code = {unit["code"]: unit for unit in communes}
    assert by_code[QUAN_TRIEU]["area"] == "urban"
    assert by_code[PHUC_HA]["area"] == "rural"

    all_communes = [
        commune
        for district in districts
        for commune in client.get("/reference/units", params={"parent": district["code"]}).json()[
            "items"
        ]
    ]
    assert len(all_communes) == 178


def test_reference_support_types_and_standards_are_the_domain_catalogue(
    client: TestClient,
) -> None:
    types = client.get("/reference/support-types")
    assert types.status_code == 200
    by_code = {item["code"]: item for item in types.json()["items"]}
    assert set(by_code) == SUPPORT_TYPES
    assert by_code["vocational_training"]["programme_line"] == "DA4.TDA1"
    assert by_code["employment_support"]["programme_line"] == "DA4.TDA3"
    assert by_code["health_insurance"]["newly_escaped_eligible"] is False

    standards = client.get("/reference/standards")
    assert standards.status_code == 200
    by_id = {item["id"]: item for item in standards.json()["items"]}
    assert set(by_id) == {"qd-59-2015", "nd-07-2021", "std-2027-2030"}
    assert by_id["nd-07-2021"]["income_line"] == {"rural": 1_500_000, "urban": 2_000_000}
    assert by_id["nd-07-2021"]["average_ceiling"] == {"rural": 2_250_000, "urban": 3_000_000}
    assert by_id["std-2027-2030"]["income_line"] == {"rural": 2_200_000, "urban": 2_800_000}
    assert by_id["qd-59-2015"]["indicators"] == list(QD59)
    assert by_id["nd-07-2021"]["indicators"] == list(ND07)


def test_health_reports_ok_with_the_database_and_projections(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["database"] in ("sqlite", "postgresql")
    assert isinstance(body["projections"], dict)


def test_the_api_documentation_loads(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]

    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in (
        "/households",
        "/households/{household_id}",
        "/households/{household_id}/members",
        "/households/{household_id}/members/{member_id}/departure",
        "/households/{household_id}/members/{member_id}/corrections",
        "/households/{household_id}/surveys",
        "/households/{household_id}/recognitions",
        "/households/{household_id}/supports",
        "/households/{household_id}/supports/{support_id}/reversal",
        "/households/{household_id}/history",
        "/self-assessment",
        "/reference/units",
        "/reference/support-types",
        "/reference/standards",
        "/health",
    ):
        assert path in paths, path
