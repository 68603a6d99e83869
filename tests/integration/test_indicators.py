"""The plan's indicators (domain.md §7) against a brute force written from domain.md's text.

Data is recorded through the case files application (``container.case_files``); the expected
values are then computed here, household by household, from the aggregates
(``case_files.household(id)``) and the recognised-status rule (``domain.status.status_on``) —
nothing of the SQL read models is reused — and compared with
``container.indicators.indicators(area, year)`` for the province, its districts and communes,
years 2022 to 2025: values, targets (count targets for the province only, pro rata
target × (Y − 2021) / 4), ``on_track`` and the yearly trend. The deprivation analysis is checked
the same way. A hypothesis property test does the same for generated histories.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from math import floor
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.case_files import CaseFiles
from application.commands import (
    AddMember,
    CorrectMemberDetails,
    CorrectRecognition,
    MemberDetails,
    RecordDeparture,
    RecordRecognition,
    RecordSupport,
    RecordSurvey,
    RegisterHousehold,
    ReverseSupport,
    RevokeRecognition,
)
from domain.errors import RuleViolation
from domain.household import FactContext, Household
from domain.standards import standard_on
from domain.status import status_on
from infrastructure.container import Container, build_container
from infrastructure.settings import Settings, normalise_database_url
from tests.support import empty_postgres_database

D = date.fromisoformat
PROVINCE = "19"
TN_CITY, DINH_HOA = "164", "167"
PHUC_HA, PHUC_XUAN, QUYET_THANG = "05485", "05488", "05491"  # xã of Thái Nguyên city
CHO_CHU, LINH_THONG = "05536", "05539"  # the thị trấn and a xã of Định Hóa
AREAS = (PROVINCE, TN_CITY, DINH_HOA, PHUC_HA, PHUC_XUAN, QUYET_THANG, CHO_CHU, LINH_THONG)
YEARS = (2022, 2023, 2024, 2025)
BASELINE = date(2022, 1, 1)
CONTEXT = FactContext(actor="test.indicators", evidence="QĐ test")

# domain.md §7, transcribed: code → (target, comparison, count target for the province).
PLAN: dict[str, tuple[float | None, str | None, bool]] = {
    "poverty_rate": (None, None, False),
    "poverty_rate_change": (-1.0, "<=", False),
    "ethnic_minority_poverty_rate": (None, None, False),
    "ethnic_minority_poverty_rate_change": (-2.0, "<=", False),
    "poor_reduction": (13200, ">=", True),
    "near_poor_reduction": (8100, ">=", True),
    "poor_near_poor_reduction": (21300, ">=", True),
    "livelihood_models": (60, ">=", True),
    "stable_employment": (100.0, ">=", False),
    "health_insurance": (100.0, ">=", False),
    "school_attendance": (90.0, ">=", False),
    "workers_trained": (65.0, ">=", False),
    "workers_certified": (27.0, ">=", False),
    "housing_supported": (2000, ">=", True),
    "safe_water": (90.0, ">=", False),
    "hygienic_latrine": (60.0, ">=", False),
    "telecom_access": (90.0, ">=", False),
}
# "% of target households whose latest survey is not deprived in …"
NOT_DEPRIVED_IN = {
    "stable_employment": "employment",
    "health_insurance": "health_insurance",
    "school_attendance": "child_school_attendance",
    "safe_water": "domestic_water",
    "hygienic_latrine": "sanitation",
    "telecom_access": "telecommunication",
}
SURVEY_PERCENTAGES = tuple(NOT_DEPRIVED_IN)
COUNTS = tuple(code for code, (_, _, count) in PLAN.items() if count)
# Every deprivation code of every standard (QĐ 59/2015 and Decree 07, domain.md §3.2, §3.3).
DEPRIVATIONS = (
    "employment",
    "dependants",
    "nutrition",
    "health_access",
    "health_insurance",
    "adult_education",
    "child_school_attendance",
    "housing_quality",
    "housing_area",
    "domestic_water",
    "sanitation",
    "telecommunication",
    "information_access",
)


# --- the brute force, from domain.md's text -------------------------------------------------


def half_up(value: Fraction | None) -> float | None:
    """One decimal, half up (away from zero), from an exact value."""
    if value is None:
        return None
    tenths = floor(abs(value) * 10 + Fraction(1, 2))
    return float(Fraction(tenths if value >= 0 else -tenths, 10))


def percent(part: int, whole: int) -> Fraction | None:
    return None if whole == 0 else Fraction(100 * part, whole)


def age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def is_minority(ethnicity: str | None) -> bool:
    return ethnicity is not None and ethnicity not in ("01", "55", "99")


@dataclass
class Figures:
    households: int = 0
    poor: int = 0
    near_poor: int = 0
    minority: int = 0
    minority_poor: int = 0
    surveyed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    not_deprived: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    workers: int = 0
    trained: int = 0
    certified: int = 0
    models: set[str] = field(default_factory=set)
    housing: set[str] = field(default_factory=set)


class BruteForce:
    """domain.md §7 computed household by household from the aggregates."""

    def __init__(self, container: Container, household_ids: Iterable[UUID]) -> None:
        self.units = container.units
        self.households: list[Household] = [
            container.case_files.household(hid) for hid in household_ids
        ]

    def in_area(self, household: Household, area: str) -> bool:
        return self.units.contains(area, household.commune_code)

    def figures(self, area: str, on: date) -> Figures:
        f = Figures()
        for h in self.households:
            if not self.in_area(h, area) or h.registered_on > on:
                continue
            f.households += 1
            state = status_on(h.recognitions, on)
            head = h.head(on)
            minority = head is not None and is_minority(head.ethnicity)
            f.poor += state.status == "poor"
            f.near_poor += state.status == "near_poor"
            f.minority += minority
            f.minority_poor += minority and state.status == "poor"
            if state.status in ("poor", "near_poor"):
                latest = h.latest_survey_on(on)
                if latest is not None:
                    for code in DEPRIVATIONS:
                        if code in latest.deprivations:  # the standard has the indicator
                            f.surveyed[code] += 1
                            f.not_deprived[code] += not latest.deprivations[code]
            supports = [
                s
                for s in h.supports.values()
                if s.reversed_on is None and BASELINE <= s.provided_on <= on
            ]
            if state.status in ("poor", "near_poor") or state.newly_escaped:
                for member in h.members_on(on):
                    if not 15 <= age(member.birth_date, on) <= 60:
                        continue
                    f.workers += 1
                    trainings = [
                        s
                        for s in supports
                        if s.support_type == "vocational_training"
                        and s.member_id == member.member_id
                    ]
                    f.trained += bool(trainings)
                    f.certified += any(s.certified for s in trainings)
            f.models |= {s.model for s in supports if s.support_type == "livelihood_model"}  # type: ignore[misc]
            if any(s.support_type == "housing" for s in supports):
                f.housing.add(str(h.id))
        return f

    def rates(self, area: str, year: int) -> dict[str, Fraction | None]:
        f = self.figures(area, date(year, 12, 31))
        return {
            "poverty_rate": percent(f.poor, f.households),
            "ethnic_minority_poverty_rate": percent(f.minority_poor, f.minority),
        }

    def values(self, area: str, year: int) -> dict[str, Any]:
        f = self.figures(area, date(year, 12, 31))
        base = self.figures(area, BASELINE)
        now, before = self.rates(area, year), self.rates(area, year - 1)

        def change(code: str) -> float | None:
            if now[code] is None or before[code] is None:
                return None
            return half_up(now[code] - before[code])  # type: ignore[operator]

        values: dict[str, Any] = {
            "poverty_rate": half_up(now["poverty_rate"]),
            "poverty_rate_change": change("poverty_rate"),
            "ethnic_minority_poverty_rate": half_up(now["ethnic_minority_poverty_rate"]),
            "ethnic_minority_poverty_rate_change": change("ethnic_minority_poverty_rate"),
            "poor_reduction": base.poor - f.poor,
            "near_poor_reduction": base.near_poor - f.near_poor,
            "poor_near_poor_reduction": base.poor + base.near_poor - f.poor - f.near_poor,
            "livelihood_models": len(f.models),
            "workers_trained": half_up(percent(f.trained, f.workers)),
            "workers_certified": half_up(percent(f.certified, f.workers)),
            "housing_supported": len(f.housing),
        }
        for code, deprivation in NOT_DEPRIVED_IN.items():
            values[code] = half_up(percent(f.not_deprived[deprivation], f.surveyed[deprivation]))
        return values

    def target(self, code: str, area: str, year: int) -> float | None:
        target, _, count = PLAN[code]
        if target is None:
            return None
        if not count:
            return target
        return target * (year - 2021) / 4 if area == PROVINCE else None

    def indicators(self, area: str, year: int) -> dict[str, dict[str, Any]]:
        values = self.values(area, year)
        trend = {y: self.values(area, y) for y in range(2022, year + 1)}
        expected = {}
        for code, (_, comparison, _) in PLAN.items():
            value, target = values[code], self.target(code, area, year)
            on_track = None
            if value is not None and target is not None:
                on_track = value >= target if comparison == ">=" else value <= target
            expected[code] = {
                "value": value,
                "target": target,
                "on_track": on_track,
                "trend": [{"year": y, "value": trend[y][code]} for y in sorted(trend)],
            }
        return expected

    def deprivation_analysis(self, area: str, on: date) -> dict[str, dict[str, dict[str, int]]]:
        communes: dict[str, dict[str, dict[str, int]]] = {}
        for h in self.households:
            if not self.in_area(h, area) or h.registered_on > on:
                continue
            state = status_on(h.recognitions, on).status
            latest = h.latest_survey_on(on)
            if state not in ("poor", "near_poor") or latest is None:
                continue
            counts = communes.setdefault(h.commune_code, {}).setdefault(
                state, {"households_surveyed": 0, **dict.fromkeys(DEPRIVATIONS, 0)}
            )
            counts["households_surveyed"] += 1
            for code in DEPRIVATIONS:
                counts[code] += bool(latest.deprivations.get(code, False))
        return communes


def assert_matches(answer: dict[str, Any], expected: dict[str, dict[str, Any]]) -> None:
    by_code = {item["code"]: item for item in answer["items"]}
    assert set(by_code) == set(PLAN)
    assert len(answer["items"]) == len(PLAN)
    where = f"{answer['area']} {answer['year']}"
    for code, want in expected.items():
        item = by_code[code]
        assert item["value"] == want["value"], f"{where} {code}: value"
        assert item["target"] == want["target"], f"{where} {code}: target"
        assert item["on_track"] is want["on_track"], f"{where} {code}: on_track"
        if code not in COUNTS:
            assert "trend" in item, f"{where} {code}: a rate or percentage has a trend"
        if "trend" in item:
            assert item["trend"] == want["trend"], f"{where} {code}: trend"


# --- recording ------------------------------------------------------------------------------------


Person = tuple[str, str, str, str]  # name, birth date, ethnicity, relation


@dataclass
class Family:
    id: UUID
    members: dict[str, str]  # name → member id


class Office:
    """Records facts through the case files application, remembering the households."""

    def __init__(self, files: CaseFiles) -> None:
        self.files = files
        self.ids: list[UUID] = []
        self.decisions = 0

    def household(self, code: str, commune: str, registered_on: str, *people: Person) -> Family:
        household, _ = self.files.register_household(
            RegisterHousehold(
                code=code,
                commune_code=commune,
                village="Xóm Trung Tâm",
                registered_on=D(registered_on),
                members=[
                    MemberDetails(
                        name=name,
                        birth_date=D(born),
                        sex="female" if "Thị" in name else "male",
                        ethnicity=ethnicity,
                        relation=relation,
                    )
                    for name, born, ethnicity, relation in people
                ],
                context=CONTEXT,
            )
        )
        self.ids.append(household.id)
        return Family(household.id, {m.name: m.member_id for m in household.members.values()})

    def join(self, family: Family, person: Person, joined_on: str) -> None:
        name, born, ethnicity, relation = person
        _, written = self.files.add_member(
            AddMember(
                household_id=family.id,
                member=MemberDetails(
                    name=name,
                    birth_date=D(born),
                    sex="male",
                    ethnicity=ethnicity,
                    relation=relation,
                ),
                joined_on=D(joined_on),
                context=CONTEXT,
            )
        )
        family.members[name] = str(written.extra["member_id"])

    def leave(self, family: Family, name: str, left_on: str) -> None:
        self.files.record_departure(
            RecordDeparture(
                household_id=family.id,
                member_id=family.members[name],
                left_on=D(left_on),
                context=FactContext(actor="test.indicators", reason="moved away"),
            )
        )

    def correct(self, family: Family, name: str, **changes: Any) -> None:
        self.files.correct_member(
            CorrectMemberDetails(
                household_id=family.id,
                member_id=family.members[name],
                changes=changes,
                context=FactContext(actor="test.indicators", reason="recorded wrongly"),
            )
        )

    def survey(
        self, family: Family, surveyed_on: str, income: int, *deprived: str
    ) -> dict[str, bool]:
        standard = standard_on(D(surveyed_on))
        unknown = set(deprived) - set(standard.indicators)
        assert not unknown, f"{standard.id} has no {unknown}"
        deprivations = {code: code in deprived for code in standard.indicators}
        self.files.record_survey(
            RecordSurvey(
                household_id=family.id,
                surveyed_on=D(surveyed_on),
                review="annual",
                income_per_capita=income,
                deprivations=deprivations,
                context=CONTEXT,
            )
        )
        return deprivations

    def recognise(self, family: Family, status: str, decided_on: str) -> str:
        self.decisions += 1
        _, written = self.files.record_recognition(
            RecordRecognition(
                household_id=family.id,
                status=status,
                decided_on=D(decided_on),
                decision_no=f"{self.decisions}/QĐ-UBND",
                context=CONTEXT,
            )
        )
        return str(written.extra["recognition_id"])

    def support(
        self,
        family: Family,
        support_type: str,
        provided_on: str,
        member: str | None = None,
        model: str | None = None,
        certified: bool | None = None,
    ) -> str:
        _, written, created = self.files.record_support(
            RecordSupport(
                household_id=family.id,
                support_type=support_type,
                provided_on=D(provided_on),
                member_id=family.members[member] if member else None,
                model=model,
                certified=certified,
                context=CONTEXT,
            )
        )
        assert created
        return str(written.extra["support_id"])

    def reverse(self, family: Family, support_id: str, reversed_on: str) -> None:
        self.files.reverse_support(
            ReverseSupport(
                household_id=family.id,
                support_id=support_id,
                reversed_on=D(reversed_on),
                context=FactContext(actor="test.indicators", reason="recorded by mistake"),
            )
        )


def catch_up(container: Container) -> None:
    for name in ("registers", "indicators"):
        container.projectors[name].prepare()
        container.projectors[name].catch_up()


def record_province(office: Office) -> dict[int, Family]:
    """Twelve households in five communes of two districts, with four years of history."""
    h: dict[int, Family] = {}

    # Phúc Hà (Thái Nguyên city). A Tày family: poor at the baseline, escapes to near-poor
    # (window to 2026-11-15), then above it.
    h[1] = f = office.household(
        "TN-01",
        PHUC_HA,
        "2019-03-01",
        ("Hoàng Văn An", "1962-12-31", "02", "head"),  # 60 on 2022-12-31, 61 a year later
        ("Nông Thị Bình", "1966-04-10", "02", "spouse"),
        ("Hoàng Văn Cường", "2008-12-31", "02", "child"),  # 15 on 2023-12-31
        ("Hoàng Thị Dung", "2001-05-05", "02", "child"),
    )
    office.recognise(f, "poor", "2021-10-01")
    office.survey(f, "2021-09-20", 650_000, "health_insurance", "sanitation", "housing_area")
    office.support(f, "vocational_training", "2021-11-01", "Hoàng Văn An", certified=True)
    office.support(f, "livelihood_model", "2021-12-15", model="Mô hình trước kỳ")
    office.support(f, "vocational_training", "2022-03-10", "Hoàng Thị Dung", certified=True)
    office.support(f, "livelihood_model", "2022-05-01", model="Nuôi gà đồi")
    office.support(f, "vocational_training", "2022-06-01", "Hoàng Văn An", certified=False)
    office.leave(f, "Hoàng Thị Dung", "2023-08-01")
    office.survey(f, "2023-10-01", 1_400_000, "employment", "sanitation")
    office.recognise(f, "near_poor", "2023-11-15")
    office.support(f, "vocational_training", "2024-03-01", "Hoàng Văn Cường", certified=True)
    office.recognise(f, "none", "2025-06-01")

    # A Kinh family: near-poor at the baseline, new poverty, two housing supports, escape.
    h[2] = f = office.household(
        "TN-02",
        PHUC_HA,
        "2018-01-01",
        ("Trần Văn Em", "1975-02-02", "01", "head"),
        ("Lê Thị Phương", "1978-03-03", "01", "spouse"),
        ("Trần Văn Giang", "2007-07-07", "01", "child"),  # 15 on 2022-12-31
    )
    office.recognise(f, "near_poor", "2021-11-20")
    office.survey(
        f,
        "2022-11-15",
        1_300_000,
        "employment",
        "domestic_water",
        "telecommunication",
        "housing_quality",
    )
    office.recognise(f, "poor", "2022-12-01")
    office.support(f, "housing", "2023-03-01")
    office.support(f, "housing", "2023-09-01")
    office.support(f, "vocational_training", "2023-05-01", "Trần Văn Giang", certified=False)
    mistaken = office.support(
        f, "vocational_training", "2023-06-01", "Lê Thị Phương", certified=True
    )
    office.reverse(f, mistaken, "2023-06-20")
    # Two surveys on one date: the later recorded is the latest.
    office.survey(f, "2024-11-20", 1_900_000, "health_insurance")
    office.survey(f, "2024-11-20", 1_900_000, "child_school_attendance", "sanitation")
    office.recognise(f, "average", "2024-12-10")  # escape: newly escaped to 2027-12-10
    office.support(f, "vocational_training", "2025-02-01", "Trần Văn Em", certified=True)

    # A Hmông family registered after the baseline, poor throughout.
    h[3] = f = office.household(
        "TN-03",
        PHUC_XUAN,
        "2022-06-01",
        ("Giàng A Hử", "1985-01-01", "05", "head"),
        ("Sùng Thị Ía", "1990-08-08", "05", "spouse"),
        ("Giàng A Khứ", "2010-12-31", "05", "child"),  # 15 on 2025-12-31
    )
    office.survey(
        f,
        "2022-08-20",
        800_000,
        "child_school_attendance",
        "sanitation",
        "dependants",
        "housing_area",
    )
    office.recognise(f, "poor", "2022-09-01")
    office.support(f, "livelihood_model", "2023-04-01", model="Nuôi gà đồi")
    tea = office.support(f, "livelihood_model", "2024-02-01", model="Trồng chè VietGAP")
    office.reverse(f, tea, "2024-02-15")
    office.support(f, "housing", "2024-06-01")
    # Two surveys on one date while poor: the later recorded is the latest.
    office.survey(f, "2024-10-10", 900_000, "health_insurance", "domestic_water", "nutrition")
    office.survey(f, "2024-10-10", 900_000, "child_school_attendance", "sanitation", "housing_area")
    office.support(f, "livelihood_model", "2025-01-10", model="Trồng nấm")
    office.support(f, "vocational_training", "2025-12-31", "Giàng A Khứ", certified=False)

    # New poverty in 2023, never surveyed.
    h[4] = f = office.household(
        "TN-04", PHUC_HA, "2020-02-02", ("Hà Văn Tiến", "1990-10-10", "02", "head")
    )
    office.recognise(f, "poor", "2023-03-01")

    # Escape (window to 2025-05-01), re-poverty closing the window, a second escape.
    h[5] = f = office.household(
        "TN-05",
        PHUC_XUAN,
        "2016-01-01",
        ("Đặng Văn Út", "1958-01-01", "01", "head"),
        ("Vũ Thị Vân", "1963-01-01", "01", "spouse"),  # 60 on 2023-12-31
    )
    office.recognise(f, "poor", "2021-06-01")
    office.survey(f, "2022-04-01", 1_600_000, "domestic_water", "information_access")
    office.recognise(f, "none", "2022-05-01")
    office.support(f, "vocational_training", "2022-08-01", "Vũ Thị Vân", certified=False)
    office.survey(
        f,
        "2023-05-20",
        1_200_000,
        "employment",
        "health_insurance",
        "sanitation",
        "telecommunication",
    )
    office.recognise(f, "poor", "2023-06-01")
    office.recognise(f, "none", "2023-12-20")
    revoked = office.recognise(f, "near_poor", "2025-03-01")
    office.files.revoke_recognition(
        RevokeRecognition(
            household_id=f.id,
            recognition_id=revoked,
            revoked_on=D("2025-04-01"),
            context=FactContext(actor="test.indicators", reason="annulled"),
        )
    )

    # A foreign head (55): never an ethnic-minority household.
    h[6] = f = office.household(
        "TN-06", PHUC_XUAN, "2021-01-01", ("John Smith", "1980-03-03", "55", "head")
    )
    office.recognise(f, "average", "2022-03-01")
    office.survey(f, "2024-03-01", 1_000_000, "employment", "dependants", "nutrition")
    office.recognise(f, "poor", "2024-04-04")

    # Never recognised, never surveyed.
    h[7] = office.household(
        "TN-07", PHUC_HA, "2015-01-01", ("Ngô Văn Yên", "1950-01-01", "01", "head")
    )

    # Chợ Chu (Định Hóa). Poor since 2020, only a QĐ 59 survey (no `employment`), escape above
    # near-poor (window to 2027-11-01); children leaving, one on 31 December.
    h[8] = f = office.household(
        "DH-01",
        CHO_CHU,
        "2020-01-01",
        ("Ma Văn Lâm", "1964-06-15", "02", "head"),  # 60 on 2024-12-31
        ("Lục Thị Mai", "1966-07-07", "02", "spouse"),
        ("Ma Văn Nam", "1995-01-01", "02", "child"),
        ("Ma Thị Oanh", "2000-02-29", "02", "child"),
    )
    office.recognise(f, "poor", "2020-05-01")
    office.survey(
        f, "2021-10-10", 850_000, "health_insurance", "telecommunication", "domestic_water"
    )
    office.support(f, "vocational_training", "2022-10-10", "Ma Thị Oanh", certified=False)
    office.support(f, "vocational_training", "2023-02-01", "Ma Văn Nam", certified=True)
    office.leave(f, "Ma Văn Nam", "2023-12-31")  # not present on 2023-12-31
    office.support(f, "livelihood_model", "2024-03-01", model="Nuôi bò sinh sản")
    office.leave(f, "Ma Thị Oanh", "2024-06-30")
    office.recognise(f, "none", "2024-11-01")

    # Above every line, surveyed once.
    h[9] = f = office.household(
        "DH-02", CHO_CHU, "2019-01-01", ("Nguyễn Văn Phúc", "1980-01-01", "01", "head")
    )
    office.survey(f, "2023-09-09", 3_500_000)

    # Registered in 2024, near-poor; a member joins in 2025.
    h[10] = f = office.household(
        "DH-03", CHO_CHU, "2024-07-01", ("Lò Văn Quý", "1999-09-09", "03", "head")
    )
    office.survey(f, "2024-07-15", 1_900_000, "telecommunication")
    office.recognise(f, "near_poor", "2024-08-01")
    office.join(f, ("Lò Văn Sáng", "2001-01-01", "03", "sibling"), "2025-03-03")

    # Linh Thông (Định Hóa). Near-poor from the baseline date itself; the head's ethnicity was
    # recorded wrongly as Kinh and corrected; a child's birth date corrected.
    h[11] = f = office.household(
        "DH-04",
        LINH_THONG,
        "2017-05-05",
        ("Phạm Văn Quang", "1970-09-09", "01", "head"),
        ("Đào Thị Rạng", "1972-12-31", "01", "spouse"),
        ("Phạm Văn Sơn", "2005-01-01", "01", "child"),
    )
    office.correct(f, "Phạm Văn Quang", ethnicity="06")
    office.correct(f, "Phạm Văn Sơn", birth_date=D("2007-06-01"))
    office.recognise(f, "near_poor", "2022-01-01")
    office.survey(f, "2022-09-01", 1_450_000, "health_insurance", "sanitation")
    office.support(f, "livelihood_model", "2022-07-07", model="Nuôi bò sinh sản")
    office.survey(f, "2024-09-01", 1_450_000)
    office.support(f, "vocational_training", "2024-05-01", "Phạm Văn Sơn", certified=True)

    # Unknown ethnicity (99): poor at the baseline (decided the day before), escapes on
    # 31 December 2022; a recognition recorded with the wrong status and corrected.
    h[12] = f = office.household(
        "DH-05", LINH_THONG, "2018-08-08", ("Không Rõ Tên", "1985-05-05", "99", "head")
    )
    office.recognise(f, "poor", "2021-12-31")
    office.survey(
        f,
        "2022-12-01",
        1_100_000,
        "housing_quality",
        "domestic_water",
        "sanitation",
        "telecommunication",
    )
    office.recognise(f, "near_poor", "2022-12-31")
    wrong = office.recognise(f, "poor", "2023-07-01")
    office.files.correct_recognition(
        CorrectRecognition(
            household_id=f.id,
            recognition_id=wrong,
            status="near_poor",
            context=FactContext(actor="test.indicators", reason="status recorded wrongly"),
        )
    )
    return h


@pytest.fixture
def province(container: Container) -> BruteForce:
    office = Office(container.case_files)
    record_province(office)
    catch_up(container)
    return BruteForce(container, office.ids)


def by_code(answer: dict[str, Any]) -> dict[str, Any]:
    return {item["code"]: item for item in answer["items"]}


# --- tests ----------------------------------------------------------------------------------------


def test_every_indicator_for_every_area_and_year_is_the_brute_force(
    container: Container, province: BruteForce
) -> None:
    for area in AREAS:
        for year in YEARS:
            answer = container.indicators.indicators(area, year)
            assert answer["area"] == area and answer["year"] == year
            assert answer["as_of"] == date(year, 12, 31)
            assert_matches(answer, province.indicators(area, year))
    # Again with nothing kept and the smallest areas first: their communes are counted by
    # commune, every date at once, rather than all communes one date at a time.
    container.indicators.forget()
    for area in reversed(AREAS):
        for year in YEARS:
            assert_matches(
                container.indicators.indicators(area, year), province.indicators(area, year)
            )


def test_spot_values_worked_out_by_hand(container: Container, province: BruteForce) -> None:
    """A few values worked out on paper, so the brute force itself is checked too."""
    y2022 = by_code(container.indicators.indicators(PROVINCE, 2022))
    # 11 households registered by 2022-12-31 (DH-03 came in 2024); poor: TN-01, TN-02, TN-03,
    # DH-01.
    assert y2022["poverty_rate"]["value"] == 36.4
    # At the baseline: poor TN-01, TN-05, DH-01, DH-05; near-poor TN-02, DH-04 (decided on
    # the baseline date). On 2022-12-31: poor 4, near-poor DH-04 and DH-05.
    assert y2022["poor_reduction"]["value"] == 0
    assert y2022["near_poor_reduction"]["value"] == 0
    assert y2022["poor_near_poor_reduction"]["value"] == 0
    assert y2022["poor_reduction"]["target"] == 3300
    assert y2022["poor_reduction"]["on_track"] is False
    # Models since the baseline: "Nuôi gà đồi" (TN-01), "Nuôi bò sinh sản" (DH-04).
    assert y2022["livelihood_models"]["value"] == 2
    assert y2022["housing_supported"]["value"] == 0

    y2023 = by_code(container.indicators.indicators(PROVINCE, 2023))
    # Two housing supports to TN-02 count once.
    assert y2023["housing_supported"]["value"] == 1
    assert y2023["housing_supported"]["target"] == 1000
    assert y2023["livelihood_models"]["value"] == 2  # "Nuôi gà đồi" again; tea reversed later

    y2025 = by_code(container.indicators.indicators(PROVINCE, 2025))
    assert y2025["livelihood_models"]["value"] == 3  # + "Trồng nấm"; the tea model reversed
    assert y2025["housing_supported"]["value"] == 2
    assert y2025["livelihood_models"]["target"] == 60

    # District and commune: no count targets, rate and percentage targets hold everywhere.
    for area in (DINH_HOA, CHO_CHU):
        items = by_code(container.indicators.indicators(area, 2024))
        for code in COUNTS:
            assert items[code]["target"] is None and items[code]["on_track"] is None
        assert items["poverty_rate_change"]["target"] == -1.0
        assert items["hygienic_latrine"]["target"] == 60.0
        assert items["poverty_rate"]["target"] is None

    # Chợ Chu on 2023-12-31: DH-01 is the only target household; its latest survey is a QĐ 59
    # one, which has no `employment`: left out, so no value.
    cho_chu = by_code(container.indicators.indicators(CHO_CHU, 2023))
    assert cho_chu["stable_employment"]["value"] is None
    assert cho_chu["stable_employment"]["on_track"] is None
    assert cho_chu["health_insurance"]["value"] == 0.0
    assert cho_chu["school_attendance"]["value"] == 100.0
    # Working-age members of DH-01 on 2023-12-31: Mai, Oanh and Lâm (59); Nam left that day.
    # Oanh was trained in 2022 without a certificate.
    assert cho_chu["workers_trained"]["value"] == 33.3
    assert cho_chu["workers_certified"]["value"] == 0.0

    # A commune without households: no rates, no percentages; counts are zero.
    empty = by_code(container.indicators.indicators(QUYET_THANG, 2024))
    for code in ("poverty_rate", "poverty_rate_change", "workers_trained", *SURVEY_PERCENTAGES):
        assert empty[code]["value"] is None
    assert empty["poor_reduction"]["value"] == 0
    assert empty["livelihood_models"]["value"] == 0


def test_the_deprivation_analysis_is_the_brute_force(
    container: Container, province: BruteForce
) -> None:
    for on in (D("2021-12-31"), BASELINE, D("2022-12-31"), D("2023-06-30"), D("2025-12-31")):
        for area in AREAS:
            answer = container.indicators.deprivation_analysis(area, on)
            assert answer["area"] == area and answer["as_of"] == on
            assert set(answer["indicators"]) == set(DEPRIVATIONS)
            assert answer["communes"] == province.deprivation_analysis(area, on), (area, on)


def test_a_new_head_of_another_ethnicity_does_not_change_earlier_years(
    container: Container,
) -> None:
    """The head who counts is the head on 31 December of the year (domain.md §2, §7)."""
    office = Office(container.case_files)
    family = office.household(
        "HC-01", PHUC_HA, "2019-01-01", ("Lý Văn Cũ", "1950-01-01", "02", "head")
    )
    office.recognise(family, "poor", "2021-01-01")
    office.leave(family, "Lý Văn Cũ", "2024-03-01")
    office.join(family, ("Trần Văn Mới", "1980-01-01", "01", "head"), "2024-03-01")
    catch_up(container)
    brute = BruteForce(container, office.ids)
    for year in (2023, 2024):
        expected = brute.indicators(PHUC_HA, year)
        assert expected["ethnic_minority_poverty_rate"]["value"] == (
            100.0 if year == 2023 else None
        )
        assert_matches(container.indicators.indicators(PHUC_HA, year), expected)


def test_a_recognition_cannot_predate_the_households_registration(
    container: Container,
) -> None:
    """Indicators are "over the households registered in A on that date" (§7): a decision
    dated before the household entered the review base is refused, so no status is ever
    counted for a household that was not yet registered."""
    office = Office(container.case_files)
    early = office.household(
        "RG-01", PHUC_HA, "2019-01-01", ("Ma Văn Sớm", "1970-01-01", "02", "head")
    )
    office.recognise(early, "near_poor", "2021-03-01")
    late = office.household(
        "RG-02", PHUC_HA, "2023-06-01", ("Ma Văn Muộn", "1972-01-01", "02", "head")
    )
    version = container.case_files.household(late.id).version
    with pytest.raises(RuleViolation) as refused:
        office.recognise(late, "poor", "2021-05-01")
    assert refused.value.errors[0].loc == ("decided_on",)
    assert container.case_files.household(late.id).version == version
    catch_up(container)
    brute = BruteForce(container, office.ids)
    for year in (2022, 2023):
        expected = brute.indicators(PHUC_HA, year)
        assert expected["poverty_rate"]["value"] == 0.0
        assert_matches(container.indicators.indicators(PHUC_HA, year), expected)


# --- generated histories --------------------------------------------------------------------------

GENERATED_COMMUNES = (PHUC_HA, PHUC_XUAN, CHO_CHU, LINH_THONG)
GENERATED_AREAS = (PROVINCE, TN_CITY, DINH_HOA, *GENERATED_COMMUNES)
ETHNICITIES = ("01", "01", "02", "05", "55", "99")
STATUSES = ("poor", "poor", "near_poor", "near_poor", "average", "none")
TODAY = date(2026, 12, 31)
SURVEY_EDGES = (date(2021, 12, 31), date(2022, 1, 1), date(2023, 12, 31))
EXAMPLES = settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Generated:
    commune: str
    registered_on: date
    ethnicity: str
    # (status, decided_on), in recording order
    recognitions: tuple[tuple[str, date], ...]
    # (surveyed_on, deprived codes), in recording order
    surveys: tuple[tuple[date, frozenset[str]], ...]


@st.composite
def generated_households(draw: st.DrawFn) -> tuple[Generated, ...]:
    count = draw(st.integers(1, 5))
    result = []
    for _ in range(count):
        registered_on = draw(st.dates(date(2019, 1, 1), date(2024, 6, 30)))
        # Recognitions on or after registration; a few shared dates make ties common.
        decided = st.dates(max(registered_on, date(2020, 1, 1)), date(2025, 12, 31))
        recognitions = draw(st.lists(st.tuples(st.sampled_from(STATUSES), decided), max_size=5))
        # Standard boundaries and year ends are where mistakes hide.
        edges = [d for d in SURVEY_EDGES if d >= registered_on]
        surveyed = st.dates(max(registered_on, date(2021, 1, 1)), date(2025, 12, 31))
        if edges:
            surveyed = st.one_of(surveyed, st.sampled_from(edges))
        surveys = draw(
            st.lists(
                st.tuples(
                    surveyed,
                    st.frozensets(st.sampled_from(DEPRIVATIONS), max_size=6),
                ),
                max_size=3,
            )
        )
        result.append(
            Generated(
                commune=draw(st.sampled_from(GENERATED_COMMUNES)),
                registered_on=registered_on,
                ethnicity=draw(st.sampled_from(ETHNICITIES)),
                recognitions=tuple(recognitions),
                surveys=tuple(surveys),
            )
        )
    return tuple(result)


FreshContainer = Callable[[], AbstractContextManager[Container]]


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_container(request: pytest.FixtureRequest) -> Iterator[FreshContainer]:
    """A container over an empty database of its own, for each hypothesis example."""
    postgres_url: str | None = None
    if request.param == "postgres":
        postgres_url = request.getfixturevalue("postgres_database")
    with tempfile.TemporaryDirectory(prefix="giamngheo-indicators-") as directory:
        counter = iter(range(1_000_000))

        @contextmanager
        def fresh() -> Iterator[Container]:
            if postgres_url is None:
                url = f"sqlite:///{Path(directory) / f'example-{next(counter)}.sqlite3'}"
            else:
                empty_postgres_database(postgres_url)
                url = postgres_url
            container = build_container(
                Settings(database_url=normalise_database_url(url)), today=lambda: TODAY
            )
            try:
                yield container
            finally:
                container.close()

        yield fresh


PROPERTY_CODES = (
    "poverty_rate",
    "poverty_rate_change",
    "ethnic_minority_poverty_rate",
    "ethnic_minority_poverty_rate_change",
    "poor_reduction",
    "near_poor_reduction",
    "poor_near_poor_reduction",
    *SURVEY_PERCENTAGES,
)


@EXAMPLES
@given(households=generated_households(), data=st.data())
def test_generated_histories_give_the_brute_force_rates_and_percentages(
    fresh_container: FreshContainer, households: tuple[Generated, ...], data: st.DataObject
) -> None:
    with fresh_container() as container:
        office = Office(container.case_files)
        for index, spec in enumerate(households):
            family = office.household(
                f"G-{index}",
                spec.commune,
                spec.registered_on.isoformat(),
                (f"Chủ hộ {index}", "1975-01-01", spec.ethnicity, "head"),
            )
            for status, decided_on in spec.recognitions:
                office.recognise(family, status, decided_on.isoformat())
            for surveyed_on, deprived in spec.surveys:
                indicators = standard_on(surveyed_on).indicators
                office.survey(
                    family,
                    surveyed_on.isoformat(),
                    1_000_000,
                    *(code for code in deprived if code in indicators),
                )
        catch_up(container)
        brute = BruteForce(container, office.ids)
        areas = data.draw(
            st.lists(st.sampled_from(GENERATED_AREAS), min_size=1, max_size=3, unique=True),
            label="areas",
        )
        year = data.draw(st.sampled_from(YEARS), label="year")
        for area in (PROVINCE, *areas):
            answer = by_code(container.indicators.indicators(area, year))
            expected = brute.indicators(area, year)
            for code in PROPERTY_CODES:
                assert answer[code]["value"] == expected[code]["value"], (area, year, code)
                if "trend" in answer[code]:
                    assert answer[code]["trend"] == expected[code]["trend"], (area, year, code)
            on = date(year, 12, 31)
            analysis = container.indicators.deprivation_analysis(area, on)
            assert analysis["communes"] == brute.deprivation_analysis(area, on)


@EXAMPLES
@given(households=generated_households(), data=st.data())
def test_figures_kept_between_requests_follow_the_facts_recorded_after_them(
    fresh_container: FreshContainer, households: tuple[Generated, ...], data: st.DataObject
) -> None:
    """Each commune's figures are kept between requests; recording facts in between, then
    asking again, gives what counting afresh gives, and only the communes with new facts are
    counted again."""
    with fresh_container() as container:
        office = Office(container.case_files)
        families = []
        for index, spec in enumerate(households):
            families.append(
                office.household(
                    f"K-{index}",
                    spec.commune,
                    spec.registered_on.isoformat(),
                    (f"Chủ hộ {index}", "1975-01-01", spec.ethnicity, "head"),
                )
            )
        year = data.draw(st.sampled_from(YEARS), label="year")
        areas = (PROVINCE, *GENERATED_AREAS)
        # The facts of each household go in two parts, with requests before, between and after.
        cut = data.draw(st.integers(0, len(households)), label="households in the first part")
        parts = (
            list(zip(households[:cut], families[:cut], strict=True)),
            list(zip(households[cut:], families[cut:], strict=True)),
        )
        for part in parts:
            catch_up(container)
            for area in areas:
                container.indicators.indicators(area, year)
            counted_before = container.indicators.counted
            changed = {spec.commune for spec, _ in part if spec.recognitions or spec.surveys}
            for spec, family in part:
                for status, decided_on in spec.recognitions:
                    office.recognise(family, status, decided_on.isoformat())
                for surveyed_on, deprived in spec.surveys:
                    indicators = standard_on(surveyed_on).indicators
                    office.survey(
                        family,
                        surveyed_on.isoformat(),
                        1_000_000,
                        *(code for code in deprived if code in indicators),
                    )
            catch_up(container)
            kept = {area: container.indicators.indicators(area, year) for area in areas}
            recounted = container.indicators.counted - counted_before
            container.indicators.forget()
            counted_afresh = container.indicators.counted
            afresh = container.indicators.indicators(PROVINCE, year)
            every_commune = container.indicators.counted - counted_afresh
            assert kept[PROVINCE] == afresh
            # Every commune was counted afresh; before, only those with new facts.
            all_communes = len(container.units.communes())
            assert recounted * all_communes == every_commune * len(changed)
            brute = BruteForce(container, office.ids)
            for area in areas:
                assert kept[area] == container.indicators.indicators(area, year)
                expected = brute.indicators(area, year)
                answer = by_code(kept[area])
                for code in PROPERTY_CODES:
                    assert answer[code]["value"] == expected[code]["value"], (area, year, code)


def test_counting_ahead_answers_the_first_request_from_kept_figures(
    container: Container, province: BruteForce
) -> None:
    container.indicators.count_ahead(2025)
    counted = container.indicators.counted
    assert counted > 0
    answer = container.indicators.indicators(PROVINCE, 2025)
    assert container.indicators.counted == counted
    assert_matches(answer, province.indicators(PROVINCE, 2025))
