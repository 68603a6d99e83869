"""The auditor's questions through the HTTP API only: "what did we know about this household on
date K about date D, who recorded it, on what evidence, and has anything been changed since".

Covers the history (summaries, actors, evidence, ``known_at``), the bitemporal household read,
recognition corrections and revocations as new facts, registers and reports restating past
dates while ``known_at`` reproduces what was reported, the restatement report, differences between
versions and moments, survey re-derivation and the household's complete file (JSON and HTML).
Every test runs on SQLite and on PostgreSQL (the ``client`` fixture).
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.deprivation_codes import ND07, QD59
from tests.logins import acting_as
from tests.support import assert_problem

PROVINCE = "19"
THAI_NGUYEN_CITY, PHU_BINH = "164", "173"
PHUC_HA = "05485"  # a xã of Thái Nguyên city: rural
BAN_DAT = "05911"  # a xã of Phú Bình: rural
COUNT_KEYS = ("households", "poor", "near_poor", "newly_escaped", "average")
HISTORY_KEYS = {
    "version",
    "summary",
    "type",
    "effective_on",
    "recorded_at",
    "actor",
    "reason",
    "evidence",
    "data",
}
RECORDED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$")


def flags(codes: tuple[str, ...], *deprived: str) -> dict[str, bool]:
    assert set(deprived) <= set(codes)
    return {code: code in deprived for code in codes}


class Office:
    """Writes through the API as named officials, remembering the last position written, and
    reads at least at that position."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.position = 0

    # Writes ---------------------------------------------------------------------------------

    def write(
        self, path: str, body: dict[str, Any], who: str, expected: int = 201
    ) -> dict[str, Any]:
        answer = self.client.post(path, json=body, headers=acting_as(self.client, who))
        assert answer.status_code == expected, answer.text
        result: dict[str, Any] = answer.json()
        self.position = max(self.position, result["position"])
        return result

    def register(
        self,
        code: str,
        commune: str = PHUC_HA,
        registered_on: str = "2021-01-10",
        who: str = "canbo.dangky",
        **notes: Any,
    ) -> dict[str, Any]:
        return self.write(
            "/households",
            {
                "code": code,
                "commune_code": commune,
                "village": "Xóm Đồng Kiệm",
                "registered_on": registered_on,
                "members": [
                    {
                        "name": "Hoàng Văn Thắng",
                        "birth_date": "1975-04-12",
                        "sex": "male",
                        "ethnicity": "02",
                        "relation": "head",
                        "national_id": "019075001234",
                    },
                    {
                        "name": "Lương Thị Hoa",
                        "birth_date": "1978-09-30",
                        "sex": "female",
                        "ethnicity": "02",
                        "relation": "spouse",
                    },
                ],
                **notes,
            },
            who,
        )

    def survey(
        self,
        household_id: str,
        surveyed_on: str,
        income: int,
        *deprived: str,
        who: str = "canbo.rasoat",
        **notes: Any,
    ) -> dict[str, Any]:
        codes = QD59 if surveyed_on < "2022" else ND07
        return self.write(
            f"/households/{household_id}/surveys",
            {
                "surveyed_on": surveyed_on,
                "review": "annual",
                "income_per_capita": income,
                "deprivations": flags(codes, *deprived),
                **notes,
            },
            who,
        )

    def recognise(
        self,
        household_id: str,
        status: str,
        decided_on: str,
        decision_no: str | None = None,
        who: str = "chutich.a",
        **notes: Any,
    ) -> dict[str, Any]:
        return self.write(
            f"/households/{household_id}/recognitions",
            {
                "status": status,
                "decided_on": decided_on,
                "decision_no": decision_no or f"{status}-{decided_on}/QĐ-UBND",
                **notes,
            },
            who,
        )

    def correct(
        self, household_id: str, recognition_id: str, who: str = "chutich.b", **body: Any
    ) -> dict[str, Any]:
        return self.write(
            f"/households/{household_id}/recognitions/{recognition_id}/correction",
            body,
            who,
            expected=200,
        )

    def revoke(
        self, household_id: str, recognition_id: str, who: str = "chutich.b", **body: Any
    ) -> dict[str, Any]:
        return self.write(
            f"/households/{household_id}/recognitions/{recognition_id}/revocation",
            body,
            who,
            expected=200,
        )

    # Reads ----------------------------------------------------------------------------------

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer = self.client.get(path, params={"min_position": self.position, **params})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def household(self, household_id: str, **params: Any) -> dict[str, Any]:
        return self.get(f"/households/{household_id}", **params)

    def history(self, household_id: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get(f"/households/{household_id}/history", **params)[
            "items"
        ]
        for item in items:
            assert set(item) == HISTORY_KEYS, item
            assert RECORDED_AT.match(item["recorded_at"]), item["recorded_at"]
            assert item["summary"].strip()
        return items

    def counts(self, **params: Any) -> dict[str, int]:
        body = self.get("/registers/summary", **params)
        return {name: body[name] for name in COUNT_KEYS}

    def register_ids(self, kind: str, **params: Any) -> set[str]:
        body = self.get(f"/registers/{kind}", **params)
        assert body["total"] == len(body["items"])
        return {item["household_id"] for item in body["items"]}


@pytest.fixture
def office(client: TestClient) -> Office:
    return Office(client)


def zero_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


# The history ----------------------------------------------------------------------------------


def test_every_history_item_says_what_happened_when_who_recorded_it_and_on_what_evidence(
    office: Office,
) -> None:
    created = office.register(
        "PH-A001", who="canbo.dangky", reason="new household", evidence="Đơn 12/2021"
    )
    hid = created["id"]
    office.survey(
        hid,
        "2021-10-01",
        650_000,
        "health_insurance",
        who="canbo.rasoat",
        reason="annual review 2021",
        evidence="Phiếu B 2021-017",
    )
    poor = office.recognise(hid, "poor", "2021-12-20", "125/QĐ-UBND", who="chutich.a")
    given = office.write(
        f"/households/{hid}/supports",
        {
            "support_type": "agricultural_production",
            "provided_on": "2022-03-15",
            "quantity": 2.5,
            "unit": "tạ giống lúa",
            "evidence": "BB-17/2022",
        },
        "canbo.hotro",
    )

    items = office.history(hid)

    assert [i["version"] for i in items] == [1, 2, 3, 4]
    assert [i["type"] for i in items] == [
        "household_registered",
        "survey_recorded",
        "recognition_recorded",
        "support_recorded",
    ]
    assert [i["actor"] for i in items] == [
        "canbo.dangky",
        "canbo.rasoat",
        "chutich.a",
        "canbo.hotro",
    ]
    assert [i["effective_on"] for i in items] == [
        "2021-01-10",
        "2021-10-01",
        "2021-12-20",
        "2022-03-15",
    ]
    assert [i["reason"] for i in items] == ["new household", "annual review 2021", None, None]
    # A recognition's evidence defaults to its decision number.
    assert [i["evidence"] for i in items] == [
        "Đơn 12/2021",
        "Phiếu B 2021-017",
        "125/QĐ-UBND",
        "BB-17/2022",
    ]
    recorded = [datetime.fromisoformat(i["recorded_at"]) for i in items]
    assert recorded == sorted(recorded)
    assert all(moment.tzinfo is not None for moment in recorded)

    summaries = [i["summary"] for i in items]
    assert "PH-A001" in summaries[0] and PHUC_HA in summaries[0] and "2 member" in summaries[0]
    assert "qd-59-2015" in summaries[1] and "650,000" in summaries[1]
    assert "poor" in summaries[2] and "125/QĐ-UBND" in summaries[2] and "2021-12-20" in summaries[2]
    assert "agricultural production" in summaries[3] and "2022-03-15" in summaries[3]
    assert items[2]["data"]["recognition_id"] == poor["recognition_id"]
    assert items[3]["data"]["support_id"] == given["support_id"]


def test_history_known_at_keeps_only_the_facts_recorded_up_to_and_including_that_moment(
    office: Office, client: TestClient
) -> None:
    hid = office.register("PH-A002")["id"]
    office.survey(hid, "2022-10-01", 1_200_000, "employment", "health_insurance", "sanitation")
    office.recognise(hid, "poor", "2022-12-20")
    office.recognise(hid, "near_poor", "2024-02-29")
    everything = office.history(hid)
    assert len(everything) == 4

    for count in range(1, 5):
        moment = everything[count - 1]["recorded_at"]
        known = office.history(hid, known_at=moment)
        assert known == everything[:count]

    # A moment given with a "+" left unencoded arrives as a space: still understood.
    second = everything[1]["recorded_at"]
    raw = client.get(f"/households/{hid}/history?known_at={second}")
    assert raw.status_code == 200, raw.text
    assert raw.json()["items"] == everything[:2]

    assert office.history(hid, known_at="2000-01-01T00:00:00+00:00") == []
    assert_problem(
        client.get(f"/households/{hid}/history", params={"known_at": "yesterday"}),
        422,
        "validation_error",
    )
    assert_problem(
        client.get(f"/households/{hid}/history", params={"known_at": "2024-01-01T00:00:00"}),
        422,
        "validation_error",
    )
    assert_problem(
        client.get("/households/8d1c5bb0-6a56-4a55-9d0e-6c2b8a1f0c11/history"), 404, "not_found"
    )


# The auditor's question ---------------------------------------------------------------------


def test_what_was_known_at_k_about_date_d_who_recorded_it_on_what_evidence_and_what_changed_since(
    office: Office,
) -> None:
    hid = office.register("PH-A003", who="canbo.dangky", evidence="Đơn 7/2021")["id"]
    office.survey(
        hid, "2021-10-01", 650_000, "health_insurance", who="canbo.rasoat", evidence="Phiếu B 88"
    )
    poor = office.recognise(hid, "poor", "2021-12-20", "125/QĐ-UBND", who="chutich.a")
    known_then = office.history(hid)[-1]["recorded_at"]  # K: the moment of the report

    corrected = office.correct(
        hid,
        poor["recognition_id"],
        who="chutich.b",
        status="near_poor",
        reason="status entered wrongly; the decision recognised near-poverty",
        evidence="CV 44/UBND-LĐTBXH",
    )
    assert corrected["recognition_id"] == poor["recognition_id"]
    assert corrected["position"] > poor["position"]

    # What we knew at K about D = 2022-06-01.
    then = office.household(hid, as_of="2022-06-01", known_at=known_then)
    assert (then["status"], then["status_since"], then["version"]) == ("poor", "2021-12-20", 3)
    # What we know now about the same date.
    now = office.household(hid, as_of="2022-06-01")
    assert (now["status"], now["status_since"], now["version"]) == ("near_poor", "2021-12-20", 4)
    # Before the decision date the household was not poor, whatever the moment.
    assert office.household(hid, as_of="2021-12-19", known_at=known_then)["status"] == "none"

    # Who recorded what was known at K, and on what evidence.
    up_to_then = office.history(hid, known_at=known_then)
    assert [i["version"] for i in up_to_then] == [1, 2, 3]
    decision = up_to_then[-1]
    assert decision["type"] == "recognition_recorded"
    assert (decision["actor"], decision["evidence"]) == ("chutich.a", "125/QĐ-UBND")
    assert decision["effective_on"] == "2021-12-20"
    assert decision["data"]["status"] == "poor"
    assert (up_to_then[1]["actor"], up_to_then[1]["evidence"]) == ("canbo.rasoat", "Phiếu B 88")

    # Has anything been changed since? One new fact, by someone else, with its reason.
    full = office.history(hid)
    assert full[:3] == up_to_then  # nothing already recorded was edited
    since = [i for i in full if i["recorded_at"] > known_then]
    assert len(since) == 1
    change = since[0]
    assert change["type"] == "recognition_corrected"
    assert change["actor"] == "chutich.b"
    assert change["reason"] == "status entered wrongly; the decision recognised near-poverty"
    assert change["evidence"] == "CV 44/UBND-LĐTBXH"
    assert change["data"]["recognition_id"] == poor["recognition_id"]
    assert change["data"]["status"] == "near_poor"
    assert "near-poor" in change["summary"] and "125/QĐ-UBND" in change["summary"]

    diff = office.get(f"/households/{hid}/diff", from_known_at=known_then, as_of="2022-06-01")
    assert (diff["from_version"], diff["to_version"]) == (3, 4)
    assert diff["changes"] == [
        {
            "path": ["recognitions", poor["recognition_id"], "status"],
            "change": "changed",
            "before": "poor",
            "after": "near_poor",
        }
    ]
    assert diff["status_on_as_of"] == {"status": {"before": "poor", "after": "near_poor"}}


# Corrections and revocations ----------------------------------------------------------------


def test_a_corrected_recognition_restates_registers_summary_and_movements_while_known_at_keeps_the_report(  # noqa: E501
    office: Office,
) -> None:
    first = office.register("PH-A004", commune=PHUC_HA)["id"]
    second = office.register("BD-A004", commune=BAN_DAT)["id"]
    wrong = office.recognise(first, "poor", "2022-12-20")
    office.recognise(second, "poor", "2022-12-20")
    reported_at = office.history(second)[-1]["recorded_at"]
    day = {"as_of": "2023-06-01"}

    reported = {**zero_counts(), "households": 2, "poor": 2}
    assert office.counts(**day) == reported
    assert office.register_ids("poor", **day) == {first, second}
    movements_then = office.get("/reports/movements", **{"from": "2022-01-01", "to": "2023-12-31"})

    before = len(office.history(first))
    office.correct(first, wrong["recognition_id"], status="near_poor", reason="typed wrongly")
    after = office.history(first)
    assert len(after) == before + 1
    assert after[1]["data"]["status"] == "poor"  # the original fact stands as recorded
    assert after[-1]["type"] == "recognition_corrected"

    position = {"min_position": office.position}
    # As known now: the past date is restated.
    assert office.counts(**day, **position) == {
        **zero_counts(),
        "households": 2,
        "poor": 1,
        "near_poor": 1,
    }
    assert office.register_ids("poor", **day, **position) == {second}
    assert office.register_ids("near_poor", **day, **position) == {first}
    # As reported: known_at before the correction reproduces the earlier numbers.
    assert office.counts(**day, known_at=reported_at) == reported
    assert office.register_ids("poor", **day, known_at=reported_at) == {first, second}
    assert office.register_ids("near_poor", **day, known_at=reported_at) == set()
    # known_at is inclusive: the correction's own moment already shows it.
    corrected_at = after[-1]["recorded_at"]
    assert office.counts(**day, known_at=corrected_at) == office.counts(**day)
    assert office.register_ids("near_poor", **day, known_at=corrected_at) == {first}
    period = {"from": "2022-01-01", "to": "2023-12-31"}
    assert office.get("/reports/movements", **period, known_at=reported_at) == movements_then
    assert movements_then["poor"] == {
        "start": 0,
        "new_poverty": 2,
        "re_poverty": 0,
        "escaped": 0,
        "end": 2,
    }
    assert movements_then["near_poor"]["new_near_poverty"] == 0
    restated = office.get("/reports/movements", **period, **position)
    assert restated["poor"] == {
        "start": 0,
        "new_poverty": 1,
        "re_poverty": 0,
        "escaped": 0,
        "end": 1,
    }
    assert restated["near_poor"] == {
        "start": 0,
        "new_near_poverty": 1,
        "from_poverty": 0,
        "escaped": 0,
        "to_poverty": 0,
        "end": 1,
    }


def test_a_corrected_decision_date_moves_the_status_on_past_dates(office: Office) -> None:
    hid = office.register("PH-A005")["id"]
    recognition = office.recognise(hid, "poor", "2022-12-20", "125/QĐ-UBND")
    reported_at = office.history(hid)[-1]["recorded_at"]

    office.correct(
        hid,
        recognition["recognition_id"],
        decided_on="2023-03-01",
        decision_no="126/QĐ-UBND",
        reason="the decision was signed on 1 March",
        evidence="126/QĐ-UBND",
    )

    assert office.household(hid, as_of="2023-01-15")["status"] == "none"
    now = office.household(hid, as_of="2023-06-01")
    assert (now["status"], now["status_since"]) == ("poor", "2023-03-01")
    then = office.household(hid, as_of="2023-01-15", known_at=reported_at)
    assert (then["status"], then["status_since"]) == ("poor", "2022-12-20")
    assert office.register_ids("poor", as_of="2023-01-15") == set()
    assert office.register_ids("poor", as_of="2023-01-15", known_at=reported_at) == {hid}
    timeline = office.get(f"/households/{hid}/file")["status_timeline"]
    assert [(s["decided_on"], s["decision_no"], s["status"]) for s in timeline] == [
        ("2023-03-01", "126/QĐ-UBND", "poor")
    ]


def test_a_revoked_escape_restates_the_registers_and_bad_revocations_record_nothing(
    office: Office, client: TestClient
) -> None:
    hid = office.register("PH-A006")["id"]
    office.recognise(hid, "poor", "2022-12-20")
    escape = office.recognise(hid, "near_poor", "2024-02-29")
    assert escape["newly_escaped_until"] == "2027-02-28"
    reported_at = office.history(hid)[-1]["recorded_at"]
    day = {"as_of": "2024-06-01"}
    assert office.register_ids("newly_escaped", **day) == {hid}
    assert office.register_ids("near_poor", **day) == {hid}
    versions_before = [i["version"] for i in office.history(hid)]
    path = f"/households/{hid}/recognitions/{escape['recognition_id']}/revocation"
    actor = acting_as(client, "chutich.b")

    # The reason is required.
    assert_problem(
        client.post(path, json={"revoked_on": "2024-05-02"}, headers=actor),
        422,
        "validation_error",
    )
    assert_problem(
        client.post(path, json={"revoked_on": "2024-05-02", "reason": ""}, headers=actor),
        422,
        "validation_error",
    )
    # So is a logged-in acting user.
    assert_problem(
        client.post(
            path,
            json={"revoked_on": "2024-05-02", "reason": "annulled"},
            headers={"Authorization": ""},
        ),
        401,
        "unauthorized",
    )
    # An unknown recognition, or an unknown household, in the path is 404.
    assert_problem(
        client.post(
            f"/households/{hid}/recognitions/00000000-0000-0000-0000-000000000000/revocation",
            json={"revoked_on": "2024-05-02", "reason": "annulled"},
            headers=actor,
        ),
        404,
        "not_found",
    )
    assert_problem(
        client.post(
            f"/households/8d1c5bb0-6a56-4a55-9d0e-6c2b8a1f0c11/recognitions/"
            f"{escape['recognition_id']}/revocation",
            json={"revoked_on": "2024-05-02", "reason": "annulled"},
            headers=actor,
        ),
        404,
        "not_found",
    )
    assert [i["version"] for i in office.history(hid)] == versions_before

    revoked = office.revoke(
        hid,
        escape["recognition_id"],
        revoked_on="2024-05-02",
        reason="decision annulled by the district",
        evidence="QĐ 900/QĐ-UBND",
    )
    assert revoked["recognition_id"] == escape["recognition_id"]

    # Revoking twice is a rule violation, and records nothing.
    assert_problem(
        client.post(path, json={"revoked_on": "2024-05-03", "reason": "again"}, headers=actor),
        422,
        "rule_violation",
    )
    # A revoked recognition can no longer be corrected.
    assert_problem(
        client.post(
            f"/households/{hid}/recognitions/{escape['recognition_id']}/correction",
            json={"status": "average", "reason": "late fix"},
            headers=actor,
        ),
        422,
        "rule_violation",
    )
    items = office.history(hid)
    assert [i["version"] for i in items] == [*versions_before, versions_before[-1] + 1]
    last = items[-1]
    assert last["type"] == "recognition_revoked"
    assert (last["actor"], last["reason"], last["evidence"]) == (
        "chutich.b",
        "decision annulled by the district",
        "QĐ 900/QĐ-UBND",
    )
    assert last["effective_on"] == "2024-05-02"
    assert items[-2]["type"] == "recognition_recorded"
    assert items[-2]["data"]["status"] == "near_poor"  # still there, as recorded

    now = office.household(hid, **day)
    assert (now["status"], now["newly_escaped"], now["newly_escaped_until"]) == (
        "poor",
        False,
        None,
    )
    then = office.household(hid, **day, known_at=reported_at)
    assert (then["status"], then["newly_escaped"]) == ("near_poor", True)

    position = {"min_position": office.position}
    assert office.register_ids("newly_escaped", **day, **position) == set()
    assert office.register_ids("poor", **day, **position) == {hid}
    assert office.register_ids("newly_escaped", **day, known_at=reported_at) == {hid}
    assert office.counts(**day, known_at=reported_at) == {
        **zero_counts(),
        "households": 1,
        "near_poor": 1,
        "newly_escaped": 1,
    }
    assert office.counts(**day, **position) == {**zero_counts(), "households": 1, "poor": 1}
    period = {"from": "2024-01-01", "to": "2024-12-31"}
    assert office.get("/reports/movements", **period, known_at=reported_at)["poor"]["escaped"] == 1
    assert office.get("/reports/movements", **period, **position)["poor"] == {
        "start": 1,
        "new_poverty": 0,
        "re_poverty": 0,
        "escaped": 0,
        "end": 1,
    }


def test_a_correction_needs_a_reason_and_something_to_correct(
    office: Office, client: TestClient
) -> None:
    hid = office.register("PH-A007")["id"]
    recognition = office.recognise(hid, "poor", "2022-12-20")
    path = f"/households/{hid}/recognitions/{recognition['recognition_id']}/correction"
    actor = acting_as(client, "chutich.b")

    assert_problem(
        client.post(path, json={"status": "near_poor"}, headers=actor), 422, "validation_error"
    )
    assert_problem(
        client.post(path, json={"reason": "nothing given"}, headers=actor), 422, "validation_error"
    )
    assert_problem(
        client.post(
            f"/households/{hid}/recognitions/00000000-0000-0000-0000-000000000000/correction",
            json={"status": "near_poor", "reason": "typed wrongly"},
            headers=actor,
        ),
        404,
        "not_found",
    )
    # A stale expected_version is a conflict.
    assert_problem(
        client.post(
            path,
            json={"status": "near_poor", "reason": "typed wrongly", "expected_version": 1},
            headers=actor,
        ),
        409,
        "conflict",
    )
    assert len(office.history(hid)) == 2
    office.correct(
        hid,
        recognition["recognition_id"],
        status="near_poor",
        reason="typed wrongly",
        expected_version=2,
    )
    assert [i["type"] for i in office.history(hid)][-1] == "recognition_corrected"


# The restatement report ---------------------------------------------------------------------


def test_the_restatement_report_shows_as_reported_against_as_known_now_also_per_unit(
    office: Office, client: TestClient
) -> None:
    city = office.register("PH-A008", commune=PHUC_HA)["id"]
    office.register("BD-A008", commune=BAN_DAT)
    stays = office.register("BD-A009", commune=BAN_DAT)["id"]
    wrong = office.recognise(city, "poor", "2022-12-20")
    office.recognise(stays, "near_poor", "2022-12-20")
    reported_at = office.history(stays)[-1]["recorded_at"]

    office.correct(city, wrong["recognition_id"], status="average", reason="income misread")
    # A backdated decision recorded after the report also restates it.
    late = office.register("BD-A010", commune=BAN_DAT)["id"]
    office.recognise(late, "poor", "2023-01-05", reason="recorded late")

    report = office.get(
        "/reports/restatement",
        reported_at=reported_at,
        as_of="2023-06-01",
        min_position=office.position,
    )

    assert report["area"] == PROVINCE
    assert report["as_of"] == "2023-06-01"
    assert report["reported_at"] == reported_at
    assert report["as_reported"] == {
        **zero_counts(),
        "households": 3,
        "poor": 1,
        "near_poor": 1,
    }
    assert report["as_known_now"] == {
        **zero_counts(),
        "households": 4,
        "poor": 1,
        "near_poor": 1,
        "average": 1,
    }
    assert report["difference"] == {**zero_counts(), "households": 1, "average": 1}
    units = {unit["code"]: unit for unit in report["units"]}
    assert THAI_NGUYEN_CITY in units and PHU_BINH in units
    assert units[THAI_NGUYEN_CITY]["as_reported"] == {**zero_counts(), "households": 1, "poor": 1}
    assert units[THAI_NGUYEN_CITY]["as_known_now"] == {
        **zero_counts(),
        "households": 1,
        "average": 1,
    }
    assert units[THAI_NGUYEN_CITY]["difference"] == {**zero_counts(), "poor": -1, "average": 1}
    assert units[PHU_BINH]["difference"] == {**zero_counts(), "households": 1, "poor": 1}
    for code, unit in units.items():
        assert unit["difference"] == {
            name: unit["as_known_now"][name] - unit["as_reported"][name] for name in COUNT_KEYS
        }
        if code not in (THAI_NGUYEN_CITY, PHU_BINH):
            assert unit["difference"] == zero_counts(), code

    # Down to the communes of one district.
    city_report = office.get(
        "/reports/restatement", reported_at=reported_at, as_of="2023-06-01", area=THAI_NGUYEN_CITY
    )
    communes = {unit["code"]: unit for unit in city_report["units"]}
    assert communes[PHUC_HA]["difference"] == {**zero_counts(), "poor": -1, "average": 1}

    assert_problem(client.get("/reports/restatement"), 422, "validation_error")
    assert_problem(
        client.get("/reports/restatement", params={"reported_at": "not a moment"}),
        422,
        "validation_error",
    )


# Differences ----------------------------------------------------------------------------------


def test_the_diff_between_versions_lists_member_and_recognition_changes_and_the_status_change(
    office: Office, client: TestClient
) -> None:
    created = office.register("PH-A011")
    hid = created["id"]
    spouse = next(m for m in created["members"] if m["relation"] == "spouse")
    recognition = office.recognise(hid, "poor", "2022-12-20")  # version 2
    office.write(
        f"/households/{hid}/members/{spouse['member_id']}/corrections",
        {"name": "Lương Thị Hòa", "birth_date": "1979-09-30", "reason": "CCCD shows otherwise"},
        "canbo.dangky",
        expected=200,
    )  # version 3
    office.correct(
        hid, recognition["recognition_id"], status="near_poor", reason="typed wrongly"
    )  # version 4

    member_diff = office.get(
        f"/households/{hid}/diff", from_version=2, to_version=3, as_of="2023-06-01"
    )
    assert (member_diff["from_version"], member_diff["to_version"]) == (2, 3)
    assert member_diff["as_of"] == "2023-06-01"
    member_path = ["members", spouse["member_id"]]
    assert sorted(member_diff["changes"], key=lambda c: c["path"]) == [
        {
            "path": [*member_path, "birth_date"],
            "change": "changed",
            "before": "1978-09-30",
            "after": "1979-09-30",
        },
        {
            "path": [*member_path, "name"],
            "change": "changed",
            "before": "Lương Thị Hoa",
            "after": "Lương Thị Hòa",
        },
    ]
    assert member_diff["status_on_as_of"] == {}

    recognition_diff = office.get(
        f"/households/{hid}/diff", from_version=3, to_version=4, as_of="2023-06-01"
    )
    assert recognition_diff["changes"] == [
        {
            "path": ["recognitions", recognition["recognition_id"], "status"],
            "change": "changed",
            "before": "poor",
            "after": "near_poor",
        }
    ]
    assert recognition_diff["status_on_as_of"] == {
        "status": {"before": "poor", "after": "near_poor"}
    }
    # On a date before the decision the status did not change.
    early = office.get(f"/households/{hid}/diff", from_version=3, to_version=4, as_of="2022-01-01")
    assert early["status_on_as_of"] == {}

    # Between two moments: the same as between the versions recorded at them.
    moments = [i["recorded_at"] for i in office.history(hid)]
    by_moment = office.get(
        f"/households/{hid}/diff",
        from_known_at=moments[1],
        to_known_at=moments[3],
        as_of="2023-06-01",
    )
    by_version = office.get(
        f"/households/{hid}/diff", from_version=2, to_version=4, as_of="2023-06-01"
    )
    assert by_moment == by_version
    assert len(by_moment["changes"]) == 3

    # By default, from the first version to now: everything added since registration.
    whole = office.get(f"/households/{hid}/diff", as_of="2023-06-01")
    assert (whole["from_version"], whole["to_version"]) == (1, 4)
    added = [c for c in whole["changes"] if c["change"] == "added"]
    assert [c["path"] for c in added] == [["recognitions", recognition["recognition_id"]]]
    assert added[0]["after"]["status"] == "near_poor"
    assert whole["status_on_as_of"]["status"] == {"before": "none", "after": "near_poor"}

    assert_problem(
        client.get(
            f"/households/{hid}/diff", params={"from_version": 1, "from_known_at": moments[0]}
        ),
        422,
        "validation_error",
    )
    # A version the household never had is out-of-range input.
    assert_problem(
        client.get(f"/households/{hid}/diff", params={"to_version": 99}), 422, "validation_error"
    )


# Re-derived surveys ---------------------------------------------------------------------------


def test_a_2021_survey_is_re_derived_under_qd_59_today_and_a_2022_one_under_decree_07(
    office: Office, client: TestClient
) -> None:
    hid = office.register("PH-A012")["id"]
    # Below QĐ 59's lower rural line (700,000): poor whatever the deprivations. Decree 07 would
    # call the same answers near-poor (one deprivation).
    old = office.survey(hid, "2021-10-01", 650_000, "health_insurance")
    assert (old["standard"], old["proposed_status"]) == ("qd-59-2015", "poor")
    new = office.survey(hid, "2022-10-01", 1_400_000, "employment", "sanitation", "nutrition")
    assert (new["standard"], new["proposed_status"]) == ("nd-07-2021", "poor")

    checked = office.get(f"/households/{hid}/surveys/{old['survey_id']}/verification")
    assert checked["survey_id"] == old["survey_id"]
    assert checked["surveyed_on"] == "2021-10-01"
    assert checked["standard"]["id"] == "qd-59-2015"
    assert checked["standard"]["income_line"] == {"rural": 1_000_000, "urban": 1_300_000}
    assert checked["inputs"] == {
        "area": "rural",
        "income_per_capita": 650_000,
        "deprivations": flags(QD59, "health_insurance"),
    }
    assert checked["recorded"] == {"status": "poor", "deprivation_count": 1}
    assert checked["recomputed"] == checked["recorded"]
    assert checked["matches"] is True
    # Today's standard classifies the same answers differently: the re-derivation did not use it.
    assert (
        client.post(
            "/self-assessment",
            json={
                "area": "rural",
                "income_per_capita": 650_000,
                "deprivations": flags(ND07, "health_insurance"),
            },
        ).json()["status"]
        == "near_poor"
    )

    newer = office.get(f"/households/{hid}/surveys/{new['survey_id']}/verification")
    assert newer["standard"]["id"] == "nd-07-2021"
    assert newer["recorded"] == {"status": "poor", "deprivation_count": 3}
    assert newer["recomputed"] == newer["recorded"]
    assert newer["matches"] is True

    assert_problem(
        client.get(f"/households/{hid}/surveys/not-a-survey/verification"), 404, "not_found"
    )


# The complete file ---------------------------------------------------------------------------


def test_the_complete_file_holds_every_fact_correction_support_timeline_and_window(
    office: Office, client: TestClient
) -> None:
    created = office.register("PH-A013", evidence="Đơn 5/2021")
    hid = created["id"]
    spouse = next(m for m in created["members"] if m["relation"] == "spouse")
    survey = office.survey(hid, "2021-10-01", 650_000, "health_insurance")
    poor = office.recognise(hid, "poor", "2021-12-20", "125/QĐ-UBND")
    office.correct(
        hid, poor["recognition_id"], decision_no="125A/QĐ-UBND", reason="number mistyped"
    )
    given = office.write(
        f"/households/{hid}/supports",
        {
            "support_type": "agricultural_production",
            "provided_on": "2022-03-15",
            "quantity": 2.5,
            "unit": "tạ giống lúa",
        },
        "canbo.hotro",
    )
    reversed_support = office.write(
        f"/households/{hid}/supports",
        {
            "support_type": "information_access",
            "provided_on": "2022-04-01",
            "quantity": 1,
            "unit": "radio",
        },
        "canbo.hotro",
    )
    office.write(
        f"/households/{hid}/supports/{reversed_support['support_id']}/reversal",
        {"reversed_on": "2022-04-20", "reason": "recorded against the wrong household"},
        "canbo.hotro",
        expected=200,
    )
    office.write(
        f"/households/{hid}/members/{spouse['member_id']}/corrections",
        {"name": "Lương Thị Hòa", "reason": "CCCD"},
        "canbo.dangky",
        expected=200,
    )
    escape = office.recognise(hid, "near_poor", "2024-02-29", "301/QĐ-UBND")
    history = office.history(hid)

    file = office.get(f"/households/{hid}/file")

    assert {
        "household",
        "facts",
        "status_timeline",
        "escape_windows",
        "surveys",
        "supports",
        "members",
    } <= set(file)
    assert file["household"]["code"] == "PH-A013"
    assert file["household"]["status"] == "near_poor"
    assert file["facts"] == history
    assert [f["type"] for f in file["facts"]] == [
        "household_registered",
        "survey_recorded",
        "recognition_recorded",
        "recognition_corrected",
        "support_recorded",
        "support_recorded",
        "support_reversed",
        "member_details_corrected",
        "recognition_recorded",
    ]
    assert [
        (s["decided_on"], s["decision_no"], s["from_status"], s["status"], s["movement"])
        for s in file["status_timeline"]
    ] == [
        ("2021-12-20", "125A/QĐ-UBND", "none", "poor", "new_poverty"),
        ("2024-02-29", "301/QĐ-UBND", "poor", "near_poor", "escaped_poverty"),
    ]
    assert [s["recognition_id"] for s in file["status_timeline"]] == [
        poor["recognition_id"],
        escape["recognition_id"],
    ]
    assert file["escape_windows"] == [
        {"opened_on": "2024-02-29", "until": "2027-02-28", "closed_on": None}
    ]
    assert [s["survey_id"] for s in file["surveys"]] == [survey["survey_id"]]
    assert file["surveys"][0]["matches"] is True
    assert file["surveys"][0]["standard"]["id"] == "qd-59-2015"
    supports = {s["support_id"]: s for s in file["supports"]}
    assert set(supports) == {given["support_id"], reversed_support["support_id"]}
    assert supports[given["support_id"]]["reversed_on"] is None
    assert supports[reversed_support["support_id"]]["reversed_on"] == "2022-04-20"
    assert (
        supports[reversed_support["support_id"]]["reversal_reason"]
        == "recorded against the wrong household"
    )
    names = {m["member_id"]: m["name"] for m in file["members"]}
    assert names[spouse["member_id"]] == "Lương Thị Hòa"

    page = client.get(f"/households/{hid}/file.html")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert '<html lang="vi">' in text
    assert "PH-A013" in text
    for fact in history:
        assert html.escape(fact["summary"]) in text, fact["summary"]
    assert "28/02/2027" in text and "2027-02-28" not in text
    assert "recorded against the wrong household" in text
    assert "<th>Ngày sinh</th>" in text and "<td>Chủ hộ</td>" in text
    english = client.get(f"/households/{hid}/file.html", params={"lang": "en"}).text
    assert '<html lang="en">' in english
    assert "PH-A013" in english
    for fact in history:
        assert html.escape(fact["summary"]) in english, fact["summary"]
    assert "2027-02-28" in english
    assert "recorded against the wrong household" in english

    assert_problem(
        client.get("/households/8d1c5bb0-6a56-4a55-9d0e-6c2b8a1f0c11/file"), 404, "not_found"
    )
    missing = client.get("/households/8d1c5bb0-6a56-4a55-9d0e-6c2b8a1f0c11/file.html")
    assert missing.status_code == 404
