"""Registers, their summary and the movement report through the HTTP API only (contract.md
"Registers and reports", "Reference and health"; domain.md §4). Every test runs on SQLite and on
PostgreSQL (the ``client`` fixture, whose projections follow the log in-process)."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from infrastructure.container import Container
from tests.support import assert_problem

PROVINCE = "19"
THAI_NGUYEN_CITY, DINH_HOA, PHU_BINH = "164", "167", "173"
PHUC_HA = "05485"  # a xã of Thái Nguyên city
PHUC_XUAN = "05488"  # another xã of Thái Nguyên city
CHO_CHU = "05536"  # the thị trấn of Định Hóa
BAN_DAT = "05911"  # a xã of Phú Bình
DISTRICTS = {"164", "165", "167", "168", "169", "170", "171", "172", "173"}
CSV_HEADER = ["household code", "head's name", "commune", "village", "status", "since", "until"]
CSV_HEADER_VI = [
    "Mã hộ",
    "Họ và tên chủ hộ",
    "Xã, phường",
    "Thôn, tổ dân phố",
    "Phân loại",
    "Từ ngày",
    "Đến ngày",
]
REGISTER_KEYS = {"kind", "area", "as_of", "total", "items"}
ITEM_KEYS = {"household_id", "code", "commune_code", "since", "until"}
COUNT_KEYS = ("households", "poor", "near_poor", "newly_escaped", "average")
ACTOR = {"X-Actor": "canbo.registers"}


def d(text: str) -> date:
    return date.fromisoformat(text)


class Caseworker:
    """Writes through the API, remembering the last position written."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.position = 0

    def household(
        self, code: str, commune: str, head: str = "Nông Văn Dũng", village: str = "Xóm Làng"
    ) -> str:
        answer = self.client.post(
            "/households",
            headers=ACTOR,
            json={
                "code": code,
                "commune_code": commune,
                "village": village,
                "registered_on": "2019-01-02",
                "members": [
                    {
                        "name": head,
                        "birth_date": "1970-05-06",
                        "sex": "male",
                        "ethnicity": "02",
                        "relation": "head",
                    }
                ],
            },
        )
        assert answer.status_code == 201, answer.text
        self.position = max(self.position, answer.json()["position"])
        household_id: str = answer.json()["id"]
        return household_id

    def recognise(self, household_id: str, status: str, decided_on: str | date) -> dict[str, Any]:
        answer = self.client.post(
            f"/households/{household_id}/recognitions",
            headers=ACTOR,
            json={
                "status": status,
                "decided_on": str(decided_on),
                "decision_no": f"{status}-{decided_on}/QĐ-UBND",
            },
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        self.position = max(self.position, body["position"])
        return body

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer = self.client.get(path, params={"min_position": self.position, **params})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def register(self, kind: str, **params: Any) -> dict[str, Any]:
        body = self.get(f"/registers/{kind}", **params)
        assert set(body) >= REGISTER_KEYS
        assert body["kind"] == kind
        for item in body["items"]:
            assert set(item) == ITEM_KEYS, item
        return body

    def members(self, kind: str, **params: Any) -> dict[str, tuple[str | None, str | None]]:
        body = self.register(kind, **params)
        assert body["total"] == len(body["items"])
        return {i["household_id"]: (i["since"], i["until"]) for i in body["items"]}


@pytest.fixture
def worker(client: TestClient) -> Caseworker:
    return Caseworker(client)


def the_container(client: TestClient) -> Container:
    built: Container = client.app.state.container  # type: ignore[attr-defined]
    return built


# --- a small province -----------------------------------------------------------------------------


@pytest.fixture
def province(worker: Caseworker) -> dict[str, str]:
    """Households in three districts with recognitions of every kind (all in the past)."""
    ids = {
        "poor": worker.household("R-POOR", PHUC_HA, head="Hoàng Văn Thắng", village="Xóm Na"),
        "near": worker.household("R-NEAR", CHO_CHU, head="Lương Thị Hoa", village="Tổ 3"),
        "escaped": worker.household("R-ESC", PHUC_XUAN, head="Ma Văn Sơn", village="Xóm Cao"),
        "average": worker.household("R-AVG", BAN_DAT, head="Đỗ Thị Lan", village="Xóm Đình"),
        "above": worker.household("R-ABOVE", BAN_DAT, head="Trần Văn Ba", village="Xóm Đình"),
        "repoor": worker.household("R-REP", PHUC_HA, head="Lý Văn Tư", village="Xóm Na"),
    }
    worker.recognise(ids["poor"], "poor", "2021-03-01")
    worker.recognise(ids["near"], "near_poor", "2022-05-10")
    worker.recognise(ids["escaped"], "poor", "2021-03-01")
    escape = worker.recognise(ids["escaped"], "near_poor", "2023-08-31")
    assert escape["movement"] == "escaped_poverty"
    assert escape["newly_escaped_until"] == "2026-08-31"
    worker.recognise(ids["average"], "average", "2022-01-15")
    worker.recognise(ids["above"], "poor", "2020-01-10")
    worker.recognise(ids["above"], "none", "2022-02-01")
    worker.recognise(ids["repoor"], "poor", "2020-01-10")
    worker.recognise(ids["repoor"], "average", "2021-06-01")
    worker.recognise(ids["repoor"], "poor", "2023-01-05")  # re-poverty closes the window
    return ids


def test_the_four_registers_for_the_province_districts_and_communes(
    worker: Caseworker, province: dict[str, str]
) -> None:
    on = "2024-01-01"
    assert worker.members("poor", as_of=on) == {
        province["poor"]: ("2021-03-01", None),
        province["repoor"]: ("2023-01-05", None),
    }
    assert worker.members("near_poor", as_of=on) == {
        province["near"]: ("2022-05-10", None),
        province["escaped"]: ("2023-08-31", None),
    }
    # A household escaping poor → near_poor is both near-poor and newly escaped (§4.2).
    assert worker.members("newly_escaped", as_of=on) == {
        province["escaped"]: ("2023-08-31", "2026-08-31"),
        province["above"]: ("2022-02-01", "2025-02-01"),
    }
    assert worker.members("average", as_of=on) == {province["average"]: ("2022-01-15", None)}

    poor = worker.register("poor", as_of=on)
    assert poor["area"] == PROVINCE and poor["as_of"] == on and poor["total"] == 2
    # Ordered by commune, then code.
    assert [i["code"] for i in poor["items"]] == ["R-POOR", "R-REP"]
    assert {i["commune_code"] for i in poor["items"]} == {PHUC_HA}

    # By district and by commune.
    assert set(worker.members("near_poor", area=DINH_HOA, as_of=on)) == {province["near"]}
    assert set(worker.members("near_poor", area=THAI_NGUYEN_CITY, as_of=on)) == {
        province["escaped"]
    }
    assert set(worker.members("newly_escaped", area=BAN_DAT, as_of=on)) == {province["above"]}
    assert worker.members("poor", area=PHU_BINH, as_of=on) == {}
    assert set(worker.members("poor", area=PHUC_HA, as_of=on)) == {
        province["poor"],
        province["repoor"],
    }

    # A past date: the re-poverty household was newly escaped then, before its re-poverty.
    assert worker.members("newly_escaped", as_of="2022-06-30") == {
        province["repoor"]: ("2021-06-01", "2024-06-01"),
        province["above"]: ("2022-02-01", "2025-02-01"),
    }
    assert worker.members("poor", as_of="2019-12-31") == {}
    # The window of 2022-02-01 ends at the end of 2025-02-01.
    assert set(worker.members("newly_escaped", as_of="2025-02-01")) == {
        province["escaped"],
        province["above"],
    }
    assert set(worker.members("newly_escaped", as_of="2025-02-02")) == {province["escaped"]}


def test_summary_counts_the_area_and_each_of_its_child_units(
    worker: Caseworker, province: dict[str, str]
) -> None:
    summary = worker.get("/registers/summary", as_of="2024-01-01")
    assert set(summary) >= {"area", "as_of", *COUNT_KEYS, "units"}
    assert summary["area"] == PROVINCE and summary["as_of"] == "2024-01-01"
    assert {k: summary[k] for k in COUNT_KEYS} == {
        "households": 6,
        "poor": 2,
        "near_poor": 2,
        "newly_escaped": 2,
        "average": 1,
    }
    units = {unit["code"]: unit for unit in summary["units"]}
    assert set(units) == DISTRICTS
    for unit in units.values():
        assert set(unit) == {"code", "name", *COUNT_KEYS}
    for key in COUNT_KEYS:
        assert sum(unit[key] for unit in units.values()) == summary[key], key
    city = units[THAI_NGUYEN_CITY]
    assert city["name"] == "Thành phố Thái Nguyên"
    assert {k: city[k] for k in COUNT_KEYS} == {
        "households": 3,
        "poor": 2,
        "near_poor": 1,
        "newly_escaped": 1,
        "average": 0,
    }
    assert {k: units[PHU_BINH][k] for k in COUNT_KEYS} == {
        "households": 2,
        "poor": 0,
        "near_poor": 0,
        "newly_escaped": 1,
        "average": 1,
    }
    assert all(units[code]["households"] == 0 for code in DISTRICTS - {"164", "167", "173"})

    district = worker.get("/registers/summary", area=THAI_NGUYEN_CITY, as_of="2024-01-01")
    communes = {unit["code"]: unit for unit in district["units"]}
    assert len(communes) == 32 and PHUC_HA in communes and CHO_CHU not in communes
    assert {k: communes[PHUC_HA][k] for k in COUNT_KEYS} == {
        "households": 2,
        "poor": 2,
        "near_poor": 0,
        "newly_escaped": 0,
        "average": 0,
    }
    assert communes[PHUC_XUAN]["newly_escaped"] == 1
    assert {k: district[k] for k in COUNT_KEYS} == {k: city[k] for k in COUNT_KEYS}

    commune = worker.get("/registers/summary", area=BAN_DAT, as_of="2024-01-01")
    assert commune["units"] == []
    assert commune["households"] == 2

    # Before anyone was registered.
    empty = worker.get("/registers/summary", as_of="2018-12-31")
    assert {k: empty[k] for k in COUNT_KEYS} == dict.fromkeys(COUNT_KEYS, 0)


def test_movement_report_has_the_contract_shape_and_identities(
    worker: Caseworker, province: dict[str, str]
) -> None:
    report = worker.get("/reports/movements", **{"from": "2021-01-01", "to": "2023-12-31"})
    assert set(report["poor"]) == {"start", "new_poverty", "re_poverty", "escaped", "end"}
    assert set(report["near_poor"]) == {
        "start",
        "new_near_poverty",
        "from_poverty",
        "escaped",
        "to_poverty",
        "end",
    }
    # 2020-12-31: poor = above, repoor. In 2021–2023: poor (new), escaped (new, then to near),
    # repoor (escaped 2021-06-01, back 2023-01-05), above (escaped 2022-02-01), near (new near).
    assert report["poor"] == {
        "start": 2,
        "new_poverty": 2,
        "re_poverty": 1,
        "escaped": 3,
        "end": 2,
    }
    assert report["near_poor"] == {
        "start": 0,
        "new_near_poverty": 1,
        "from_poverty": 1,
        "escaped": 0,
        "to_poverty": 0,
        "end": 2,
    }
    for area, start, end in (
        (PROVINCE, "2019-06-01", "2026-01-01"),
        (THAI_NGUYEN_CITY, "2021-03-01", "2021-03-01"),
        (PHUC_HA, "2022-01-01", "2023-06-30"),
        (PHU_BINH, "2020-01-10", "2022-02-01"),
    ):
        report = worker.get("/reports/movements", area=area, **{"from": start, "to": end})
        poor, near = report["poor"], report["near_poor"]
        assert (
            poor["end"]
            == poor["start"] + poor["new_poverty"] + poor["re_poverty"] - (poor["escaped"])
        )
        assert near["end"] == (
            near["start"]
            + near["new_near_poverty"]
            + near["from_poverty"]
            - near["escaped"]
            - near["to_poverty"]
        )
        day_before = str(d(start) - timedelta(days=1))
        assert poor["start"] == worker.register("poor", area=area, as_of=day_before)["total"]
        assert poor["end"] == worker.register("poor", area=area, as_of=end)["total"]
        assert near["start"] == worker.register("near_poor", area=area, as_of=day_before)["total"]
        assert near["end"] == worker.register("near_poor", area=area, as_of=end)["total"]

    backwards = worker.client.get(
        "/reports/movements", params={"from": "2024-01-01", "to": "2023-01-01"}
    )
    assert_problem(backwards, 422, "validation_error")


def parse_csv(answer: Any) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    text = answer.content.decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_register_csv_export_by_format_and_by_accept_header(
    worker: Caseworker, province: dict[str, str]
) -> None:
    params = {"as_of": "2024-01-01", "min_position": worker.position, "lang": "en"}
    by_format = parse_csv(
        worker.client.get("/registers/newly_escaped", params={**params, "format": "csv"})
    )
    by_accept = parse_csv(
        worker.client.get("/registers/newly_escaped", params=params, headers={"Accept": "text/csv"})
    )
    assert by_format == by_accept
    assert by_format[0] == CSV_HEADER
    assert sorted(by_format[1:]) == sorted(
        [
            ["R-ESC", "Ma Văn Sơn", "Phúc Xuân", "Xóm Cao", "newly_escaped", "2023-08-31"]
            + ["2026-08-31"],
            ["R-ABOVE", "Trần Văn Ba", "Bàn Đạt", "Xóm Đình", "newly_escaped", "2022-02-01"]
            + ["2025-02-01"],
        ]
    )
    poor = parse_csv(
        worker.client.get("/registers/poor", params={**params, "area": PHUC_HA, "format": "csv"})
    )
    assert poor == [
        CSV_HEADER,
        ["R-POOR", "Hoàng Văn Thắng", "Phúc Hà", "Xóm Na", "poor", "2021-03-01", ""],
        ["R-REP", "Lý Văn Tư", "Phúc Hà", "Xóm Na", "poor", "2023-01-05", ""],
    ]
    # An empty register is a header row alone; JSON stays the default.
    assert parse_csv(
        worker.client.get("/registers/average", params={**params, "area": CHO_CHU, "format": "csv"})
    ) == [CSV_HEADER]
    as_json = worker.client.get("/registers/poor", params=params)
    assert as_json.headers["content-type"].startswith("application/json")


def test_a_register_csv_is_in_vietnamese_by_default_with_dates_as_officials_write_them(
    worker: Caseworker, province: dict[str, str]
) -> None:
    params = {"as_of": "2024-01-01", "min_position": worker.position, "format": "csv"}
    escaped = parse_csv(worker.client.get("/registers/newly_escaped", params=params))
    assert escaped[0] == CSV_HEADER_VI
    assert sorted(escaped[1:]) == sorted(
        [
            ["R-ESC", "Ma Văn Sơn", "Phúc Xuân", "Xóm Cao", "Hộ mới thoát nghèo", "31/08/2023"]
            + ["31/08/2026"],
            ["R-ABOVE", "Trần Văn Ba", "Bàn Đạt", "Xóm Đình", "Hộ mới thoát nghèo", "01/02/2022"]
            + ["01/02/2025"],
        ]
    )
    poor = parse_csv(worker.client.get("/registers/poor", params={**params, "area": PHUC_HA}))
    assert poor == [
        CSV_HEADER_VI,
        ["R-POOR", "Hoàng Văn Thắng", "Phúc Hà", "Xóm Na", "Hộ nghèo", "01/03/2021", ""],
        ["R-REP", "Lý Văn Tư", "Phúc Hà", "Xóm Na", "Hộ nghèo", "05/01/2023", ""],
    ]
    unknown = worker.client.get("/registers/poor", params={**params, "lang": "fr"})
    assert_problem(unknown, 422, "validation_error")


def test_paging_with_limit_and_offset_keeps_the_total(worker: Caseworker) -> None:
    ids = [worker.household(f"P-{n:02d}", PHUC_HA if n % 2 else CHO_CHU) for n in range(7)]
    for household_id in ids:
        worker.recognise(household_id, "poor", "2022-03-03")
    everything = worker.register("poor", as_of="2023-01-01", limit=100)
    assert everything["total"] == 7 and len(everything["items"]) == 7
    pages = [
        worker.register("poor", as_of="2023-01-01", limit=3, offset=offset) for offset in (0, 3, 6)
    ]
    assert [len(page["items"]) for page in pages] == [3, 3, 1]
    assert all(page["total"] == 7 for page in pages)
    assert [i for page in pages for i in page["items"]] == everything["items"]
    beyond = worker.register("poor", as_of="2023-01-01", limit=3, offset=50)
    assert beyond["total"] == 7 and beyond["items"] == []
    for bad in ({"limit": 0}, {"offset": -1}, {"limit": "many"}):
        answer = worker.client.get("/registers/poor", params=bad)
        assert_problem(answer, 422, "validation_error")


def test_unknown_area_or_kind_is_a_problem(worker: Caseworker) -> None:
    for path in ("/registers/poor", "/registers/summary"):
        body = assert_problem(
            worker.client.get(path, params={"area": "99999"}), 422, "validation_error"
        )
        assert "99999" in body["detail"]
    body = assert_problem(
        worker.client.get(
            "/reports/movements", params={"area": "0000", "from": "2022-01-01", "to": "2022-12-31"}
        ),
        422,
        "validation_error",
    )
    assert "0000" in body["detail"]
    assert worker.client.get("/registers/rich").status_code in (404, 422)
    assert_problem(
        worker.client.get("/registers/poor", params={"as_of": "2024-02-30"}),
        422,
        "validation_error",
    )
    assert_problem(
        worker.client.get("/registers/poor", params={"known_at": "yesterday"}),
        422,
        "validation_error",
    )


def test_a_future_as_of_shows_a_window_still_open_and_then_expired(
    client: TestClient, worker: Caseworker
) -> None:
    today = the_container(client).today()
    household = worker.household("F-1", CHO_CHU)
    worker.recognise(household, "poor", today - timedelta(days=400))
    escape = worker.recognise(household, "average", today - timedelta(days=10))
    until = d(escape["newly_escaped_until"])
    assert until > today + timedelta(days=365 * 2)  # 36 months from ten days ago
    for as_of in (today, today + timedelta(days=365), until):
        assert worker.members("newly_escaped", as_of=str(as_of)) == {
            household: (str(today - timedelta(days=10)), str(until))
        }, as_of
    # Nothing is written when the window ends; a date after it simply finds it gone.
    assert worker.members("newly_escaped", as_of=str(until + timedelta(days=1))) == {}
    assert worker.members("average", as_of=str(until + timedelta(days=1))) == {
        household: (str(today - timedelta(days=10)), None)
    }
    later = worker.get("/registers/summary", area=CHO_CHU, as_of=str(until + timedelta(days=1)))
    assert later["newly_escaped"] == 0 and later["average"] == 1
    # Without as_of: today.
    assert set(worker.members("newly_escaped")) == {household}


def test_known_at_before_a_backdated_recognition_gives_the_earlier_register(
    worker: Caseworker,
) -> None:
    household = worker.household("K-1", PHUC_HA)
    other = worker.household("K-2", PHUC_HA)
    worker.recognise(other, "near_poor", "2021-01-01")
    worker.recognise(household, "poor", "2022-06-01")
    worker.recognise(household, "average", "2024-01-10")
    history = worker.get(f"/households/{household}/history")["items"]
    before_backdated = history[-1]["recorded_at"]
    # Recorded later, decided earlier: the household escaped to near-poor on 2023-03-01.
    worker.recognise(household, "near_poor", "2023-03-01")

    on = "2023-06-01"
    assert set(worker.members("poor", as_of=on)) == set()
    assert set(worker.members("near_poor", as_of=on)) == {household, other}
    assert worker.members("newly_escaped", as_of=on) == {household: ("2023-03-01", "2026-03-01")}

    then = {"as_of": on, "known_at": before_backdated}
    assert worker.members("poor", **then) == {household: ("2022-06-01", None)}
    assert set(worker.members("near_poor", **then)) == {other}
    assert worker.members("newly_escaped", **then) == {}
    summary = worker.get("/registers/summary", area=PHUC_HA, **then)
    assert (summary["poor"], summary["near_poor"], summary["newly_escaped"]) == (1, 1, 0)
    # The window opened by the escape recorded then (2024-01-10) was the one known.
    assert worker.members("newly_escaped", as_of="2025-01-01", known_at=before_backdated) == {
        household: ("2024-01-10", "2027-01-10")
    }
    # Before the household was recorded at all, it is on no register.
    first_recorded = history[0]["recorded_at"]
    registered = worker.get(f"/households/{other}/history")["items"][0]["recorded_at"]
    assert registered > first_recorded
    early = worker.members("near_poor", as_of=on, known_at=first_recorded)
    assert early == {}


def test_min_position_waits_for_the_registers_and_health_shows_how_far_behind(
    client: TestClient, worker: Caseworker, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = the_container(client)
    projector = container.projectors["registers"]
    household = worker.household("M-1", BAN_DAT)
    # Stop following the log: the registers fall behind.
    assert container.in_process is not None
    container.in_process.stop()
    projector.catch_up()
    caught_up = projector.position()
    written = worker.recognise(household, "poor", "2024-04-04")
    assert written["position"] > caught_up

    health = client.get("/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok"
    assert body["projections"]["registers"] == {
        "position": caught_up,
        "behind": written["position"] - caught_up,
    }
    # Read-your-writes: the server acknowledged the recognition, so a read without
    # min_position waits for it too, and answers 503 rather than a register without it.
    with monkeypatch.context() as patch:
        patch.setattr(container.consistency, "wait_seconds", 0.3)
        stale = client.get("/registers/poor", params={"as_of": "2024-05-01"})
    assert_problem(stale, 503, "unavailable")

    # A read asking for the write's position waits until the registers reflect it.
    later = threading.Timer(0.5, projector.catch_up)
    later.start()
    try:
        fresh = client.get(
            "/registers/poor", params={"as_of": "2024-05-01", "min_position": written["position"]}
        )
    finally:
        later.join()
    assert fresh.status_code == 200, fresh.text
    assert [i["household_id"] for i in fresh.json()["items"]] == [household]
    body = client.get("/health").json()
    assert body["projections"]["registers"] == {"position": written["position"], "behind": 0}

    # A position beyond the log's end was never acknowledged: refused at once.
    for path in ("/registers/poor", "/registers/summary"):
        answer = client.get(path, params={"min_position": written["position"] + 1000})
        assert_problem(answer, 422, "validation_error")
    answer = client.get(
        "/reports/movements",
        params={"from": "2024-01-01", "to": "2024-12-31", "min_position": 10**9},
    )
    assert_problem(answer, 422, "validation_error")


def test_the_register_is_right_on_the_last_day_a_query_may_ask(worker: Caseworker) -> None:
    household = worker.household("E-1", PHUC_HA)
    worker.recognise(household, "poor", "2022-01-01")
    last_day = "2100-12-31"  # contract.md "Limits"
    assert worker.get(f"/households/{household}", as_of=last_day)["status"] == "poor"
    report = worker.get("/reports/movements", **{"from": "2021-01-01", "to": last_day})
    poor = report["poor"]
    assert (
        poor["end"] == poor["start"] + poor["new_poverty"] + poor["re_poverty"] - (poor["escaped"])
    )
    assert set(worker.members("poor", as_of=last_day)) == {household}


def test_a_movement_report_without_dates_covers_the_current_year_so_far(
    worker: Caseworker,
) -> None:
    today = the_container(worker.client).today()
    household = worker.household("Y-1", PHUC_HA)
    worker.recognise(household, "poor", date(today.year - 1, 12, 31))
    worker.recognise(household, "near_poor", today)
    this_year = {"from": date(today.year, 1, 1).isoformat(), "to": today.isoformat()}

    report = worker.get("/reports/movements")

    assert report == worker.get("/reports/movements", **this_year)
    assert report["poor"] == {
        "start": 1,
        "new_poverty": 0,
        "re_poverty": 0,
        "escaped": 1,
        "end": 0,
    }
    assert report["near_poor"]["from_poverty"] == 1
    # Only `to`: from 1 January of its year.
    last_year = worker.get("/reports/movements", to=date(today.year - 1, 12, 31).isoformat())
    assert last_year == worker.get(
        "/reports/movements",
        **{"from": f"{today.year - 1}-01-01", "to": f"{today.year - 1}-12-31"},
    )
    assert last_year["poor"]["new_poverty"] == 1
    by_unit = worker.get("/reports/movements/by-unit")
    assert by_unit == worker.get("/reports/movements/by-unit", **this_year)
    workbook = worker.client.get("/reports/movements.xlsx")
    assert workbook.status_code == 200, workbook.text
    assert f"{this_year['from']}-{this_year['to']}.xlsx" in workbook.headers["content-disposition"]
