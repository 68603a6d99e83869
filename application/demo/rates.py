"""The demo's rates: how often households fall into or escape poverty, get support, are funded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from application.demo.reference import (
    AGRICULTURAL_INPUTS,
    DEVICES,
    HOUSING_AMOUNTS,
    LIVELIHOOD_MODELS,
    LIVESTOCK_MODELS,
    TRAINING_PER_MONTH,
)
from domain.standards import Status

FIRST_YEAR = 2021
LAST_YEAR = 2025
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
LAST_DAY = date(LAST_YEAR, 12, 31)
"""No demo fact is dated after this day."""
RECORDED_BY = date(LAST_YEAR + 1, 2, 28)
"""No demo fact is recorded after this day (loading needs a clock on or after it)."""

POOR: Status = "poor"
NEAR: Status = "near_poor"
AVERAGE: Status = "average"
NONE: Status = "none"
TARGET_STATUSES: tuple[Status, ...] = (POOR, NEAR)


@dataclass(frozen=True)
class District:
    """Plausible, not census, figures for one district-level unit."""

    minority_share: float  # of its rural households; halved in wards and townships
    poverty_factor: float  # relative poverty risk
    minority_mix: tuple[tuple[str, int], ...]  # ethnicity code, relative weight


DISTRICTS: dict[str, District] = {
    "164": District(  # Thành phố Thái Nguyên
        0.16,
        0.35,
        (("02", 40), ("07", 20), ("18", 10), ("04", 10), ("15", 8), ("09", 5), ("06", 5)),
    ),
    "165": District(  # Thành phố Sông Công
        0.21, 0.5, (("18", 35), ("02", 30), ("07", 15), ("15", 10), ("09", 5), ("04", 5))
    ),
    "167": District(  # Huyện Định Hóa
        0.83, 1.45, (("02", 70), ("09", 10), ("07", 8), ("15", 6), ("08", 2), ("04", 2), ("06", 2))
    ),
    "168": District(  # Huyện Phú Lương
        0.57, 1.15, (("02", 45), ("07", 15), ("15", 15), ("09", 15), ("18", 7), ("08", 3))
    ),
    "169": District(  # Huyện Đồng Hỷ
        0.52, 1.15, (("02", 30), ("07", 20), ("18", 20), ("09", 12), ("08", 10), ("15", 8))
    ),
    "170": District(  # Huyện Võ Nhai
        0.83, 2.0, (("02", 35), ("07", 22), ("09", 18), ("08", 18), ("15", 5), ("04", 2))
    ),
    "171": District(  # Huyện Đại Từ
        0.52, 1.05, (("02", 30), ("18", 25), ("07", 18), ("15", 15), ("09", 10), ("08", 2))
    ),
    "172": District(  # Thành phố Phổ Yên
        0.23, 0.6, (("18", 50), ("02", 20), ("07", 15), ("15", 8), ("09", 7))
    ),
    "173": District(  # Huyện Phú Bình
        0.25, 0.85, (("07", 35), ("02", 30), ("15", 20), ("18", 10), ("09", 5))
    ),
}
OTHER_DISTRICT = District(0.3, 1.0, (("02", 40), ("07", 25), ("09", 15), ("18", 10), ("15", 10)))

# Deprivation likelihoods among households below the line (weights for drawing which ones).
DEPRIVATION_WEIGHTS: dict[str, float] = {
    "employment": 0.55,
    "dependants": 0.0,  # not drawn: follows from the members present
    "nutrition": 0.18,
    "health_insurance": 0.12,
    "health_access": 0.15,
    "adult_education": 0.28,
    "child_school_attendance": 0.08,
    "housing_quality": 0.35,
    "housing_area": 0.2,
    "domestic_water": 0.3,
    "sanitation": 0.5,
    "telecommunication": 0.42,
    "information_access": 0.3,
}
# Support type → probability of being offered in a year to a target household.
SUPPORT_CHANCE: dict[str, float] = {
    "livelihood_model": 0.10,
    "agricultural_production": 0.20,
    "nutrition": 0.25,
    "vocational_training": 0.10,
    "employment_support": 0.12,
    "information_access": 0.08,
}
SHOWCASE_SUPPORT_CHANCE = 0.6  # showcases are offered every type often (health, housing: always)
HEALTH_INSURANCE_CHANCE = 0.97
HOUSING_CHANCE = 0.35
REVERSAL_CHANCE = 0.01

# Anomalies besides the showcases': chances per support or recognition recorded.
LATE_CHANCE = 0.004  # recorded 35–75 days after provided (supports provided by 15 October)
DUPLICATE_CHANCE = 0.0015  # entered again a few days later by the district office
DUPLICATE_REVERSED = 0.5  # of those, found and reversed later
MISTYPED_NUMBER_CHANCE = 0.003  # decision number mistyped, corrected weeks later
DUPLICATE_RECOGNITION_CHANCE = 0.001  # decision entered twice, the copy revoked


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


@dataclass(frozen=True)
class Funding:
    """How a programme line is funded: to which level of unit; from which sources, drawn in this
    order, each sized as a share of the expected need, but never less than a few supports' worth
    (a small load has few households per unit); a support's average amount (VND); the supports
    expected per 1,000 households of the province in 2022..2025 (measured on this generator); how
    often it may be topped up."""

    level: str  # district | commune
    sources: tuple[tuple[str, float], ...]
    mean_amount: float
    per_thousand: tuple[float, ...]
    top_ups: int = 2


FUNDING: dict[str, Funding] = {
    "DA2": Funding(
        "commune",
        (("central_recurrent", 1.0),),
        _mean([(low + high) / 2 * price for _, _, low, high, price in LIVELIHOOD_MODELS]),
        (10.7, 9.1, 9.2, 8.4),
    ),
    "DA3.TDA1": Funding(
        "district",
        (("central_recurrent", 1.0), ("local", 0.2)),
        _mean(
            [
                _mean(range(low, high + 1, step)) * price
                for _, low, high, step, price in AGRICULTURAL_INPUTS
            ]
        ),
        (20.4, 19.8, 18.3, 17.2),
    ),
    "DA4.TDA1": Funding(
        "district",
        (("central_recurrent", 1.0), ("local", 0.2)),
        2 * _mean(TRAINING_PER_MONTH),
        (6.3, 5.2, 5.4, 5.6),
    ),
    "DA6.TDA1": Funding(
        "district",
        (("central_recurrent", 1.0),),
        _mean([price for _, price in DEVICES]),
        (8.2, 7.9, 7.5, 6.6),
    ),
    "HOUSING": Funding(
        "district",
        (("mobilized", 1.0), ("local", 0.3)),
        _mean(HOUSING_AMOUNTS),
        (5.9, 3.4, 1.5, 1.1),
    ),
}
# Livestock models (two of the eight) in the poorest districts: central investment, drawn first.
INVESTMENT_DISTRICTS = ("167", "170")
INVESTMENT = Funding(
    "district",
    (("central_investment", 1.0),),
    _mean(
        [
            (low + high) / 2 * price
            for name, _, low, high, price in LIVELIHOOD_MODELS
            if name in LIVESTOCK_MODELS
        ]
    ),
    tuple(rate / 4 for rate in FUNDING["DA2"].per_thousand),
    top_ups=0,
)
TIGHT_SHARE = 0.06  # of allocation groups: sized short, never topped up
LEAST = 4  # supports' worth, at least
LEAST_TIGHT = 2
MARGIN = (1.05, 1.35)  # allocated / expected need
TIGHT_MARGIN = (0.5, 0.75)
REDUCED_SHARE = 0.5  # of allocations with more than a fifth left: reduced in December

# Households: composition, relative weight, poverty-risk factor.
COMPOSITIONS: tuple[tuple[str, int, float], ...] = (
    ("single_elderly", 8, 1.8),
    ("single_adult", 4, 1.0),
    ("couple_elderly", 10, 1.3),
    ("couple_young", 6, 0.7),
    ("nuclear", 45, 0.85),
    ("three_generations", 22, 1.05),
    ("skipped_generation", 5, 1.6),
)
MINORITY_RISK = 1.9
URBAN_RISK = 0.4

# The yearly chain of recognised classes, per review year 2022..2025 (index 1..4). Calibrated so
# that the province's shares come out near domain.md §7 (see DemoSummary's year-end table).
POOR_2021 = 0.0455
NEAR_2021 = 0.036
ESCAPE = (0.0, 0.38, 0.44, 0.52, 0.32)  # poor → not poor
NEAR_FALLS = (0.0, 0.035, 0.03, 0.025, 0.025)  # near-poor → poor
NEAR_ESCAPES = (0.0, 0.42, 0.46, 0.50, 0.44)  # near-poor → average or none
NEW_POOR = (0.0, 0.0028, 0.0022, 0.0017, 0.0019)  # average/none → poor
NEW_NEAR = (0.0, 0.0045, 0.004, 0.0035, 0.004)  # average/none → near-poor
ESCAPE_RISK_EXPONENT = 0.1  # the poorest escape a little less often
ESCAPES_TO_NEAR = 0.38  # of escapes; the rest go to average (42%) or none
REPOVERTY_FACTOR = 6.0  # for households that escaped poverty before
REGULAR_REVIEW_SHARE = 0.15  # of changes made by a regular review during the year
SURVEYED_WITHOUT_CAUSE = 0.10  # households neither poor, near-poor nor average surveyed anyway
