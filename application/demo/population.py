"""Who the demo households are: communes, profiles, paths through the reviews, survey values."""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from application.demo.rates import (
    AVERAGE,
    COMPOSITIONS,
    DEPRIVATION_WEIGHTS,
    DISTRICTS,
    ESCAPE,
    ESCAPE_RISK_EXPONENT,
    ESCAPES_TO_NEAR,
    MINORITY_RISK,
    NEAR,
    NEAR_2021,
    NEAR_ESCAPES,
    NEAR_FALLS,
    NEW_NEAR,
    NEW_POOR,
    NONE,
    OTHER_DISTRICT,
    POOR,
    POOR_2021,
    REGULAR_REVIEW_SHARE,
    REPOVERTY_FACTOR,
    TARGET_STATUSES,
    URBAN_RISK,
    YEARS,
    District,
)
from application.demo.reference import (
    GIVEN,
    HMONG,
    HMONG_GIVEN,
    KINH,
    KINH_MIDDLE,
    SURNAMES,
    VILLAGE_NAMES,
)
from application.demo.showcases import SHOWCASES, Showcase
from domain.calendar import age_on
from domain.household import Household, HouseholdCode
from domain.standards import Area, PovertyStandard, Status
from domain.units import AdminUnit, UnitRegistry


def household_code(prefix: str, commune_code: str, sequence: int) -> str:
    return f"{prefix}{commune_code}-{sequence:06d}"


def household_random(seed: int, index: int) -> random.Random:
    # A string seed is hashed with SHA-512: stable across runs, platforms and Python versions.
    return random.Random(f"giamngheo-demo/{seed}/{index}")


def showcase_at(index: int) -> Showcase | None:
    return SHOWCASES[index] if index < len(SHOWCASES) else None


class Communes:
    """The province's communes, each with a household weight and its villages (seeded)."""

    def __init__(self, units: UnitRegistry, seed: int) -> None:
        rng = random.Random(f"giamngheo-demo/{seed}/communes")
        self.units = sorted(units.communes(), key=lambda unit: unit.code)
        weights: list[float] = []
        self.villages: dict[str, tuple[str, ...]] = {}
        for unit in self.units:
            base = {"ward": 1.5, "township": 1.3}.get(unit.unit_type, 1.0)
            weights.append(base * rng.uniform(0.6, 1.4))
            if unit.area == "urban":
                count = rng.randint(8, 25)
                self.villages[unit.code] = tuple(f"Tổ dân phố số {n}" for n in range(1, count + 1))
            else:
                names = rng.sample(VILLAGE_NAMES, rng.randint(6, 14))
                self.villages[unit.code] = tuple(f"Xóm {name}" for name in names)
        self.cumulative: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        # Each commune's expected share of the households (the showcases aside).
        self.shares = {
            unit.code: weight / total for unit, weight in zip(self.units, weights, strict=True)
        }
        self.by_district: dict[str | None, list[AdminUnit]] = {}
        for unit in self.units:
            self.by_district.setdefault(unit.parent_code, []).append(unit)

    def choose(self, rng: random.Random, showcase: Showcase | None) -> AdminUnit:
        """The household's first draw: its commune."""
        if showcase is not None and showcase.district in self.by_district:
            return rng.choice(self.by_district[showcase.district])
        return rng.choices(self.units, cum_weights=self.cumulative)[0]


def risk_index(unit: AdminUnit) -> float:
    """How many of a commune's households the programme is expected to reach, relative to the
    others, as ``draw_profile`` and ``_generic_path`` weigh their poverty risk: the poor grow
    with the risk, the near-poor more slowly."""
    district = DISTRICTS.get(unit.parent_code or "", OTHER_DISTRICT)
    urban = unit.area == "urban"
    minority = district.minority_share * (0.5 if urban else 1.0)
    risk = district.poverty_factor * (URBAN_RISK if urban else 1.0)

    def reached(risk: float) -> float:
        return (risk + math.pow(risk, 0.7)) / 2

    return (1.0 - minority) * reached(risk) + minority * reached(risk * MINORITY_RISK)


# One household ---------------------------------------------------------------------------------


@dataclass
class _Path:
    states: tuple[Status, ...]  # recognised class after each annual review 2021..2025
    regular: dict[int, int]  # year index → month of the regular review that made the change


_Action = Callable[[], None]
_Item = tuple[date, int, int, _Action]
# Order of items on the same day.
LEAVE, JOIN, SURVEY, RECOGNITION, SUPPORT, REVERSAL, CORRECTION = range(7)


@dataclass
class Case:
    """One household being generated: its aggregate and what the generator knows of it."""

    rng: random.Random
    unit: AdminUnit
    area: Area
    ethnicity: str
    minority: bool
    surname: str  # the family name children take
    path: _Path
    poor_housing: bool
    showcase: Showcase | None
    household: Household
    claim: HouseholdCode
    actor: str
    clock: datetime  # when its last fact was recorded
    remedied: set[str] = field(default_factory=set)
    housing_done: bool = False
    recognised: Status = NONE  # as planned so far
    reversal_pending: bool = False
    joined: Counter[str] = field(default_factory=Counter)
    left: Counter[str] = field(default_factory=Counter)
    regular_surveys: int = 0
    reversals: int = 0
    refused: int = 0  # supports refused for lack of funds
    anomalies: Counter[str] = field(default_factory=Counter)
    # What is still to be recorded, by the day it is handled (a fact recorded late, or a
    # correction, may be handled after the year of its business date).
    items: list[_Item] = field(default_factory=list)
    planned: int = 0

    def plan(self, day: date, order: int, action: _Action) -> None:
        self.planned += 1
        heapq.heappush(self.items, (day, order, self.planned, action))

    @property
    def district_actor(self) -> str:
        """The district office, which also enters supports and decisions it handles."""
        return f"demo/ldtbxh.{self.unit.parent_code}"


def survey_values(
    case: Case, standard: PovertyStandard, target: str, day: date
) -> tuple[int, dict[str, bool]]:
    """Income per capita and deprivations that the standard classifies as ``target``."""
    rng = case.rng
    present = case.household.members_on(day)
    ages = [age_on(m.birth_date, day) for m in present]
    applicable = set(standard.indicators)
    if not any(age < 16 for age in ages):
        applicable.discard("nutrition")
    if not any(3 <= age < 16 for age in ages):
        applicable.discard("child_school_attendance")
    if not any(16 <= age <= 30 for age in ages):
        applicable.discard("adult_education")
    deprived: set[str] = set()
    if "dependants" in applicable:
        applicable.discard("dependants")
        dependants = sum(
            1 for m, age in zip(present, ages, strict=True) if age < 16 or age >= 60 or m.disability
        )
        if 2 * dependants > len(present):
            deprived.add("dependants")
    if target in TARGET_STATUSES:
        if case.poor_housing and "housing_quality" not in case.remedied:
            deprived.add("housing_quality")
        recognitions = case.household.recognitions
        if recognitions and recognitions[-1].status in TARGET_STATUSES:
            applicable.discard("health_insurance")  # the state pays their cards
    applicable -= case.remedied | deprived

    absolute = standard.absolute_poverty_line[case.area] if standard.absolute_poverty_line else None
    line = standard.income_line[case.area]
    ceiling = standard.average_ceiling[case.area] if standard.average_ceiling else None
    if target == POOR:
        wanted = rng.choice((3, 3, 3, 4, 4, 5, 6))
        if absolute is not None and rng.random() < 0.6:
            wanted = rng.choice((1, 2, 2, 3, 4))
            income = _income_between(rng, absolute // 2, absolute)  # poor by income alone
        else:
            low = absolute + 1000 if absolute is not None else line // 2
            income = line if rng.random() < 0.03 else _income_between(rng, low, line)
    elif target == NEAR:
        wanted = rng.choice((0, 1, 1, 2, 2, 2))
        low = absolute + 1000 if absolute is not None else line // 2
        income = line if rng.random() < 0.03 else _income_between(rng, low, line)
    elif target == AVERAGE:
        if ceiling is None:
            raise AssertionError(f"demo generator: {standard.id} has no average band")
        wanted = rng.choice((0, 0, 1, 1, 2, 3))
        income = _income_between(rng, line + 1000, ceiling)
    else:
        wanted = rng.choice((0, 0, 0, 1, 1, 2))
        floor = ceiling if ceiling is not None else line
        income = _income_between(rng, floor + 1000, int(floor * 2.5))
    missing = max(0, wanted - len(deprived))
    if missing:
        # Weighted sampling without replacement: the largest random() ** (1 / weight).
        candidates = [code for code in standard.indicators if code in applicable]
        ranked = sorted(
            candidates,
            key=lambda code: rng.random() ** (1.0 / DEPRIVATION_WEIGHTS.get(code, 0.2)),
            reverse=True,
        )
        deprived.update(ranked[:missing])
    return income, {code: code in deprived for code in standard.indicators}


def _income_between(rng: random.Random, low: int, high: int) -> int:
    """Whole thousands of VND in [low, high] (both multiples of 1,000 here)."""
    return 1000 * rng.randint(-(-low // 1000), high // 1000)


# Profiles and paths ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    ethnicity: str
    composition: str
    risk: float  # relative poverty risk; 1 is an average household
    path: _Path
    poor_housing: bool


def draw_profile(
    rng: random.Random, unit: AdminUnit, district: District, showcase: Showcase | None
) -> _Profile:
    """The household's ethnicity, make-up, poverty risk and path (its draws after the commune)."""
    urban = unit.area == "urban"
    minority_draw = rng.random()
    if showcase is not None:
        ethnicity = showcase.ethnicity
    elif minority_draw < district.minority_share * (0.5 if urban else 1.0):
        ethnicity = weighted(rng, district.minority_mix)
    else:
        ethnicity = KINH
    composition, composition_risk = _composition(rng, showcase)
    risk = district.poverty_factor * composition_risk * rng.lognormvariate(0.0, 0.35)
    if ethnicity != KINH:
        risk *= MINORITY_RISK
    if urban:
        risk *= URBAN_RISK
    path = _showcase_path(showcase) if showcase else _generic_path(rng, risk)
    poor_housing = rng.random() < 0.3
    if showcase is not None:
        poor_housing = showcase.poor_housing
    return _Profile(ethnicity, composition, risk, path, poor_housing)


def _showcase_path(showcase: Showcase) -> _Path:
    return _Path(states=showcase.states, regular=dict(showcase.regular))


def _generic_path(rng: random.Random, risk: float) -> _Path:
    """A yearly chain of recognised classes; ``risk`` 1 is an average household."""
    draw = rng.random()
    poor = min(0.6, POOR_2021 * risk)
    near = min(0.35, NEAR_2021 * risk**0.7)
    states: list[Status] = [POOR if draw < poor else NEAR if draw < poor + near else NONE]
    escaped = False
    for t in range(1, len(YEARS)):
        before = states[-1]
        draw, split = rng.random(), rng.random()
        after: Status
        if before == POOR:
            if draw < min(0.9, ESCAPE[t] / risk**ESCAPE_RISK_EXPONENT):
                after = NEAR if split < ESCAPES_TO_NEAR else AVERAGE if split < 0.8 else NONE
                escaped = True
            else:
                after = POOR
        elif before == NEAR:
            falls = NEAR_FALLS[t] * risk**0.5
            if draw < falls:
                after = POOR
            elif draw < falls + min(0.9, NEAR_ESCAPES[t] / risk**0.3):
                after = AVERAGE if split < 0.6 else NONE
            else:
                after = NEAR
        else:
            falls = NEW_POOR[t] * risk * (REPOVERTY_FACTOR if escaped else 1.0)
            nears = NEW_NEAR[t] * risk**0.7
            if before == AVERAGE:
                falls, nears = 1.5 * falls, 2.5 * nears
            if draw < falls:
                after = POOR
            elif draw < falls + nears:
                after = NEAR
            elif before == AVERAGE:
                after = NONE if split < 0.15 else AVERAGE
            else:
                after = AVERAGE if split < 0.012 * risk**0.5 else NONE
        states.append(after)
    regular: dict[int, int] = {}
    for t in range(1, len(YEARS)):
        draw, month = rng.random(), rng.randint(3, 8)
        changed = states[t] != states[t - 1]
        if changed and {states[t], states[t - 1]} & {POOR, NEAR} and draw < REGULAR_REVIEW_SHARE:
            regular[t] = month
    return _Path(states=tuple(states), regular=regular)


# Small helpers ---------------------------------------------------------------------------------


def _composition(rng: random.Random, showcase: Showcase | None) -> tuple[str, float]:
    draw = rng.uniform(0, sum(weight for _, weight, _ in COMPOSITIONS))
    if showcase is not None:
        return "showcase", 1.0
    for name, weight, risk in COMPOSITIONS:
        draw -= weight
        if draw <= 0:
            return name, risk
    return COMPOSITIONS[-1][0], COMPOSITIONS[-1][2]


T = TypeVar("T")


def weighted(rng: random.Random, options: tuple[tuple[T, int], ...]) -> T:
    draw = rng.uniform(0, sum(weight for _, weight in options))
    for value, weight in options:
        draw -= weight
        if draw <= 0:
            return value
    return options[-1][0]


def draw_sex(rng: random.Random, male_share: float) -> str:
    return "male" if rng.random() < male_share else "female"


def person_name(rng: random.Random, ethnicity: str, sex: str, surname: str | None) -> str:
    family = surname or rng.choice(SURNAMES.get(ethnicity, SURNAMES[KINH]))
    if ethnicity == HMONG:
        middle = "A" if sex == "male" else "Thị"
        given = rng.choice(HMONG_GIVEN[sex])
    else:
        middle = (
            rng.choice(KINH_MIDDLE[sex])
            if ethnicity == KINH
            else ("Văn" if sex == "male" else "Thị")
        )
        given = rng.choice(GIVEN[sex])
    return f"{family} {middle} {given}"


def day_between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randrange((last - first).days + 1))
