"""Who may do what, where: every operation for every role, areas at commune, district and province
level, tokens that expire or are withdrawn, the login throttle, and the acting user on each fact."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import ACCESS, api_routes, is_open
from domain.access import Role, may
from domain.units import PROVINCE_CODE
from infrastructure.container import Container
from infrastructure.credentials import Tokens
from tests.bodies import PHUC_HA, household_body
from tests.deprivation_codes import ND07
from tests.logins import TEST_PASSWORD, bearer

CITY = "164"  # Thành phố Thái Nguyên, the district of Phúc Hà
UC_KY = "05950"  # a commune of another district (173)
ALLOCATION = {
    "source": "local",
    "fiscal_year": 2025,
    "programme_line": "DA2",
    "unit_code": PHUC_HA,
    "amount": 40_000_000,
    "decision_no": "55/QĐ-UBND",
    "decided_on": "2025-01-20",
}
NOBODY = "00000000-0000-4000-8000-000000000000"


def no_token(client: TestClient) -> dict[str, str]:
    return {"Authorization": ""}


@pytest.fixture
def world(client: TestClient, container: Container) -> dict[str, str]:
    """Two households in two districts, an allocation in Phúc Hà (made as the province admin)."""
    inside = client.post("/households", json=household_body("PH-A001", PHUC_HA))
    outside = client.post("/households", json=household_body("UK-A001", UC_KY))
    made = client.post("/allocations", json=ALLOCATION)
    assert {inside.status_code, outside.status_code, made.status_code} == {201}, made.text
    return {
        "inside": inside.json()["id"],
        "outside": outside.json()["id"],
        "allocation": made.json()["allocation_id"],
    }


def concrete(path: str, world: dict[str, str]) -> str:
    values = {
        "household_id": world["inside"],
        "allocation_id": world["allocation"],
        "kind": "poor",
        "username": "nobody",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), NOBODY), path)


def send(client: TestClient, operation: str, world: dict[str, str], headers: dict[str, str]) -> Any:
    method, _, path = operation.partition(" ")
    url = concrete(path, world)
    if method == "GET":
        return client.get(url, headers=headers)
    return client.request(method, url, json={}, headers=headers)


def protected_operations(container: Container) -> list[str]:
    return sorted(op for op, _ in api_routes(create_app(container)) if not is_open(op))


def test_every_operation_answers_each_role_as_the_role_table_says(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    operations = protected_operations(container)
    assert len(operations) >= 45
    wrong = []
    for role in Role:
        headers = bearer(container, role)
        for operation in operations:
            needed = ACCESS[operation]
            allowed = needed is None or may(role, needed)
            answer = send(client, operation, world, headers)
            if allowed and answer.status_code in (401, 403):
                wrong.append(f"{role.value} {operation}: {answer.status_code} {answer.text}")
            if not allowed and (answer.status_code != 403 or answer.json()["code"] != "forbidden"):
                wrong.append(f"{role.value} {operation}: {answer.status_code}, not 403")
    assert wrong == []


def test_no_operation_but_the_open_ones_answers_without_a_valid_token(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    expired = Tokens(container.settings.token_key, lifetime_seconds=-60).issue("admin", 0)
    forged = Tokens(b"another-key-of-thirty-two-bytes-or-more", 600).issue("admin", 0)
    for operation in protected_operations(container):
        for headers in (no_token(client), {"Authorization": f"Bearer {expired}"},
                        {"Authorization": f"Bearer {forged}"}):  # fmt: skip
            answer = send(client, operation, world, headers)
            assert answer.status_code == 401, (operation, answer.text)
            assert answer.json()["code"] == "unauthorized"
            assert answer.headers["www-authenticate"] == "Bearer"
    for path in ("/health", "/docs", "/redoc", "/openapi.json", "/reference/units",
                 "/reference/support-types", "/reference/standards"):  # fmt: skip
        assert client.get(path, headers=no_token(client)).status_code == 200, path
    assessed = client.post(
        "/self-assessment",
        json={
            "area": "rural",
            "income_per_capita": 1_000_000,
            "deprivations": dict.fromkeys(ND07, False),
            "on": "2024-06-01",
        },
        headers=no_token(client),
    )
    assert assessed.status_code == 200, assessed.text


def test_the_openapi_document_asks_for_a_token_exactly_where_the_server_does(
    client: TestClient, container: Container
) -> None:
    document = client.get("/openapi.json").json()
    assert "OAuth2PasswordBearer" in document["components"]["securitySchemes"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            key = f"{method.upper()} {path}"
            assert ("security" in operation) == (not is_open(key)), key


def test_a_commune_caseworker_works_in_the_commune_and_sees_nothing_outside_it(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    caseworker = bearer(container, Role.CASEWORKER, PHUC_HA)
    auditor = bearer(container, Role.AUDITOR, PHUC_HA)
    inside, outside = world["inside"], world["outside"]

    assert client.get(f"/households/{inside}", headers=caseworker).status_code == 200
    registered = client.post(
        "/households", json=household_body("PH-A002", PHUC_HA), headers=caseworker
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["commune_code"] == PHUC_HA

    # Outside the commune a household does not exist, on every path, read or write.
    unknown = client.get(f"/households/{NOBODY}", headers=auditor).json()["detail"]
    household_paths = [op for op in ACCESS if "{household_id}" in op]
    assert len(household_paths) >= 15
    for operation in household_paths:
        role_headers = (
            auditor if operation.startswith("GET") else bearer(container, Role.ADMIN, PHUC_HA)
        )
        answer = send(client, operation, {**world, "inside": outside}, role_headers)
        assert answer.status_code == 404, (operation, answer.text)
        assert answer.json()["code"] == "not_found"
        assert answer.json()["detail"] == unknown.replace(NOBODY, outside)
    # Its code finds nothing, and registering there is forbidden.
    found = client.get("/households", params={"code": "UK-A001"}, headers=caseworker).json()
    assert found == {"items": []}
    assert (
        client.get("/households", params={"code": "PH-A001"}, headers=caseworker).json()["items"][
            0
        ]["id"]
        == inside
    )
    elsewhere = client.post(
        "/households", json=household_body("UK-A002", UC_KY), headers=caseworker
    )
    assert elsewhere.status_code == 403 and elsewhere.json()["code"] == "forbidden"
    assert client.get("/households", params={"code": "UK-A002"}).json() == {"items": []}


def test_a_district_analyst_sees_the_district_and_the_units_inside_it_only(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    analyst = bearer(container, Role.ANALYST, CITY)
    summary = client.get("/registers/summary", headers=analyst)
    assert summary.status_code == 200, summary.text
    assert summary.json()["area"] == CITY  # without area: the user's unit
    assert summary.json()["households"] == 1  # Phúc Hà's, not Úc Kỳ's
    assert (
        client.get("/registers/summary", params={"area": PHUC_HA}, headers=analyst).json()[
            "households"
        ]
        == 1
    )
    for path in ("/registers/summary", "/registers/average", "/indicators",
                 "/reports/movements", "/reports/movements.xlsx", "/indicators.xlsx"):  # fmt: skip
        for area in (PROVINCE_CODE, UC_KY, "173"):
            answer = client.get(path, params={"area": area}, headers=analyst)
            assert answer.status_code == 403, (path, area, answer.text)
            assert answer.json()["code"] == "forbidden"
    province = client.get("/registers/summary").json()
    assert province["households"] == 2  # the province admin sees both


def test_inspectors_and_finance_of_a_unit_see_its_money_only(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    uc_ky_inspector = bearer(container, Role.INSPECTOR, UC_KY)
    city_inspector = bearer(container, Role.INSPECTOR, CITY)
    allocation = world["allocation"]
    for path in (f"/allocations/{allocation}", f"/allocations/{allocation}/trace"):
        assert client.get(path, headers=city_inspector).status_code == 200
        hidden = client.get(path, headers=uc_ky_inspector)
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert client.get("/funds/summary", headers=uc_ky_inspector).json()["items"] == []
    assert client.get("/funds/summary", headers=city_inspector).json()["unit"] == CITY
    assert (
        client.get(
            "/inspections/findings", params={"unit": PROVINCE_CODE}, headers=city_inspector
        ).status_code
        == 403
    )
    finance = bearer(container, Role.FINANCE, UC_KY)
    refused = client.post("/allocations", json=ALLOCATION, headers=finance)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    made = client.post("/allocations", json={**ALLOCATION, "unit_code": UC_KY}, headers=finance)
    assert made.status_code == 201, made.text


def test_the_history_records_the_logged_in_user_whatever_x_actor_says(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    headers = {**bearer(container, Role.CASEWORKER, PHUC_HA, "canbo.phucha"), "X-Actor": "admin"}
    answer = client.post(
        f"/households/{world['inside']}/members",
        json={
            "name": "Hoàng Thị Mai",
            "birth_date": "2001-02-03",
            "sex": "female",
            "ethnicity": "02",
            "relation": "child",
            "joined_on": "2024-02-01",
        },  # fmt: skip
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    history = client.get(f"/households/{world['inside']}/history").json()["items"]
    assert [item["actor"] for item in history] == ["admin", "canbo.phucha"]


def test_a_token_stops_working_when_its_user_is_disabled_or_changes_password(
    client: TestClient, container: Container
) -> None:
    made = client.post(
        "/users",
        json={
            "username": "canbo.a",
            "password": TEST_PASSWORD,
            "role": "caseworker",
            "unit_code": PHUC_HA,
        },  # fmt: skip
    )
    assert made.status_code == 201, made.text
    assert made.json() == {"username": "canbo.a", "role": "caseworker", "unit_code": PHUC_HA,
                           "disabled": False}  # fmt: skip

    def token(password: str) -> Any:
        return client.post(
            "/auth/token", data={"username": "canbo.a", "password": password},
            headers=no_token(client),
        )  # fmt: skip

    issued = token(TEST_PASSWORD)
    assert issued.status_code == 200, issued.text
    assert issued.json()["token_type"] == "bearer" and issued.json()["expires_in"] == 1800
    first = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    me = client.get("/users/me", headers=first)
    assert me.json() == {"username": "canbo.a", "role": "caseworker", "unit_code": PHUC_HA,
                         "disabled": False}  # fmt: skip

    changed = client.post(
        "/users/canbo.a/password", json={"password": "another-password"}, headers=first
    )
    assert changed.status_code == 200, changed.text
    assert client.get("/users/me", headers=first).status_code == 401
    assert token(TEST_PASSWORD).status_code == 401
    second = {"Authorization": f"Bearer {token('another-password').json()['access_token']}"}
    assert client.get("/users/me", headers=second).status_code == 200

    assert client.post("/users/canbo.a/disable", json={"reason": "left"}).status_code == 200
    gone = client.get("/users/me", headers=second)
    assert gone.status_code == 401 and gone.headers["www-authenticate"] == "Bearer"
    refused = token("another-password")
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    history = client.get("/users/canbo.a/history").json()["items"]
    assert [item["type"] for item in history] == ["Created", "PasswordChanged", "Disabled"]
    assert [item["actor"] for item in history] == ["admin", "canbo.a", "admin"]
    assert all("password_hash" not in item["data"] for item in history)


def test_users_are_managed_by_admins_inside_their_unit(
    client: TestClient, container: Container
) -> None:
    commune_admin = bearer(container, Role.ADMIN, PHUC_HA)
    body = {"username": "canbo.b", "password": TEST_PASSWORD, "role": "caseworker"}
    assert (
        client.post(
            "/users", json={**body, "unit_code": PHUC_HA}, headers=commune_admin
        ).status_code
        == 201
    )
    above = client.post(
        "/users", json={**body, "username": "x", "unit_code": CITY}, headers=commune_admin
    )
    assert above.status_code == 403
    duplicate = client.post("/users", json={**body, "unit_code": PHUC_HA})
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "conflict"
    listed = {u["username"] for u in client.get("/users", headers=commune_admin).json()["items"]}
    assert listed == {"admin.05485", "canbo.b"}
    assert client.get("/users/admin", headers=commune_admin).status_code == 404
    analyst = bearer(container, Role.ANALYST)
    assert client.get("/users", headers=analyst).status_code == 403
    weak = client.post("/users", json={**body, "username": "canbo.c", "password": "short",
                                       "unit_code": PHUC_HA})  # fmt: skip
    assert weak.status_code == 422


def test_failed_logins_are_throttled_per_username_and_per_address(
    client: TestClient, container: Container
) -> None:
    container.users.add("canbo.d", TEST_PASSWORD, Role.CASEWORKER, PHUC_HA, "tests")

    def attempt(username: str, password: str) -> Any:
        return client.post(
            "/auth/token", data={"username": username, "password": password},
            headers=no_token(client),
        )  # fmt: skip

    for _ in range(5):
        assert attempt("canbo.d", "wrong-password").status_code == 401
    blocked = attempt("canbo.d", TEST_PASSWORD)  # even the right password, for a while
    assert blocked.status_code == 429, blocked.text
    assert blocked.json()["code"] == "too_many_attempts"
    assert int(blocked.headers["retry-after"]) > 0
    # From this address, failures on other names add up to the address's limit.
    for n in range(15):
        assert attempt(f"guess{n}", "wrong-password").status_code == 401
    assert attempt("someone-else", "wrong-password").status_code == 429


def test_a_database_without_users_says_how_to_make_the_first(container: Container) -> None:
    container.start_in_process_projections()
    with TestClient(create_app(container)) as fresh:
        answer = fresh.get("/registers/summary")
    assert answer.status_code == 401
    assert "giamngheo users add NAME --role admin" in answer.json()["detail"]
