"""Bad input is refused with a problem+json answer, and the case file does not move.

Each case reads the household (its version and whole history) and the log position before and
after the refused request; contract.md fixes the status and ``code`` of each refusal.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.deprivation_codes import ND07, QD59
from tests.support import assert_problem

PHUC_HA = "05485"  # a xã (rural)
WRITER = {"X-Actor": "canbo.phucha"}
REGISTERED_ON = "2022-01-10"

FUTURE = "2099-01-01"
UNKNOWN_ID = "5b0c7e1e-0000-4000-8000-000000000000"


def deprivations(codes: tuple[str, ...], *deprived: str) -> dict[str, bool]:
    return {code: code in deprived for code in codes}


def member(name: str, birth_date: str, relation: str, sex: str = "male") -> dict[str, Any]:
    return {
        "name": name,
        "birth_date": birth_date,
        "sex": sex,
        "ethnicity": "07",
        "relation": relation,
    }


def registration(code: str = "PH-0100", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "commune_code": PHUC_HA,
        "village": "Xóm Na Ri",
        "registered_on": REGISTERED_ON,
        "members": [member("Triệu Văn Sơn", "1976-02-02", "head")],
        **overrides,
    }


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(path, json=body, headers=WRITER)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


@dataclass
class CaseFile:
    """A household with members who join and leave, a survey, recognitions and supports."""

    id: str
    code: str
    head: str
    spouse: str  # left on 2023-03-01
    child: str  # born 2015
    baby: str  # joined (born) on 2023-06-01
    support: str  # agricultural_production, 2022-07-01
    reversed_support: str  # reversed already


@pytest.fixture
def case_file(client: TestClient) -> CaseFile:
    created = post(
        client,
        "/households",
        registration(
            members=[
                member("Triệu Văn Sơn", "1976-02-02", "head"),
                member("Bàn Thị Lan", "1979-05-05", "spouse", sex="female"),
                member("Triệu Văn Hải", "2015-08-08", "child"),
            ]
        ),
    )
    hid = created["id"]
    ids = {m["relation"]: m["member_id"] for m in created["members"]}
    baby = post(
        client,
        f"/households/{hid}/members",
        {**member("Triệu Thị Hoa", "2023-05-20", "child", sex="female"), "joined_on": "2023-06-01"},
    )
    post(
        client,
        f"/households/{hid}/members/{ids['spouse']}/departure",
        {"left_on": "2023-03-01", "reason": "moved to Bắc Kạn"},
    )
    post(
        client,
        f"/households/{hid}/surveys",
        {
            "surveyed_on": "2022-03-01",
            "review": "regular",
            "income_per_capita": 1_100_000,
            "deprivations": deprivations(ND07, "employment", "sanitation", "housing_area"),
        },
    )
    post(
        client,
        f"/households/{hid}/recognitions",
        {"status": "poor", "decided_on": "2022-06-01", "decision_no": "88/QĐ-UBND"},
    )
    given = post(
        client,
        f"/households/{hid}/supports",
        {"support_type": "agricultural_production", "provided_on": "2022-07-01"},
    )
    mistaken = post(
        client,
        f"/households/{hid}/supports",
        {"support_type": "information_access", "provided_on": "2022-07-02"},
    )
    post(
        client,
        f"/households/{hid}/supports/{mistaken['support_id']}/reversal",
        {"reversed_on": "2022-07-03", "reason": "recorded on the wrong household"},
    )
    return CaseFile(
        id=hid,
        code=created["code"],
        head=ids["head"],
        spouse=ids["spouse"],
        child=ids["child"],
        baby=baby["member_id"],
        support=given["support_id"],
        reversed_support=mistaken["support_id"],
    )


def state(client: TestClient, case_file: CaseFile) -> tuple[Any, ...]:
    """Everything a refused write must leave unchanged."""
    household = client.get(f"/households/{case_file.id}", params={"as_of": "2024-01-01"})
    history = client.get(f"/households/{case_file.id}/history")
    assert household.status_code == 200 and history.status_code == 200
    return household.json(), history.json(), log_position(client)


def log_position(client: TestClient) -> int:
    position: int = client.get("/health").json()["position"]
    return position


def fill(value: Any, case_file: CaseFile) -> Any:
    """Puts the case file's ids into a table entry's placeholders."""
    if isinstance(value, str):
        return value.format(**vars(case_file))
    if isinstance(value, dict):
        return {k: fill(v, case_file) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, case_file) for v in value]
    return value


# Writes on an existing household ------------------------------------------------------------

SURVEY: dict[str, Any] = {
    "surveyed_on": "2023-10-01",
    "review": "annual",
    "income_per_capita": 1_200_000,
    "deprivations": deprivations(ND07, "employment"),
}
RECOGNITION: dict[str, Any] = {
    "status": "near_poor",
    "decided_on": "2023-12-01",
    "decision_no": "9/QĐ-UBND",
}
SUPPORT: dict[str, Any] = {"support_type": "agricultural_production", "provided_on": "2023-07-01"}
JOINING: dict[str, Any] = {
    **member("Triệu Văn Bình", "1950-01-01", "parent"),
    "joined_on": "2023-02-01",
}
SURVEYS = "/households/{id}/surveys"
RECOGNITIONS = "/households/{id}/recognitions"
SUPPORTS = "/households/{id}/supports"
MEMBERS = "/households/{id}/members"


def without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != field}


HOUSEHOLD_WRITE_CASES: list[tuple[Any, ...]] = [
    # Surveys --------------------------------------------------------------------------------
    ("survey on an impossible date", SURVEYS, {**SURVEY, "surveyed_on": "2023-02-30"},
     422, "validation_error", "surveyed_on"),
    ("survey in the future", SURVEYS, {**SURVEY, "surveyed_on": FUTURE},
     422, "validation_error", "surveyed_on"),
    ("negative income", SURVEYS, {**SURVEY, "income_per_capita": -1},
     422, "validation_error", "income_per_capita"),
    ("income as a float", SURVEYS, {**SURVEY, "income_per_capita": 1_200_000.0},
     422, "validation_error", "income_per_capita"),
    ("income with decimals", SURVEYS, {**SURVEY, "income_per_capita": 1_200_000.5},
     422, "validation_error", "income_per_capita"),
    ("income as a string", SURVEYS, {**SURVEY, "income_per_capita": "1200000"},
     422, "validation_error", "income_per_capita"),
    ("unknown deprivation code", SURVEYS,
     {**SURVEY, "deprivations": {**SURVEY["deprivations"], "electricity": True}},
     422, "validation_error", "electricity"),
    ("a 2021 survey answering the nd-07 codes", SURVEYS,
     {**SURVEY, "surveyed_on": "2021-10-01"},
     422, "validation_error", "deprivations"),
    ("a 2021 survey missing health_access", SURVEYS,
     {**SURVEY, "surveyed_on": "2021-10-01",
      "deprivations": without(deprivations(QD59), "health_access")},
     422, "validation_error", "health_access"),
    ("a 2023 survey missing employment", SURVEYS,
     {**SURVEY, "deprivations": without(deprivations(ND07), "employment")},
     422, "validation_error", "employment"),
    ("a deprivation answered with a string", SURVEYS,
     {**SURVEY, "deprivations": {**SURVEY["deprivations"], "sanitation": "yes"}},
     422, "validation_error", "deprivations"),
    ("unknown review kind", SURVEYS, {**SURVEY, "review": "monthly"},
     422, "validation_error", "review"),
    ("unknown field in a survey", SURVEYS, {**SURVEY, "enumerator": "Bàn Văn A"},
     422, "validation_error", "enumerator"),
    # Recognitions ---------------------------------------------------------------------------
    ("unknown status", RECOGNITIONS, {**RECOGNITION, "status": "very_poor"},
     422, "validation_error", "status"),
    ("recognition in the future", RECOGNITIONS, {**RECOGNITION, "decided_on": FUTURE},
     422, "validation_error", "decided_on"),
    ("recognition on an impossible date", RECOGNITIONS,
     {**RECOGNITION, "decided_on": "2023-13-01"}, 422, "validation_error", "decided_on"),
    ("recognition without its decision number", RECOGNITIONS,
     without(RECOGNITION, "decision_no"), 422, "validation_error", "decision_no"),
    ("recognition with a blank decision number", RECOGNITIONS,
     {**RECOGNITION, "decision_no": "   "}, 422, "validation_error", "decision_no"),
    # Members --------------------------------------------------------------------------------
    ("a second head joining", MEMBERS, {**JOINING, "relation": "head"},
     422, "rule_violation", "relation"),
    ("a member born after joining", MEMBERS, {**JOINING, "birth_date": "2023-03-01"},
     422, "validation_error", "birth_date"),
    ("a member joining before registration", MEMBERS, {**JOINING, "joined_on": "2021-12-31"},
     422, "rule_violation", "joined_on"),
    ("a member joining in the future", MEMBERS, {**JOINING, "joined_on": FUTURE},
     422, "validation_error", "joined_on"),
    ("a member joining on an impossible date", MEMBERS, {**JOINING, "joined_on": "2023-02-29"},
     422, "validation_error", "joined_on"),
    ("unknown ethnicity code", MEMBERS, {**JOINING, "ethnicity": "56"},
     422, "validation_error", "ethnicity"),
    ("unknown relation", MEMBERS, {**JOINING, "relation": "lodger"},
     422, "validation_error", "relation"),
    ("national id of 9 digits", MEMBERS, {**JOINING, "national_id": "019075001"},
     422, "validation_error", "national_id"),
    ("unknown sex", MEMBERS, {**JOINING, "sex": "x"}, 422, "validation_error", "sex"),
    ("a disability flag as a string", MEMBERS, {**JOINING, "disability": "yes"},
     422, "validation_error", "disability"),
    ("unknown field on a member", MEMBERS, {**JOINING, "nickname": "Bin"},
     422, "validation_error", "nickname"),
    # Departures -----------------------------------------------------------------------------
    ("leaving before joining", "/households/{id}/members/{baby}/departure",
     {"left_on": "2023-05-01", "reason": "moved"}, 422, "rule_violation", "left_on"),
    ("leaving in the future", "/households/{id}/members/{child}/departure",
     {"left_on": FUTURE, "reason": "moving"}, 422, "validation_error", "left_on"),
    ("leaving twice", "/households/{id}/members/{spouse}/departure",
     {"left_on": "2023-09-01", "reason": "moved again"}, 422, "rule_violation", "member_id"),
    ("an unknown member leaving", "/households/{id}/members/" + UNKNOWN_ID + "/departure",
     {"left_on": "2023-09-01", "reason": "moved"}, 404, "not_found", None),
    # Corrections ----------------------------------------------------------------------------
    ("a correction without a reason", "/households/{id}/members/{child}/corrections",
     {"name": "Triệu Văn Hài"}, 422, "validation_error", "reason"),
    ("a correction of nothing", "/households/{id}/members/{child}/corrections",
     {"reason": "typo"}, 422, "validation_error", None),
    ("a correction of joined_on", "/households/{id}/members/{child}/corrections",
     {"joined_on": "2022-02-01", "reason": "typo"}, 422, "validation_error", "joined_on"),
    ("a correction making a second head", "/households/{id}/members/{child}/corrections",
     {"relation": "head", "reason": "typo"}, 422, "rule_violation", "relation"),
    ("a correction of an unknown member", "/households/{id}/members/" + UNKNOWN_ID
     + "/corrections", {"name": "Triệu Văn Hài", "reason": "typo"},
     404, "not_found", None),
    ("a corrected birth date after the member joined",
     "/households/{id}/members/{child}/corrections", {"birth_date": "2022-06-01", "reason": "typo"},
     422, "validation_error", "birth_date"),
    ("a corrected birth date in the future",
     "/households/{id}/members/{child}/corrections", {"birth_date": FUTURE, "reason": "typo"},
     422, "validation_error", "birth_date"),
    ("a correction clearing the name", "/households/{id}/members/{child}/corrections",
     {"name": None, "reason": "typo"}, 422, "validation_error", "name"),
    ("a correction clearing the birth date", "/households/{id}/members/{child}/corrections",
     {"birth_date": None, "reason": "typo"}, 422, "validation_error", "birth_date"),
    ("a corrected ethnicity code that does not exist",
     "/households/{id}/members/{child}/corrections", {"ethnicity": "00", "reason": "typo"},
     422, "validation_error", "ethnicity"),
    # Supports -------------------------------------------------------------------------------
    ("unknown support type", SUPPORTS, {**SUPPORT, "support_type": "cash_transfer"},
     422, "validation_error", "support_type"),
    ("support in the future", SUPPORTS, {**SUPPORT, "provided_on": FUTURE},
     422, "validation_error", "provided_on"),
    ("support on an impossible date", SUPPORTS, {**SUPPORT, "provided_on": "2023-02-29"},
     422, "validation_error", "provided_on"),
    ("a member who joined later", SUPPORTS,
     {"support_type": "nutrition", "provided_on": "2023-05-31", "member_id": "{baby}"},
     422, "rule_violation", "member_id"),
    ("a member who left earlier", SUPPORTS,
     {"support_type": "vocational_training", "provided_on": "2023-03-01",
      "member_id": "{spouse}"}, 422, "rule_violation", "member_id"),
    ("an unknown member", SUPPORTS, {**SUPPORT, "member_id": UNKNOWN_ID},
     422, "rule_violation", "member_id"),
    ("a personal support without its member", SUPPORTS,
     {"support_type": "nutrition", "provided_on": "2023-07-01"},
     422, "validation_error", "member_id"),
    ("a livelihood model support without its model", SUPPORTS,
     {"support_type": "livelihood_model", "provided_on": "2023-07-01"},
     422, "validation_error", "model"),
    ("money without an allocation", SUPPORTS, {**SUPPORT, "amount": 3_000_000},
     422, "validation_error", "allocation_id"),
    ("money from an unknown allocation", SUPPORTS,
     {**SUPPORT, "amount": 3_000_000, "allocation_id": UNKNOWN_ID},
     422, "rule_violation", "allocation_id"),
    ("money as a float", SUPPORTS,
     {**SUPPORT, "amount": 3_000_000.0, "allocation_id": UNKNOWN_ID},
     422, "validation_error", "amount"),
    ("money with decimals", SUPPORTS,
     {**SUPPORT, "amount": 2_999_999.5, "allocation_id": UNKNOWN_ID},
     422, "validation_error", "amount"),
    ("negative money", SUPPORTS, {**SUPPORT, "amount": -5, "allocation_id": UNKNOWN_ID},
     422, "validation_error", "amount"),
    ("a quantity without its unit", SUPPORTS, {**SUPPORT, "quantity": 2},
     422, "validation_error", "unit"),
    ("a certificate on a support that has none", SUPPORTS, {**SUPPORT, "certified": True},
     422, "validation_error", "certified"),
    ("unknown field in a support", SUPPORTS, {**SUPPORT, "voucher": "V-1"},
     422, "validation_error", "voucher"),
    ("nutrition for a member aged 16 or over", SUPPORTS,
     {"support_type": "nutrition", "provided_on": "2023-07-01", "member_id": "{head}"},
     422, "not_eligible", None),
    ("vocational training for a member under 15", SUPPORTS,
     {"support_type": "vocational_training", "provided_on": "2023-07-01",
      "member_id": "{child}"}, 422, "not_eligible", None),
    ("a support the household may not receive", SUPPORTS,
     {"support_type": "health_insurance", "provided_on": "2022-05-31"},
     422, "not_eligible", None),
    ("housing before the household was recognised poor",
     SUPPORTS, {"support_type": "housing", "provided_on": "2022-05-01"},
     422, "not_eligible", None),
    # Reversals ------------------------------------------------------------------------------
    ("reversal of an unknown support", "/households/{id}/supports/" + UNKNOWN_ID + "/reversal",
     {"reversed_on": "2023-01-01", "reason": "mistake"}, 404, "not_found", None),
    ("a second reversal", "/households/{id}/supports/{reversed_support}/reversal",
     {"reversed_on": "2023-01-01", "reason": "mistake"}, 422, "rule_violation", "support_id"),
    ("reversal without a reason", "/households/{id}/supports/{support}/reversal",
     {"reversed_on": "2023-01-01"}, 422, "validation_error", "reason"),
    ("reversal before the support was provided", "/households/{id}/supports/{support}/reversal",
     {"reversed_on": "2022-06-30", "reason": "mistake"}, 422, "rule_violation", "reversed_on"),
    ("reversal in the future", "/households/{id}/supports/{support}/reversal",
     {"reversed_on": FUTURE, "reason": "mistake"}, 422, "validation_error", "reversed_on"),
    # Bounds (contract.md "Limits") ---------------------------------------------------------
    ("income above the money ceiling", SURVEYS, {**SURVEY, "income_per_capita": 10**12 + 1},
     422, "validation_error", "income_per_capita"),
    ("income of 2**63", SURVEYS, {**SURVEY, "income_per_capita": 2**63},
     422, "validation_error", "income_per_capita"),
    ("a survey before 1900", SURVEYS, {**SURVEY, "surveyed_on": "1899-12-31"},
     422, "validation_error", "surveyed_on"),
    ("a recognition in year 1", RECOGNITIONS, {**RECOGNITION, "decided_on": "0001-01-01"},
     422, "validation_error", "decided_on"),
    ("a NUL in a joining member's name", MEMBERS, {**JOINING, "name": "Triệu\u0000Văn Bình"},
     422, "validation_error", "name"),
    ("a line break in a joining member's name", MEMBERS,
     {**JOINING, "name": "Triệu Văn\nBình"}, 422, "validation_error", "name"),
    ("a name of 201 characters", MEMBERS, {**JOINING, "name": "B" * 201},
     422, "validation_error", "name"),
    ("a member born before 1900", MEMBERS, {**JOINING, "birth_date": "1899-12-31"},
     422, "validation_error", "birth_date"),
    ("a control character in a reason", "/households/{id}/members/{child}/departure",
     {"left_on": "2023-09-01", "reason": "moved\u001b[2J"}, 422, "validation_error", "reason"),
    ("a reason of 2,001 characters", "/households/{id}/members/{child}/departure",
     {"left_on": "2023-09-01", "reason": "r" * 2001}, 422, "validation_error", "reason"),
    ("a control character in evidence", SURVEYS, {**SURVEY, "evidence": "phiếu\u007f"},
     422, "validation_error", "evidence"),
    ("a corrected name with a NUL", "/households/{id}/members/{child}/corrections",
     {"name": "Triệu\u0000Hải", "reason": "typo"}, 422, "validation_error", "name"),
    ("support money above the ceiling", SUPPORTS,
     {**SUPPORT, "amount": 10**12 + 1, "allocation_id": UNKNOWN_ID},
     422, "validation_error", "amount"),
    ("an enormous quantity", SUPPORTS, {**SUPPORT, "quantity": 1e300, "unit": "kg"},
     422, "validation_error", "quantity"),
    ("a control character in a support's model", SUPPORTS,
     {"support_type": "livelihood_model", "provided_on": "2023-07-01", "model": "bò\u0000"},
     422, "validation_error", "model"),
    ("a reversal dated in year 9999", "/households/{id}/supports/{support}/reversal",
     {"reversed_on": "9999-12-31", "reason": "mistake"}, 422, "validation_error", "reversed_on"),
    ("a negative expected_version", SURVEYS, {**SURVEY, "expected_version": -1},
     422, "validation_error", "expected_version"),
    # Concurrency ----------------------------------------------------------------------------
    ("a stale expected_version", SURVEYS, {**SURVEY, "expected_version": 3},
     409, "conflict", None),
    ("an expected_version from the future", RECOGNITIONS,
     {**RECOGNITION, "expected_version": 99}, 409, "conflict", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "field"),
    [pytest.param(*case[1:6], id=case[0], marks=case[6:]) for case in HOUSEHOLD_WRITE_CASES],
)
def test_a_refused_write_answers_a_problem_and_leaves_the_household_unchanged(
    client: TestClient,
    case_file: CaseFile,
    path: str,
    body: dict[str, Any],
    status: int,
    code: str,
    field: str | None,
) -> None:
    before = state(client, case_file)

    answer = client.post(fill(path, case_file), json=fill(body, case_file), headers=WRITER)

    assert_problem(answer, status, code, field)
    assert state(client, case_file) == before


def test_an_ineligible_support_says_why(client: TestClient, case_file: CaseFile) -> None:
    before = state(client, case_file)

    answer = client.post(
        f"/households/{case_file.id}/supports",
        json={"support_type": "health_insurance", "provided_on": "2022-05-31"},
        headers=WRITER,
    )

    body = assert_problem(answer, 422, "not_eligible")
    assert "health_insurance" in body["detail"]
    assert "2022-05-31" in body["detail"]
    assert state(client, case_file) == before


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": ""}, id="no token"),
        pytest.param({"Authorization": "Bearer not.a.token"}, id="a forged token"),
        pytest.param({"Authorization": "Basic YWRtaW46YWRtaW4="}, id="another scheme"),
    ],
)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param(SURVEYS, SURVEY, id="survey"),
        pytest.param(RECOGNITIONS, RECOGNITION, id="recognition"),
        pytest.param(SUPPORTS, SUPPORT, id="support"),
        pytest.param(MEMBERS, JOINING, id="member"),
        pytest.param(
            "/households/{id}/supports/{support}/reversal",
            {"reversed_on": "2023-01-01", "reason": "mistake"},
            id="reversal",
        ),
        pytest.param(
            "/households/{id}/members/{child}/corrections",
            {"name": "Triệu Văn Hài", "reason": "typo"},
            id="correction",
        ),
    ],
)
def test_a_write_without_a_valid_token_is_refused(
    client: TestClient,
    case_file: CaseFile,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
) -> None:
    before = state(client, case_file)

    answer = client.post(fill(path, case_file), json=fill(body, case_file), headers=headers)

    assert_problem(answer, 401, "unauthorized")
    assert answer.headers["www-authenticate"] == "Bearer"
    assert state(client, case_file) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/households/{unknown}", None),
        ("get", "/households/{unknown}/history", None),
        ("post", "/households/{unknown}/surveys", SURVEY),
        ("post", "/households/{unknown}/recognitions", RECOGNITION),
        ("post", "/households/{unknown}/supports", SUPPORT),
        ("post", "/households/{unknown}/members", JOINING),
        ("post", "/households/{unknown}/members/{child}/departure", {"left_on": "2023-01-01"}),
        (
            "post",
            "/households/{unknown}/members/{child}/corrections",
            {"name": "Triệu Văn Hài", "reason": "typo"},
        ),
        (
            "post",
            "/households/{unknown}/supports/{support}/reversal",
            {"reversed_on": "2023-01-01", "reason": "mistake"},
        ),
    ],
)
def test_an_unknown_household_in_the_path_is_not_found(
    client: TestClient, case_file: CaseFile, method: str, path: str, body: dict[str, Any] | None
) -> None:
    before = state(client, case_file)
    url = path.format(unknown=uuid.uuid4(), child=case_file.child, support=case_file.support)

    answer = client.get(url) if method == "get" else client.post(url, json=body, headers=WRITER)

    assert_problem(answer, 404, "not_found")
    assert state(client, case_file) == before


def test_a_household_of_fifty_members_takes_no_fifty_first(
    client: TestClient, case_file: CaseFile
) -> None:
    # Three members are present (head, child, baby: the spouse left); fill it to the ceiling.
    for n in range(47):
        post(
            client,
            f"/households/{case_file.id}/members",
            {**member(f"Triệu Văn {n}", "2000-01-01", "child"), "joined_on": "2023-07-01"},
        )
    before = state(client, case_file)

    answer = client.post(f"/households/{case_file.id}/members", json=JOINING, headers=WRITER)

    assert_problem(answer, 422, "rule_violation", "members")
    assert state(client, case_file) == before
    post(
        client,
        f"/households/{case_file.id}/members/{case_file.child}/departure",
        {"left_on": "2023-09-01", "reason": "married out"},
    )
    post(client, f"/households/{case_file.id}/members", JOINING)


def test_a_household_of_fifty_members_may_be_registered(client: TestClient) -> None:
    members = [
        member("Triệu Văn Sơn", "1976-02-02", "head"),
        *(member(f"Triệu Văn {n}", "2000-01-01", "child") for n in range(49)),
    ]

    created = post(client, "/households", registration(code="PH-0050", members=members))

    assert len(created["members"]) == 50


READ_BOUNDS: list[tuple[Any, ...]] = [
    ("an offset beyond 64 bits", "/registers/poor", {"offset": "99999999999999999999"},
     "offset"),
    ("an offset above 10**9", "/registers/poor", {"offset": 10**9 + 1}, "offset"),
    ("a limit of 1001", "/registers/poor", {"limit": 1001}, "limit"),
    ("a limit of 0", "/registers/poor", {"limit": 0}, "limit"),
    ("a register known_at in 9999", "/registers/poor",
     {"known_at": "9999-12-31T23:59:59.999999-14:00"}, "known_at"),
    ("a register as_of in year 1", "/registers/near_poor", {"as_of": "0001-01-01"}, "as_of"),
    ("a summary as_of after 2100", "/registers/summary", {"as_of": "2101-01-01"}, "as_of"),
    ("movements from year 1 to 9999", "/reports/movements",
     {"from": "0001-01-01", "to": "9999-12-31"}, "from"),
    ("movements to 9999", "/reports/movements", {"from": "2024-01-01", "to": "9999-12-31"},
     "to"),
    ("movements by unit from 1899", "/reports/movements/by-unit",
     {"from": "1899-12-31", "to": "2024-12-31"}, "from"),
    ("a movement workbook to 2101", "/reports/movements.xlsx",
     {"from": "2024-01-01", "to": "2101-01-01"}, "to"),
    ("movements known_at in year 1", "/reports/movements",
     {"from": "2024-01-01", "to": "2024-12-31", "known_at": "0001-01-01T00:00:00+00:00"},
     "known_at"),
    ("deprivations as_of in 9999", "/reports/deprivations", {"as_of": "9999-12-31"}, "as_of"),
    ("a restatement reported in 9999", "/reports/restatement",
     {"reported_at": "9999-12-31T23:59:59-14:00"}, "reported_at"),
    ("a funds summary year beyond any column", "/funds/summary", {"fiscal_year": 2**70},
     "fiscal_year"),
    ("indicators of year 99999", "/indicators", {"year": 99999}, "year"),
    ("a dashboard of year 99999", "/dashboard", {"year": 99999}, "year"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "query", "field"), [pytest.param(*case[1:], id=case[0]) for case in READ_BOUNDS]
)
def test_a_read_query_out_of_bounds_is_a_validation_error(
    client: TestClient, path: str, query: dict[str, Any], field: str
) -> None:
    answer = client.get(path, params=query)

    assert_problem(answer, 422, "validation_error", field)


# Registration -------------------------------------------------------------------------------

REGISTRATION_CASES: list[tuple[Any, ...]] = [
    ("unknown commune", {"commune_code": "99999"}, 422, "rule_violation", "commune_code"),
    ("a district is not a commune", {"commune_code": "164"}, 422, "rule_violation",
     "commune_code"),
    ("the province is not a commune", {"commune_code": "19"}, 422, "rule_violation",
     "commune_code"),
    ("registration on an impossible date", {"registered_on": "2023-02-30"},
     422, "validation_error", "registered_on"),
    ("registration in the future", {"registered_on": FUTURE},
     422, "validation_error", "registered_on"),
    ("a member born after registration",
     {"members": [member("Triệu Văn Sơn", "2022-01-11", "head")]},
     422, "validation_error", "birth_date"),
    ("a birth date that does not exist",
     {"members": [member("Triệu Văn Sơn", "1976-02-30", "head")]},
     422, "validation_error", "birth_date"),
    ("two heads",
     {"members": [member("Triệu Văn Sơn", "1976-02-02", "head"),
                  member("Triệu Văn Núi", "1977-02-02", "head")]},
     422, "rule_violation", "members"),
    ("no head", {"members": [member("Triệu Văn Sơn", "1976-02-02", "spouse")]},
     422, "rule_violation", "members"),
    ("no members", {"members": []}, 422, "validation_error", "members"),
    ("unknown area", {"area": "suburban"}, 422, "validation_error", "area"),
    ("unknown field", {"hamlet": "Na Ri"}, 422, "validation_error", "hamlet"),
    ("a malformed code", {"code": "PH 0100!"}, 422, "validation_error", "code"),
    ("a blank village", {"village": "   "}, 422, "validation_error", "village"),
    ("missing commune", {"commune_code": None}, 422, "validation_error", "commune_code"),
    ("a NUL in the head's name",
     {"members": [member("Triệu\u0000Văn Sơn", "1976-02-02", "head")]},
     422, "validation_error", "name"),
    ("a control character in the village", {"village": "Xóm\tNa Ri"},
     422, "validation_error", "village"),
    ("a village of 201 characters", {"village": "X" * 201}, 422, "validation_error", "village"),
    ("registration before 1900", {"registered_on": "1899-12-31"},
     422, "validation_error", "registered_on"),
    ("51 members",
     {"members": [member("Triệu Văn Sơn", "1976-02-02", "head"),
                  *(member(f"Triệu Văn {n}", "2000-01-01", "child") for n in range(50))]},
     422, "validation_error", "members"),
    ("100,000 members",
     {"members": [member("Triệu Văn Sơn", "1976-02-02", "head"),
                  *(member("Triệu Văn Con", "2000-01-01", "child") for _ in range(99_999))]},
     422, "validation_error", "members"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [pytest.param(*case[1:], id=case[0]) for case in REGISTRATION_CASES],
)
def test_a_refused_registration_records_nothing(
    client: TestClient, overrides: dict[str, Any], status: int, code: str, field: str
) -> None:
    body = {**registration(code="PH-0200"), **overrides}
    if body["commune_code"] is None:
        del body["commune_code"]
    before = log_position(client)

    answer = client.post("/households", json=body, headers=WRITER)

    assert_problem(answer, status, code, field)
    assert log_position(client) == before
    assert client.get("/households", params={"code": body["code"]}).json() == {"items": []}


@pytest.mark.parametrize(
    "headers", [{"Authorization": ""}, {"Authorization": "Bearer x"}, {"X-Actor": "admin"}]
)
def test_a_registration_without_a_valid_token_records_nothing(
    client: TestClient, headers: dict[str, str]
) -> None:
    before = log_position(client)

    if "X-Actor" in headers:
        headers = {**headers, "Authorization": ""}  # X-Actor alone names nobody
    answer = client.post("/households", json=registration(code="PH-0300"), headers=headers)

    assert_problem(answer, 401, "unauthorized")
    assert log_position(client) == before
    assert client.get("/households", params={"code": "PH-0300"}).json() == {"items": []}


def test_a_duplicate_household_code_is_a_conflict(client: TestClient, case_file: CaseFile) -> None:
    before = state(client, case_file)

    answer = client.post(
        "/households",
        json=registration(code=case_file.code, commune_code="05431"),
        headers=WRITER,
    )

    assert_problem(answer, 409, "conflict")
    assert state(client, case_file) == before
    found = client.get("/households", params={"code": case_file.code}).json()["items"]
    assert [household["id"] for household in found] == [case_file.id]


# Reads --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param({"as_of": "2023-02-30"}, "as_of", id="impossible as_of"),
        pytest.param({"version": 0}, "version", id="version 0"),
        pytest.param({"version": 999}, "version", id="a version beyond the last"),
        pytest.param({"known_at": "yesterday"}, "known_at", id="known_at not a timestamp"),
        pytest.param(
            {"known_at": "2024-01-01T00:00:00"}, "known_at", id="known_at without a time zone"
        ),
        pytest.param(
            {"version": 2, "known_at": "2024-01-01T00:00:00+07:00"},
            "version",
            id="both version and known_at",
        ),
        pytest.param({"min_position": -1}, "min_position", id="negative min_position"),
        pytest.param({"as_of": "1899-12-31"}, "as_of", id="as_of before 1900"),
        pytest.param({"as_of": "2101-01-01"}, "as_of", id="as_of after 2100"),
        pytest.param(
            {"known_at": "9999-12-31T23:59:59.999999-14:00"}, "known_at", id="known_at in 9999"
        ),
        pytest.param(
            {"known_at": "0001-01-01T00:00:00+14:00"}, "known_at", id="known_at in year 1"
        ),
    ],
)
def test_a_bad_read_query_is_a_validation_error(
    client: TestClient, case_file: CaseFile, query: dict[str, Any], field: str
) -> None:
    answer = client.get(f"/households/{case_file.id}", params=query)

    assert_problem(answer, 422, "validation_error", field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {"area": "rural", "income_per_capita": 1_000_000.5, "deprivations": {}},
            "income_per_capita",
            id="money with decimals",
        ),
        pytest.param(
            {"area": "rural", "income_per_capita": -1, "deprivations": deprivations(ND07)},
            "income_per_capita",
            id="negative income",
        ),
        pytest.param(
            {"area": "hill", "income_per_capita": 1, "deprivations": deprivations(ND07)},
            "area",
            id="unknown area",
        ),
        pytest.param(
            {
                "area": "rural",
                "income_per_capita": 1,
                "deprivations": {**deprivations(ND07), "electricity": False},
                "on": "2023-01-01",
            },
            "electricity",
            id="unknown deprivation",
        ),
        pytest.param(
            {
                "area": "rural",
                "income_per_capita": 1,
                "deprivations": deprivations(ND07),
                "on": "2021-01-01",
            },
            "deprivations",
            id="deprivations of another standard",
        ),
        pytest.param(
            {
                "area": "rural",
                "income_per_capita": 1,
                "deprivations": deprivations(ND07),
                "on": "2031-01-01",
            },
            "on",
            id="no standard yet",
        ),
    ],
)
def test_a_bad_self_assessment_is_a_validation_error(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    before = log_position(client)

    answer = client.post("/self-assessment", json=body)

    assert_problem(answer, 422, "validation_error", field)
    assert log_position(client) == before


# The request itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"surveyed_on": "2023-10-01", "review": "\xff\xfe"}', id="not UTF-8"),
        pytest.param(b'{"surveyed_on": "2023-10-01", ', id="not JSON"),
    ],
)
def test_a_body_that_cannot_be_read_is_a_validation_error(
    client: TestClient, case_file: CaseFile, content: bytes
) -> None:
    before = state(client, case_file)

    answer = client.post(
        f"/households/{case_file.id}/surveys",
        content=content,
        headers={**WRITER, "Content-Type": "application/json"},
    )

    assert_problem(answer, 422, "validation_error", "body")
    assert state(client, case_file) == before


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/households", "GET, POST"),
        ("put", "/households/{id}", "GET"),
        ("get", "/households/{id}/surveys", "POST"),
        ("patch", "/allocations", "POST"),
    ],
)
def test_a_method_a_path_does_not_take_names_those_it_does(
    client: TestClient, case_file: CaseFile, method: str, path: str, allowed: str
) -> None:
    before = state(client, case_file)

    answer = client.request(method.upper(), path.format(id=case_file.id), headers=WRITER)

    assert_problem(answer, 405, "method_not_allowed")
    assert answer.headers["allow"] == allowed
    assert state(client, case_file) == before
