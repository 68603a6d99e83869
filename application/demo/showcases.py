"""The scripted showcase households, which together show every movement, window and anomaly."""

from __future__ import annotations

from dataclasses import dataclass

from application.demo.rates import AVERAGE, NEAR, NONE, POOR
from application.demo.reference import HMONG, KINH
from domain.standards import Status

# Showcases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Showcase:
    """A scripted household: its recognised class after each review 2021..2025, and its
    anomalies (year indexes count from 0 for 2021)."""

    story: str
    states: tuple[Status, Status, Status, Status, Status]
    district: str
    ethnicity: str = KINH
    regular: tuple[tuple[int, int], ...] = ()  # (year index, month): the change came mid-year
    poor_housing: bool = False
    reverse_first_support: bool = False  # the first support with money, its money given back
    late_support: int | None = None  # year index: an agricultural support recorded 35–50 days late
    duplicate_support: int | None = None  # year index: an agricultural support entered twice
    repeat_housing: bool = False  # the same house supported twice in one year
    mistyped_status: tuple[int, Status] | None = None  # year index, the status recorded by mistake
    duplicate_recognition: int | None = None  # year index: the annual decision entered twice


SHOWCASES: tuple[Showcase, ...] = (
    Showcase(
        "poor in 2021; escaped to near-poor Dec 2022 (window ends Dec 2025: expired); "
        "escaped near-poverty Dec 2024; an agricultural support in 2022 entered twice",
        (POOR, NEAR, NEAR, AVERAGE, AVERAGE),
        district="167",
        ethnicity="02",
        duplicate_support=1,
    ),
    Showcase(
        "poor with a dilapidated house (housing support); escaped above near-poor Dec 2023 "
        "(window open until Dec 2026)",
        (POOR, POOR, AVERAGE, AVERAGE, NONE),
        district="170",
        ethnicity=HMONG,
        poor_housing=True,
    ),
    Showcase(
        "escaped poverty Dec 2022; poor again Dec 2024 (re-poverty cuts the window short)",
        (POOR, NONE, NONE, POOR, POOR),
        district="170",
        ethnicity="09",
    ),
    Showcase(
        "new near-poverty Dec 2023; escaped near-poverty Dec 2025; its first support with money "
        "reversed, the money given back",
        (NONE, NONE, NEAR, NEAR, AVERAGE),
        district="173",
        reverse_first_support=True,
    ),
    Showcase(
        "fell into poverty at a regular review in June 2023; escaped to near-poor Dec 2025; its "
        "first support with money reversed",
        (NONE, NONE, POOR, POOR, NEAR),
        district="171",
        ethnicity="18",
        regular=((2, 6),),
        reverse_first_support=True,
    ),
    Showcase(
        "escaped poverty at a regular review in June 2023 (window ends June 2026: expired)",
        (POOR, POOR, NONE, NONE, NONE),
        district="169",
        ethnicity="07",
        regular=((2, 6),),
    ),
    Showcase(
        "near-poor throughout, with young children (nutrition, health insurance); an "
        "agricultural support in 2023 recorded late; the December 2023 decision entered twice, "
        "the copy revoked",
        (NEAR, NEAR, NEAR, NEAR, NEAR),
        district="168",
        ethnicity="15",
        late_support=2,
        duplicate_recognition=2,
    ),
    Showcase(
        "poor throughout, with a dilapidated house (housing support, recorded twice)",
        (POOR, POOR, POOR, POOR, POOR),
        district="170",
        poor_housing=True,
        repeat_housing=True,
    ),
    Showcase(
        "escaped to average Dec 2022; poor again at a regular review in April 2023; "
        "escaped to near-poor Dec 2024 (window open until Dec 2027)",
        (POOR, AVERAGE, POOR, NEAR, NEAR),
        district="164",
        ethnicity="04",
        regular=((2, 4),),
    ),
    Showcase(
        "never poor; average-living from 2022, so low-income (vocational training)",
        (NONE, AVERAGE, AVERAGE, AVERAGE, AVERAGE),
        district="172",
    ),
    Showcase(
        "escaped near-poverty Dec 2022, but the decision was recorded as near-poor and corrected "
        "in February 2023: the supports given in between are ineligible as now known",
        (NEAR, AVERAGE, AVERAGE, AVERAGE, AVERAGE),
        district="171",
        ethnicity="07",
        mistyped_status=(1, NEAR),
    ),
)
