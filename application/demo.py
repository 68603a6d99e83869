"""Deterministic, realistic demo data: a province's households through the 2021–2025 reviews, and
the money that supported them.

``load_demo(case_files, DemoParameters(households=N, seed=S), progress)`` writes N households in the
province's real communes, with their members, the annual reviews of 2021 to 2025 (surveys dated
1 September – 25 November, recognition decisions by each commune on one day of 5–14 December),
some regular reviews in between (survey on the 15th–20th, decision on the 25th–28th), members born,
married in or out, dying or moving away, supports of every type from 2022 on, and the fund
allocations of 2022–2025 that the supports with money draw on.

Every fact goes through the same checks and aggregate methods as a caseworker's command: what the
command states (``domain.household_inputs``), then the household's own method
(``Household.register``, ``record_survey``, ``record_recognition``, ``record_support``,
``add_member``, ``record_departure``, ``reverse_support``, ``correct_recognition``,
``revoke_recognition``; ``CaseFiles.draft_allocation``) and the allocation's own rules (``draw``,
``adjust``, ``give_back``), so it
passes the same checks; a refusal while generating is a bug in this module, never something to
skip. Supports are given only when eligible on their date (checked first with the same domain rule,
``domain.supports.refusal_reason``).

Money (domain.md §6). Where the programme pays money (livelihood models, agricultural production,
vocational training, information access, housing at 40–60 million VND) a support states its amount,
and what it bought as a quantity and unit, and draws on an allocation of its programme line, for
the year it was provided, whose unit contains the household's commune. Nutrition and health
insurance are given in kind (kg, cards): a quantity and unit, no money. Allocations are made by
decision ("123/QĐ-UBND") in January of each fiscal year 2022–2025, when first needed: each district
gets central recurrent funds for each programme line, with a local counterpart for agricultural
production and vocational training, and mobilized funds with a local counterpart for housing; each
commune gets its livelihood model project; the two poorest districts also get central investment
for livestock models, drawn first. They are sized from the expected number of supports, so they
rarely run out; one that would is topped up by an adjustment (at most twice, June–October). A few,
deterministically, are tight and never topped up: once spent, further requests are refused and
skipped, as the case files would refuse them (``DemoSummary.refused_for_funds``). After the last
household, about half of the allocations with much left are adjusted down in December (never below
what was spent). An allocation is drafted once, keeps its draws across batches, and is saved with
the households of each batch that gave it new facts.

Recording times. Every household fact carries a plausible recording moment
(``FactContext.recorded_at``): its business date plus a short delay (same day to ten days, weekends
skipped) at office hours in Vietnam, strictly increasing within each household, so that ``known_at``
views and the inspection findings see a history rather than the loading instant. No moment is after
``RECORDED_BY``, and loading needs a clock on or after that day. Allocation decisions and
adjustments are recorded just after their decision dates too; draws and give-backs
(``FundAllocation.draw`` and ``give_back`` take no recording time) and household-code claims carry
the loading time.

Anomalies, so that the inspection and audit views have something to show (every finding kind
appears among the default 300 households): supports recorded more than 30 days after they were
provided; supports entered a second time by the district office (same household, member, type and
date), about half of them reversed as duplicates later; a house supported twice; a recognition
recorded with the wrong status and corrected weeks later, which leaves the supports given in
between ineligible as now known; mistyped decision numbers, corrected; decisions entered twice, the
copy revoked; and supports reversed with their reasons, the money given back to the allocation.

Realism, roughly (the province's figures in ``domain.md`` §7): about 6% of households poor after
the 2021 review, falling to about 2% at the end of 2025; near-poor about 4% falling to about 2.3%;
about 38% ethnic-minority households, most in the mountain districts; urban wards and townships
have urban, less often poor households. The first households are scripted "showcases"
(``SHOWCASES``): together they produce every movement kind, escape windows that are open, expired
and cut short as of late 2026, every support type and every anomaly above, so even a small load
shows everything.

Determinism: the facts (codes, names, dates, values, statuses, support types, amounts, the
allocations, their decisions and adjustments) and the household facts' recording times are a pure
function of ``(households, seed)``, whatever the batch size: each household draws from its own
``random.Random`` seeded with the seed and its index, each allocation group from one seeded with its
year, programme line, unit and source, never from the global generator, and everything is dated on
or before 2025-12-31, whatever the clock says. Identifiers (UUIDs) differ between loads, as do the
recording times of draws, give-backs and code claims.

Streaming: households are generated and saved ``batch_size`` at a time, each batch in one
transaction (``CaseFiles.save_drafts``) with the allocations it changed, then dropped, so memory
stays flat up to province scale; only the allocations (about a thousand at province scale) stay.

Loading twice: household codes are ``{code_prefix}{commune code}-{sequence:06d}``, whatever the
seed. A second load with the same prefix into the same database fails with ``Conflict`` before
writing anything (its first code exists); should a later code clash anyway, that batch fails with
``Conflict`` (each batch is all or nothing) and the batches before it stay. Pass another
``code_prefix`` to load a second set beside the first (with allocations of its own).
"""

from __future__ import annotations

import heapq
import math
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from itertools import accumulate
from typing import Any, TypeVar, cast
from uuid import UUID, uuid4

from application.case_files import CaseFiles
from application.commands import (
    MakeAllocation,
    MemberDetails,
    RegisterHousehold,
)
from domain import household_inputs as inputs
from domain.calendar import age_on, date_in_vietnam
from domain.errors import Conflict, invalid, violated
from domain.funds import FundAllocation
from domain.household import FactContext, Household, HouseholdCode, Member
from domain.household_inputs import HOUSEHOLD_CODE
from domain.records import SupportGiven
from domain.standards import Area, PovertyStandard, Status, standard_on
from domain.status import MOVEMENTS, status_on, steps, windows
from domain.supports import (
    programme_lines,
    refusal_reason,
    support_catalogue,
)
from domain.units import PROVINCE_CODE, AdminUnit, UnitRegistry, thai_nguyen_units

__all__ = [
    "ETHNIC_GROUPS",
    "LAST_DAY",
    "RECORDED_BY",
    "SHOWCASES",
    "DemoParameters",
    "DemoSummary",
    "household_codes",
    "load_demo",
]

# The official list of Vietnam's ethnic groups and their codes (Decision 121-TCTK/PPCĐ of
# 2 March 1979, used by the statistics office and the population registers). Only some are used
# below; the whole list is here so that the codes can be checked against the source.
ETHNIC_GROUPS: dict[str, str] = {
    "01": "Kinh",
    "02": "Tày",
    "03": "Thái",
    "04": "Hoa",
    "05": "Khơ-me",
    "06": "Mường",
    "07": "Nùng",
    "08": "Hmông (H'Mông, Mông)",
    "09": "Dao",
    "10": "Gia-rai",
    "11": "Ngái",
    "12": "Ê-đê",
    "13": "Ba-na",
    "14": "Xơ-đăng",
    "15": "Sán Chay (Cao Lan – Sán Chỉ)",
    "16": "Cơ-ho",
    "17": "Chăm",
    "18": "Sán Dìu",
    "19": "Hrê",
    "20": "Mnông",
    "21": "Ra-glai",
    "22": "Xtiêng",
    "23": "Bru-Vân Kiều",
    "24": "Thổ",
    "25": "Giáy",
    "26": "Cơ-tu",
    "27": "Gié-Triêng",
    "28": "Mạ",
    "29": "Khơ-mú",
    "30": "Co",
    "31": "Tà-ôi",
    "32": "Chơ-ro",
    "33": "Kháng",
    "34": "Xinh-mun",
    "35": "Hà Nhì",
    "36": "Chu-ru",
    "37": "Lào",
    "38": "La Chí",
    "39": "La Ha",
    "40": "Phù Lá",
    "41": "La Hủ",
    "42": "Lự",
    "43": "Lô Lô",
    "44": "Chứt",
    "45": "Mảng",
    "46": "Pà Thẻn",
    "47": "Co Lao",
    "48": "Cống",
    "49": "Bố Y",
    "50": "Si La",
    "51": "Pu Péo",
    "52": "Brâu",
    "53": "Ơ-đu",
    "54": "Rơ-măm",
    "55": "Người nước ngoài (foreigner)",
}
KINH = "01"
HMONG = "08"

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
class _District:
    """Plausible, not census, figures for one district-level unit."""

    minority_share: float  # of its rural households; halved in wards and townships
    poverty_factor: float  # relative poverty risk
    minority_mix: tuple[tuple[str, int], ...]  # ethnicity code, relative weight


_DISTRICTS: dict[str, _District] = {
    "164": _District(  # Thành phố Thái Nguyên
        0.16,
        0.35,
        (("02", 40), ("07", 20), ("18", 10), ("04", 10), ("15", 8), ("09", 5), ("06", 5)),
    ),
    "165": _District(  # Thành phố Sông Công
        0.21, 0.5, (("18", 35), ("02", 30), ("07", 15), ("15", 10), ("09", 5), ("04", 5))
    ),
    "167": _District(  # Huyện Định Hóa
        0.83, 1.45, (("02", 70), ("09", 10), ("07", 8), ("15", 6), ("08", 2), ("04", 2), ("06", 2))
    ),
    "168": _District(  # Huyện Phú Lương
        0.57, 1.15, (("02", 45), ("07", 15), ("15", 15), ("09", 15), ("18", 7), ("08", 3))
    ),
    "169": _District(  # Huyện Đồng Hỷ
        0.52, 1.15, (("02", 30), ("07", 20), ("18", 20), ("09", 12), ("08", 10), ("15", 8))
    ),
    "170": _District(  # Huyện Võ Nhai
        0.83, 2.0, (("02", 35), ("07", 22), ("09", 18), ("08", 18), ("15", 5), ("04", 2))
    ),
    "171": _District(  # Huyện Đại Từ
        0.52, 1.05, (("02", 30), ("18", 25), ("07", 18), ("15", 15), ("09", 10), ("08", 2))
    ),
    "172": _District(  # Thành phố Phổ Yên
        0.23, 0.6, (("18", 50), ("02", 20), ("07", 15), ("15", 8), ("09", 7))
    ),
    "173": _District(  # Huyện Phú Bình
        0.25, 0.85, (("07", 35), ("02", 30), ("15", 20), ("18", 10), ("09", 5))
    ),
}
_OTHER_DISTRICT = _District(0.3, 1.0, (("02", 40), ("07", 25), ("09", 15), ("18", 10), ("15", 10)))


def _words(text: str, separator: str = " ") -> tuple[str, ...]:
    return tuple(text.split(separator))


_SURNAMES: dict[str, tuple[str, ...]] = {
    code: _words(names)
    for code, names in {
        KINH: "Nguyễn Nguyễn Nguyễn Trần Lê Phạm Hoàng Vũ Đỗ Ngô Dương Đặng Bùi Đinh Lương Trịnh "
        "Phan Lưu Tạ Hà",
        "02": "Hoàng Nông Ma Lương Triệu Hà Lục Dương Âu Mạc",
        "03": "Lò Cầm Vi Lường Hà",
        "04": "Lý Trương Hoàng Lưu Trần Quan",
        "06": "Bùi Đinh Quách Hà Xa",
        "07": "Hoàng Nông Lăng Mông Chu Vi Lục Hứa",
        HMONG: "Giàng Vàng Sùng Lý Thào Hầu Mùa Lầu",
        "09": "Triệu Bàn Đặng Lý Phùng Chảo Lò",
        "15": "Trần Hoàng Lâm Lưu Đàm Hà Ninh",
        "18": "Trương Diệp Lam Lý Tạ Đặng Ninh Phạm",
    }.items()
}
_KINH_MIDDLE = {
    "male": _words("Văn Văn Đức Minh Quang Xuân"),
    "female": _words("Thị Thị Thị Thị Ngọc Thu Thanh"),
}
_GIVEN = {
    "male": _words(
        "Hùng Dũng Tuấn Minh Nam Hải Long Thắng Quang Sơn Cường Hòa Bình Phúc Đức Tiến Thành "
        "Trung Khánh An Huy Toàn Lâm Kiên Vinh Hưng Tùng Quý Chiến Thái"
    ),
    "female": _words(
        "Lan Hương Hoa Mai Hạnh Thu Hà Linh Huyền Thảo Nga Yến Loan Nhung Trang Hằng Dung "
        "Phương Ngọc Vân Liên Thủy Hiền Oanh Quyên Chi Tâm Xuân Duyên Hồng"
    ),
}
_HMONG_GIVEN = {
    "male": _words("Páo Sùng Chứ Pó Dình Lử Chính Sính Tủa Vảng"),
    "female": _words("Mỷ Dợ Sua Chá Mai Sinh Pàng Dở Mỉ Say"),
}
_VILLAGE_NAMES = _words(
    "Đồng Tâm, Tân Lập, Làng Mới, Na Mọn, Khuôn Nanh, Bản Quyên, Đồng Bầu, Cây Thị, Làng Lớn, "
    "Đèo Khế, Trung Tâm, Đồng Chùa, Bãi Bằng, Gốc Gạo, Tiến Bộ, Thống Nhất, Na Hoàng, Khe Cốc, "
    "Đồng Danh, Pác Ngòi, Làng Chẽ, Tân Thành, Đồng Kiệm, Bờ Đậu, Hồng Phong, Nà Mạt, Cầu Tre, "
    "Đồng Lường, Xuân Hòa, Khe Vàng",
    ", ",
)

# Deprivation likelihoods among households below the line (weights for drawing which ones).
_DEPRIVATION_WEIGHTS: dict[str, float] = {
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

# Livelihood models (domain.md §5: a livelihood_model support names its model): kind, unit,
# quantity range, and what the programme pays per unit (VND). A model is one commune's project in
# one year, so its name says both.
_LIVELIHOOD_MODELS: tuple[tuple[str, str, int, int, int], ...] = (
    ("Nuôi bò sinh sản", "con", 1, 2, 18_000_000),
    ("Nuôi lợn nái", "con", 1, 2, 5_000_000),
    ("Nuôi gà thả đồi", "con", 50, 200, 80_000),
    ("Trồng chè VietGAP", "cây", 500, 2000, 3_000),
    ("Trồng bưởi", "cây", 40, 150, 50_000),
    ("Trồng keo lai", "cây", 1000, 3000, 1_500),
    ("Nuôi ong lấy mật", "đàn", 5, 20, 1_000_000),
    ("Nuôi cá ao", "kg", 50, 200, 50_000),
)
_LIVESTOCK_MODELS = ("Nuôi bò sinh sản", "Nuôi lợn nái")  # also funded by central investment
# Agricultural production support: unit, quantity range and step, price per unit (VND).
_AGRICULTURAL_INPUTS: tuple[tuple[str, int, int, int, int], ...] = (
    ("kg phân bón", 100, 500, 50, 12_000),
    ("kg giống lúa", 20, 60, 5, 35_000),
    ("cây giống", 100, 1000, 100, 8_000),
)
_TRAINING_PER_MONTH = (1_200_000, 1_500_000, 1_800_000)  # VND: a short course's fees and meals
_DEVICES: tuple[tuple[str, int], ...] = (
    ("bộ thu thanh", 1_200_000),
    ("ti vi", 5_500_000),
    ("điện thoại thông minh", 3_500_000),
)
_HOUSING_AMOUNTS = tuple(range(40_000_000, 60_000_001, 5_000_000))
# Support type → probability of being offered in a year to a target household.
_SUPPORT_CHANCE: dict[str, float] = {
    "livelihood_model": 0.10,
    "agricultural_production": 0.20,
    "nutrition": 0.25,
    "vocational_training": 0.10,
    "employment_support": 0.12,
    "information_access": 0.08,
}
_SHOWCASE_SUPPORT_CHANCE = 0.6  # showcases are offered every type often (health, housing: always)
_HEALTH_INSURANCE_CHANCE = 0.97
_HOUSING_CHANCE = 0.35
_REVERSAL_CHANCE = 0.01
_REVERSAL_REASONS = (
    "Ghi nhầm hộ nhận hỗ trợ",
    "Hộ không nhận, kinh phí đã nộp trả",
    "Hộ chuyển đi trước khi nhận hỗ trợ",
)
_DUPLICATE_REASON = "Trùng với hỗ trợ đã ghi"

# Anomalies besides the showcases': chances per support or recognition recorded.
_LATE_CHANCE = 0.004  # recorded 35–75 days after provided (supports provided by 15 October)
_DUPLICATE_CHANCE = 0.0015  # entered again a few days later by the district office
_DUPLICATE_REVERSED = 0.5  # of those, found and reversed later
_MISTYPED_NUMBER_CHANCE = 0.003  # decision number mistyped, corrected weeks later
_DUPLICATE_RECOGNITION_CHANCE = 0.001  # decision entered twice, the copy revoked

_STATUS_VI: dict[str, str] = {
    "poor": "hộ nghèo",
    "near_poor": "hộ cận nghèo",
    "average": "hộ có mức sống trung bình",
    "none": "hộ không thuộc diện nghèo, cận nghèo",
}

# Recording: the delay after the business date in days (relative weights), at office hours in
# Vietnam on a working day.
VIETNAM = timezone(timedelta(hours=7), "ICT")
_DELAYS = tuple(range(11))
_DELAY_CUMULATIVE = tuple(accumulate((30, 20, 13, 10, 7, 6, 4, 4, 2, 2, 2)))
_MORNING = (7 * 60 + 30, 11 * 60 + 30)  # minutes after midnight
_AFTERNOON = (13 * 60 + 30, 17 * 60)
_OFFICE_MINUTES = (_MORNING[1] - _MORNING[0]) + (_AFTERNOON[1] - _AFTERNOON[0])
_BEFORE_ALL = datetime(2000, 1, 1, tzinfo=UTC)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


@dataclass(frozen=True)
class _Funding:
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


_FUNDING: dict[str, _Funding] = {
    "DA2": _Funding(
        "commune",
        (("central_recurrent", 1.0),),
        _mean([(low + high) / 2 * price for _, _, low, high, price in _LIVELIHOOD_MODELS]),
        (10.7, 9.1, 9.2, 8.4),
    ),
    "DA3.TDA1": _Funding(
        "district",
        (("central_recurrent", 1.0), ("local", 0.2)),
        _mean(
            [
                _mean(range(low, high + 1, step)) * price
                for _, low, high, step, price in _AGRICULTURAL_INPUTS
            ]
        ),
        (20.4, 19.8, 18.3, 17.2),
    ),
    "DA4.TDA1": _Funding(
        "district",
        (("central_recurrent", 1.0), ("local", 0.2)),
        2 * _mean(_TRAINING_PER_MONTH),
        (6.3, 5.2, 5.4, 5.6),
    ),
    "DA6.TDA1": _Funding(
        "district",
        (("central_recurrent", 1.0),),
        _mean([price for _, price in _DEVICES]),
        (8.2, 7.9, 7.5, 6.6),
    ),
    "HOUSING": _Funding(
        "district",
        (("mobilized", 1.0), ("local", 0.3)),
        _mean(_HOUSING_AMOUNTS),
        (5.9, 3.4, 1.5, 1.1),
    ),
}
# Livestock models (two of the eight) in the poorest districts: central investment, drawn first.
_INVESTMENT_DISTRICTS = ("167", "170")
_INVESTMENT = _Funding(
    "district",
    (("central_investment", 1.0),),
    _mean(
        [
            (low + high) / 2 * price
            for name, _, low, high, price in _LIVELIHOOD_MODELS
            if name in _LIVESTOCK_MODELS
        ]
    ),
    tuple(rate / 4 for rate in _FUNDING["DA2"].per_thousand),
    top_ups=0,
)
_TIGHT_SHARE = 0.06  # of allocation groups: sized short, never topped up
_LEAST = 4  # supports' worth, at least
_LEAST_TIGHT = 2
_MARGIN = (1.05, 1.35)  # allocated / expected need
_TIGHT_MARGIN = (0.5, 0.75)
_REDUCED_SHARE = 0.5  # of allocations with more than a fifth left: reduced in December
_SOURCE_NAMES = {
    "central_investment": "vốn đầu tư phát triển ngân sách trung ương",
    "central_recurrent": "vốn sự nghiệp ngân sách trung ương",
    "local": "vốn đối ứng ngân sách địa phương",
    "mobilized": "nguồn vận động Quỹ Vì người nghèo",
}

# Households: composition, relative weight, poverty-risk factor.
_COMPOSITIONS: tuple[tuple[str, int, float], ...] = (
    ("single_elderly", 8, 1.8),
    ("single_adult", 4, 1.0),
    ("couple_elderly", 10, 1.3),
    ("couple_young", 6, 0.7),
    ("nuclear", 45, 0.85),
    ("three_generations", 22, 1.05),
    ("skipped_generation", 5, 1.6),
)
_MINORITY_RISK = 1.9
_URBAN_RISK = 0.4

# The yearly chain of recognised classes, per review year 2022..2025 (index 1..4). Calibrated so
# that the province's shares come out near domain.md §7 (see DemoSummary's year-end table).
_POOR_2021 = 0.0455
_NEAR_2021 = 0.036
_ESCAPE = (0.0, 0.38, 0.44, 0.52, 0.32)  # poor → not poor
_NEAR_FALLS = (0.0, 0.035, 0.03, 0.025, 0.025)  # near-poor → poor
_NEAR_ESCAPES = (0.0, 0.42, 0.46, 0.50, 0.44)  # near-poor → average or none
_NEW_POOR = (0.0, 0.0028, 0.0022, 0.0017, 0.0019)  # average/none → poor
_NEW_NEAR = (0.0, 0.0045, 0.004, 0.0035, 0.004)  # average/none → near-poor
_ESCAPE_RISK_EXPONENT = 0.1  # the poorest escape a little less often
_ESCAPES_TO_NEAR = 0.38  # of escapes; the rest go to average (42%) or none
_REPOVERTY_FACTOR = 6.0  # for households that escaped poverty before
_REGULAR_REVIEW_SHARE = 0.15  # of changes made by a regular review during the year
_SURVEYED_WITHOUT_CAUSE = 0.10  # households neither poor, near-poor nor average surveyed anyway

_CODE_PREFIX = re.compile(r"^[A-Za-z0-9._/-]{0,20}$")


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


# Parameters and summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoParameters:
    households: int = 300
    seed: int = 101
    batch_size: int = 500
    """Households saved per transaction."""
    code_prefix: str = ""
    """Prepended to every household code, to load a second set into the same database."""


ANOMALIES = (
    "late_recording",
    "duplicate_support",
    "repeated_housing",
    "recognition_corrected",
    "recognition_revoked",
)


@dataclass
class DemoSummary:
    seed: int | None = None
    households: int = 0
    communes: int = 0
    ethnic_minority_households: int = 0
    urban_households: int = 0
    members_registered: int = 0
    members_joined: Counter[str] = field(default_factory=Counter)
    members_left: Counter[str] = field(default_factory=Counter)
    events: int = 0
    """Events stored: household facts, allocation facts and household-code claims."""
    facts: int = 0
    """Household facts alone."""
    allocation_facts: int = 0
    surveys: Counter[str] = field(default_factory=Counter)  # by standard
    regular_surveys: int = 0
    recognitions: Counter[str] = field(default_factory=Counter)  # by status
    movements: Counter[str] = field(default_factory=Counter)
    escapes_to_near_poor: int = 0
    supports: Counter[str] = field(default_factory=Counter)  # by type
    reversals: int = 0
    money_supports: int = 0
    disbursed: int = 0
    """VND drawn by supports that were not reversed."""
    refused_for_funds: int = 0
    allocations: int = 0
    allocated: int = 0
    """VND allocated, after adjustments."""
    allocation_increases: int = 0
    allocation_reductions: int = 0
    anomalies: Counter[str] = field(default_factory=Counter)
    windows_as_of: date | None = None
    windows: Counter[str] = field(default_factory=Counter)  # open, expired, cut_short
    year_end: dict[int, Counter[str]] = field(default_factory=dict)  # year → status → count
    position: int = 0
    elapsed_seconds: float = 0.0

    @property
    def members(self) -> int:
        return self.members_registered + sum(self.members_joined.values())

    @property
    def events_per_second(self) -> float:
        return self.events / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0

    def __str__(self) -> str:
        def share(count: int, of: int) -> str:
            return f"{count:,} ({100 * count / of:.1f}%)" if of else f"{count:,}"

        def listing(counter: Counter[str], order: tuple[str, ...] = ()) -> str:
            keys = list(order) + sorted(k for k in counter if k not in order)
            return ", ".join(f"{k} {counter[k]:,}" for k in keys if counter[k] or k in order)

        claims = self.events - self.facts - self.allocation_facts
        drawn = f"{100 * self.disbursed / self.allocated:.0f}%" if self.allocated else "none"
        lines = [
            f"demo data (seed {self.seed}): {self.households:,} households "
            f"in {self.communes} communes; "
            f"ethnic minority {share(self.ethnic_minority_households, self.households)}; "
            f"urban {share(self.urban_households, self.households)}",
            f"members: {self.members:,} ({self.members_registered:,} at registration; "
            f"joined: {listing(self.members_joined) or 'none'}; "
            f"left: {listing(self.members_left) or 'none'})",
            f"events stored: {self.events:,} ({self.facts:,} household facts, "
            f"{self.allocation_facts:,} allocation facts, {claims:,} code claims); "
            f"last position {self.position:,}",
            f"surveys: {sum(self.surveys.values()):,} ({listing(self.surveys)}; "
            f"{self.regular_surveys:,} at regular reviews)",
            f"recognitions: {sum(self.recognitions.values()):,} "
            f"({listing(self.recognitions, ('poor', 'near_poor', 'average', 'none'))})",
            f"movements: {listing(self.movements, MOVEMENTS)} "
            f"(escapes to near-poor {self.escapes_to_near_poor:,})",
            f"escape windows as of {self.windows_as_of}: "
            f"{listing(self.windows, ('open', 'expired', 'cut_short'))}",
            f"supports: {sum(self.supports.values()):,} ({listing(self.supports)}); "
            f"reversed {self.reversals:,}; with money {self.money_supports:,}, "
            f"{self.disbursed:,} VND not reversed; "
            f"refused for lack of funds {self.refused_for_funds:,}",
            f"allocations: {self.allocations:,} ({self.allocated:,} VND after "
            f"{self.allocation_increases:,} increases and {self.allocation_reductions:,} "
            f"reductions; {drawn} drawn)",
            f"anomalies: {listing(self.anomalies, ANOMALIES)}",
            "year end: "
            + "; ".join(
                f"{year} poor {share(counts['poor'], self.households)}, "
                f"near-poor {share(counts['near_poor'], self.households)}"
                for year, counts in sorted(self.year_end.items())
            ),
            f"elapsed {self.elapsed_seconds:.1f} s, {self.events_per_second:,.0f} events/s",
        ]
        return "\n".join(lines)


# Loading ---------------------------------------------------------------------------------------


DEMO_ACTOR_PREFIX = "demo/"  # every demo fact's actor: demo/stc.19, demo/cbgn.05539, …


def holds_demo_data(case_files: CaseFiles) -> bool:
    """Whether the log opens with a demo fact, so what it holds is the demo's sample of
    households rather than a province's case files (whose count targets it cannot meet)."""
    first = case_files.recorder.select_notifications(start=1, limit=1)
    if not first:
        return False
    actor = getattr(case_files.mapper.to_domain_event(first[0]), "actor", "")
    return str(actor).startswith(DEMO_ACTOR_PREFIX)


def load_demo(
    case_files: CaseFiles,
    parameters: DemoParameters | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Generates and saves the demo households, ``batch_size`` per transaction, with the
    allocations each batch drew on."""
    parameters = parameters or DemoParameters()
    _check(parameters, case_files)
    started = time.perf_counter()
    generator = _Generator(case_files, parameters)
    summary = DemoSummary(seed=parameters.seed, windows_as_of=case_files.today())
    first_code = next(household_codes(parameters, case_files.units), None)
    if first_code is not None and case_files.find_by_code(first_code) is not None:
        raise Conflict(
            detail=f"household {first_code!r} exists: demo data with these codes is already "
            "loaded; load into an empty database, or choose another code_prefix"
        )
    communes: set[str] = set()
    batch: list[Household | HouseholdCode] = []
    last_report = started

    def save() -> None:
        nonlocal last_report
        allocations = generator.funds.take_changed()
        aggregates = [*allocations, *batch]
        allocation_facts = sum(len(allocation.pending_events) for allocation in allocations)
        events = sum(len(aggregate.pending_events) for aggregate in aggregates)
        try:
            # save_drafts saves any aggregates in one transaction; its annotation names only
            # households and their code claims.
            summary.position = case_files.save_drafts(cast(Sequence[Any], aggregates))
        except Conflict as error:
            saved = summary.households - len(batch) // 2
            raise Conflict(
                detail=f"{error.detail}; the {saved:,} households before this batch stay saved"
            ) from error
        summary.events += events
        summary.allocation_facts += allocation_facts
        households_saved = bool(batch)
        batch.clear()
        now = time.perf_counter()
        if (
            progress is not None
            and households_saved
            and (now - last_report >= 5 or summary.households == parameters.households)
        ):
            last_report = now
            elapsed = now - started
            progress(
                f"demo: {summary.households:,}/{parameters.households:,} households, "
                f"{summary.events:,} events, {elapsed:.0f} s "
                f"({summary.events / elapsed if elapsed else 0:,.0f} events/s)"
            )

    for index in range(parameters.households):
        case = generator.household(index)
        _tally(summary, case)
        communes.add(case.household.commune_code)
        batch.append(case.household)
        batch.append(case.claim)
        if len(batch) >= 2 * parameters.batch_size:
            save()
    if batch:
        save()
    generator.funds.close_years()
    if generator.funds.changed:
        save()
    summary.communes = len(communes)
    _tally_funds(summary, generator.funds)
    summary.elapsed_seconds = time.perf_counter() - started
    return summary


def household_codes(parameters: DemoParameters, units: UnitRegistry | None = None) -> Iterator[str]:
    """The codes ``load_demo`` gives its households, in order, without generating them."""
    communes = _Communes(units or thai_nguyen_units(), parameters.seed)
    sequences: Counter[str] = Counter()
    for index in range(parameters.households):
        unit = communes.choose(_household_random(parameters.seed, index), _showcase(index))
        sequences[unit.code] += 1
        yield _code(parameters.code_prefix, unit.code, sequences[unit.code])


def _check(parameters: DemoParameters, case_files: CaseFiles) -> None:
    if parameters.households < 0:
        raise invalid(("households",), "households cannot be negative")
    if parameters.batch_size < 1:
        raise invalid(("batch_size",), "batch_size must be at least 1")
    if not _CODE_PREFIX.match(parameters.code_prefix) or not HOUSEHOLD_CODE.match(
        _code(parameters.code_prefix, "00000", 1)
    ):
        raise invalid(
            ("code_prefix",), "code_prefix is up to 20 letters, digits, '.', '_', '/' or '-'"
        )
    if case_files.today() < RECORDED_BY:
        raise violated(
            ("today",),
            f"the demo data runs to {LAST_DAY.isoformat()} and is recorded up to "
            f"{RECORDED_BY.isoformat()}, after today ({case_files.today().isoformat()})",
        )


def _code(prefix: str, commune_code: str, sequence: int) -> str:
    return f"{prefix}{commune_code}-{sequence:06d}"


def _household_random(seed: int, index: int) -> random.Random:
    # A string seed is hashed with SHA-512: stable across runs, platforms and Python versions.
    return random.Random(f"giamngheo-demo/{seed}/{index}")


def _showcase(index: int) -> Showcase | None:
    return SHOWCASES[index] if index < len(SHOWCASES) else None


class _Communes:
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
                names = rng.sample(_VILLAGE_NAMES, rng.randint(6, 14))
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


def _risk_index(unit: AdminUnit) -> float:
    """How many of a commune's households the programme is expected to reach, relative to the
    others, as ``_draw_profile`` and ``_generic_path`` weigh their poverty risk: the poor grow
    with the risk, the near-poor more slowly."""
    district = _DISTRICTS.get(unit.parent_code or "", _OTHER_DISTRICT)
    urban = unit.area == "urban"
    minority = district.minority_share * (0.5 if urban else 1.0)
    risk = district.poverty_factor * (_URBAN_RISK if urban else 1.0)

    def reached(risk: float) -> float:
        return (risk + math.pow(risk, 0.7)) / 2

    return (1.0 - minority) * reached(risk) + minority * reached(risk * _MINORITY_RISK)


# Recording times -------------------------------------------------------------------------------


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _office_moment(day: date, rng: random.Random, within: int = _OFFICE_MINUTES) -> datetime:
    """A moment in the first ``within`` minutes of office hours on the day, in Vietnam, as UTC."""
    minute = rng.randrange(within)
    morning = _MORNING[1] - _MORNING[0]
    clock = _MORNING[0] + minute if minute < morning else _AFTERNOON[0] + minute - morning
    local = datetime(
        day.year, day.month, day.day, clock // 60, clock % 60, rng.randrange(60), tzinfo=VIETNAM
    )
    return local.astimezone(UTC)


_RECORDED_BY_END = datetime(
    RECORDED_BY.year, RECORDED_BY.month, RECORDED_BY.day, 23, 59, tzinfo=VIETNAM
)


def _next_moment(
    after: datetime, day: date, rng: random.Random, delay: int | None = None
) -> datetime:
    """When a fact of ``day`` is recorded: ``delay`` days later (drawn when not given), on a
    working day, at office hours, and after ``after`` (the history's previous fact)."""
    if delay is None:
        delay = rng.choices(_DELAYS, cum_weights=_DELAY_CUMULATIVE)[0]
    moment = _office_moment(_working_day(day + timedelta(days=delay)), rng)
    if moment <= after:
        moment = after + timedelta(minutes=rng.randint(1, 9), seconds=rng.randrange(60))
        local = moment.astimezone(VIETNAM)
        if local.hour * 60 + local.minute >= _AFTERNOON[1]:  # past office hours: next morning
            moment = _office_moment(_working_day(local.date() + timedelta(days=1)), rng, 30)
    if moment > _RECORDED_BY_END:
        raise AssertionError(f"demo generator: a fact of {day} recorded after {RECORDED_BY}")
    return moment


def _mistyped(decision_no: str) -> str:
    """A decision number as a clerk might mistype it: its last two digits swapped."""
    number, _, rest = decision_no.partition("/")
    if len(number) >= 2 and number[-1] != number[-2]:
        typed = number[:-2] + number[-1] + number[-2]
    else:
        typed = str(int(number) + 10)
    return f"{typed}/{rest}"


def _round_money(amount: float) -> int:
    """Up to whole millions of VND (tens of millions from a billion)."""
    step = 10_000_000 if amount >= 1_000_000_000 else 1_000_000
    return math.ceil(amount / step) * step


# Allocations -----------------------------------------------------------------------------------


@dataclass
class _Group:
    """One programme line's allocations for one unit and fiscal year, from one decision each,
    drawn in order."""

    year: int
    line: str
    funding: _Funding
    tight: bool
    allocations: list[FundAllocation]
    rng: random.Random
    actor: str
    clock: datetime  # when its last decision was recorded
    top_ups: int = 0


class _Funds:
    """The allocations of the load: made when first needed, drawn on, adjusted."""

    def __init__(self, case_files: CaseFiles, communes: _Communes, parameters: DemoParameters):
        self.case_files = case_files
        self.units = case_files.units
        self.seed = parameters.seed
        self.households = parameters.households
        self.line_names = {str(line["code"]): str(line["name"]) for line in programme_lines()}
        self.groups: dict[tuple[int, str, str, str], _Group] = {}
        self.by_id: dict[str, FundAllocation] = {}
        self.changed: dict[UUID, FundAllocation] = {}
        self.top_ups = 0
        self.reductions = 0
        # Each unit's expected share of the province's households, weighted by poverty risk.
        self.exposure: dict[str, float] = {}
        for unit in communes.units:
            weight = communes.shares[unit.code] * _risk_index(unit)
            for code in self.units.ancestors(unit.code):
                self.exposure[code] = self.exposure.get(code, 0.0) + weight

    def find(
        self, year: int, line: str, commune: AdminUnit, amount: int, livestock: bool
    ) -> FundAllocation | None:
        """The allocation a support of ``amount`` draws on; None when none has enough left."""
        funding = _FUNDING[line]
        district = commune.parent_code or PROVINCE_CODE
        groups = [self._group(year, line, commune.code if funding.level == "commune" else district)]
        if livestock and district in _INVESTMENT_DISTRICTS:
            groups.insert(0, self._group(year, line, district, _INVESTMENT))
        for group in groups:
            for allocation in group.allocations:
                if allocation.remaining >= amount:
                    return allocation
        main = groups[-1]
        if main.tight or main.top_ups >= main.funding.top_ups:
            return None
        return self._top_up(main, amount)

    def draw(
        self,
        allocation: FundAllocation,
        support_id: str,
        household: Household,
        amount: int,
        provided_on: date,
        programme_line: str,
        actor: str,
    ) -> None:
        allocation.draw(
            support_id,
            str(household.id),
            amount,
            provided_on,
            programme_line,
            self.units.contains(allocation.unit_code, household.commune_code),
            actor,
        )
        self.changed[allocation.id] = allocation

    def give_back(
        self, allocation_id: str, support_id: str, returned_on: date, actor: str, reason: str
    ) -> None:
        allocation = self.by_id[allocation_id]
        allocation.give_back(support_id, returned_on, actor, reason)
        self.changed[allocation.id] = allocation

    def take_changed(self) -> list[FundAllocation]:
        """The allocations with facts to save, in the order they were first changed."""
        changed = [allocation for allocation in self.changed.values() if allocation.pending_events]
        self.changed.clear()
        return changed

    def close_years(self) -> None:
        """December reductions: about half the allocations with more than a fifth left give part
        of it back (never below what was spent)."""
        for group in self.groups.values():
            if group.tight:
                continue
            rng = group.rng
            for allocation in group.allocations:
                left = allocation.remaining
                if left <= allocation.allocated // 5 or rng.random() >= _REDUCED_SHARE:
                    continue
                delta = -(int(left * rng.uniform(0.4, 0.8)) // 1_000_000 * 1_000_000)
                if delta == 0:
                    continue
                decided_on = _working_day(date(group.year, 12, rng.randint(1, 18)))
                self._adjust(
                    group,
                    allocation,
                    delta,
                    decided_on,
                    f"Điều chỉnh giảm dự toán năm {group.year}: kinh phí không sử dụng hết",
                )
                self.reductions += 1

    def _group(
        self, year: int, line: str, unit_code: str, funding: _Funding | None = None
    ) -> _Group:
        funding = funding or _FUNDING[line]
        key = (year, line, unit_code, funding.sources[0][0])
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = self._make(year, line, unit_code, funding)
        return group

    def _make(self, year: int, line: str, unit_code: str, funding: _Funding) -> _Group:
        rng = random.Random(
            f"giamngheo-demo/{self.seed}/allocation/{year}/{line}/{unit_code}/"
            f"{funding.sources[0][0]}"
        )
        unit = self.units.get(unit_code)
        assert unit is not None
        tight = rng.random() < _TIGHT_SHARE
        low, high = _TIGHT_MARGIN if tight else _MARGIN
        province = self.exposure.get(PROVINCE_CODE, 0.0) or 1.0
        expected = (
            self.households
            * funding.per_thousand[year - YEARS[1]]
            / 1000
            * self.exposure.get(unit_code, 0.0)
            / province
        )
        # Districts decide their communes' allocations; the province decides the districts'.
        actor = f"demo/tckh.{unit.parent_code}" if unit.level == "commune" else "demo/stc.19"
        group = _Group(year, line, funding, tight, [], rng, actor, _BEFORE_ALL)
        for source, share in funding.sources:
            need = expected * funding.mean_amount * share * rng.uniform(low, high)
            least = (_LEAST_TIGHT if tight else _LEAST) * funding.mean_amount * share
            amount = _round_money(max(need, least))
            decided_on = _working_day(date(year, 1, rng.randint(5, 20)))
            number = f"{rng.randint(8, 260)}/QĐ-UBND"
            group.clock = _next_moment(group.clock, decided_on, rng, rng.randint(0, 4))
            allocation = self.case_files.draft_allocation(
                MakeAllocation(
                    source=source,
                    fiscal_year=year,
                    programme_line=line,
                    unit_code=unit_code,
                    amount=amount,
                    decision_no=number,
                    decided_on=decided_on,
                    context=FactContext(
                        actor=actor,
                        reason=f"Giao dự toán năm {year} – {self.line_names[line]} – "
                        f"{unit.name}: {_SOURCE_NAMES[source]}",
                        evidence=number,
                        recorded_at=group.clock,
                    ),
                )
            )
            group.allocations.append(allocation)
            self.by_id[str(allocation.id)] = allocation
            self.changed[allocation.id] = allocation
        return group

    def _top_up(self, group: _Group, amount: int) -> FundAllocation:
        """Tops up the group's first allocation so that it covers ``amount``."""
        rng = group.rng
        allocation = group.allocations[0]
        group.top_ups += 1
        first, last = ((6, 7), (8, 10))[min(group.top_ups, 2) - 1]
        decided_on = _working_day(date(group.year, rng.randint(first, last), rng.randint(1, 25)))
        delta = _round_money(
            max(amount - allocation.remaining, allocation.allocated * rng.uniform(0.25, 0.4))
        )
        self._adjust(
            group,
            allocation,
            delta,
            decided_on,
            f"Bổ sung dự toán năm {group.year} – {self.line_names[group.line]}: "
            f"{_SOURCE_NAMES[allocation.source]}",
        )
        self.top_ups += 1
        return allocation

    def _adjust(
        self,
        group: _Group,
        allocation: FundAllocation,
        delta: int,
        decided_on: date,
        reason: str,
    ) -> None:
        rng = group.rng
        number = f"{rng.randint(300, 2900)}/QĐ-UBND"
        group.clock = _next_moment(group.clock, decided_on, rng, rng.randint(0, 4))
        context = FactContext(
            actor=group.actor, reason=reason, evidence=number, recorded_at=group.clock
        )
        allocation.adjust(delta, number, decided_on, context)
        self.changed[allocation.id] = allocation


# One household ---------------------------------------------------------------------------------


@dataclass
class _Path:
    states: tuple[Status, ...]  # recognised class after each annual review 2021..2025
    regular: dict[int, int]  # year index → month of the regular review that made the change


_Action = Callable[[], None]
_Item = tuple[date, int, int, _Action]
# Order of items on the same day.
_LEAVE, _JOIN, _SURVEY, _RECOGNITION, _SUPPORT, _REVERSAL, _CORRECTION = range(7)


@dataclass
class _Case:
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


class _Generator:
    def __init__(self, case_files: CaseFiles, parameters: DemoParameters) -> None:
        self.case_files = case_files
        self.today = case_files.today()
        self.parameters = parameters
        self.seed = parameters.seed
        self.communes = _Communes(case_files.units, parameters.seed)
        self.funds = _Funds(case_files, self.communes, parameters)
        self.sequences: Counter[str] = Counter()
        self.id_serials: Counter[str] = Counter()
        self.id_offsets: dict[str, int] = {}
        self.decisions: dict[tuple[str, int, int], tuple[date, str]] = {}
        self.catalogue = support_catalogue()
        self.standards: dict[int, PovertyStandard] = {}

    # The household and its registration ---------------------------------------------------

    def household(self, index: int) -> _Case:
        rng = _household_random(self.seed, index)
        showcase = _showcase(index)
        unit = self.communes.choose(rng, showcase)
        self.sequences[unit.code] += 1
        code = _code(self.parameters.code_prefix, unit.code, self.sequences[unit.code])
        district = _DISTRICTS.get(unit.parent_code or "", _OTHER_DISTRICT)
        profile = _draw_profile(rng, unit, district, showcase)
        ethnicity = profile.ethnicity

        registered_on = date(2021, 8, 2) + timedelta(days=rng.randrange(45))
        members, surname = self._members(
            rng, profile.composition, ethnicity, district, registered_on
        )
        context = FactContext(
            actor=f"demo/cbgn.{unit.code}",
            reason=f"Lập danh sách hộ, rà soát năm {FIRST_YEAR}",
            recorded_at=_next_moment(_BEFORE_ALL, registered_on, rng),
        )
        household, claim = self.case_files.draft_household(
            RegisterHousehold(
                code=code,
                commune_code=unit.code,
                village=rng.choice(self.communes.villages[unit.code]),
                registered_on=registered_on,
                members=members,
                context=context,
            )
        )
        assert context.recorded_at is not None
        case = _Case(
            rng=rng,
            unit=unit,
            area=household.area,
            ethnicity=ethnicity,
            minority=ethnicity != KINH,
            surname=surname,
            path=profile.path,
            poor_housing=profile.poor_housing,
            showcase=showcase,
            household=household,
            claim=claim,
            actor=context.actor,
            clock=context.recorded_at,
        )
        for t, year in enumerate(YEARS):
            self._year(case, t, year)
        self._handle(case, None)
        return case

    def _members(
        self,
        rng: random.Random,
        composition: str,
        ethnicity: str,
        district: _District,
        on: date,
    ) -> tuple[list[MemberDetails], str]:
        """The members at registration, head first, and the family name the children take."""
        if composition == "single_elderly":
            head_age, head_sex = rng.randint(62, 90), _sex(rng, 0.35)
        elif composition == "single_adult":
            head_age, head_sex = rng.randint(25, 58), _sex(rng, 0.6)
        elif composition == "couple_elderly":
            head_age, head_sex = rng.randint(58, 85), _sex(rng, 0.85)
        elif composition == "couple_young":
            head_age, head_sex = rng.randint(21, 32), _sex(rng, 0.85)
        elif composition == "skipped_generation":
            head_age, head_sex = rng.randint(55, 78), _sex(rng, 0.6)
        elif composition == "three_generations":
            head_age, head_sex = rng.randint(28, 55), _sex(rng, 0.85)
        else:  # nuclear, and showcases
            head_age, head_sex = rng.randint(26, 58), _sex(rng, 0.8)
        if composition == "showcase":
            head_age = rng.randint(34, 45)

        head_surname = rng.choice(_SURNAMES.get(ethnicity, _SURNAMES[KINH]))
        members = [self._person(rng, "head", head_age, head_sex, ethnicity, head_surname, on)]
        surname = head_surname
        with_spouse = composition in (
            "couple_elderly",
            "couple_young",
            "three_generations",
            "showcase",
        ) or (composition in ("nuclear", "skipped_generation") and rng.random() < 0.85)
        if with_spouse:
            spouse_sex = "female" if head_sex == "male" else "male"
            spouse_ethnicity = ethnicity
            if rng.random() < 0.12:
                spouse_ethnicity = (
                    KINH if ethnicity != KINH else _weighted(rng, district.minority_mix)
                )
            spouse_age = max(18, head_age + rng.randint(-8, 3))
            spouse_surname = rng.choice(_SURNAMES.get(spouse_ethnicity, _SURNAMES[KINH]))
            if spouse_sex == "male":
                surname = spouse_surname
            members.append(
                self._person(
                    rng, "spouse", spouse_age, spouse_sex, spouse_ethnicity, spouse_surname, on
                )
            )

        children: list[int] = []
        if composition == "showcase":
            children = [rng.randint(16, 19), rng.randint(6, 11), rng.randint(1, 4)]
        elif composition == "nuclear":
            count = _weighted(rng, ((1, 25), (2, 45), (3, 20), (4, 10)))
            children = [rng.randint(0, max(0, min(head_age - 20, 28))) for _ in range(count)]
        elif composition == "three_generations":
            count = _weighted(rng, ((1, 35), (2, 45), (3, 20)))
            children = [rng.randint(0, max(0, min(head_age - 20, 25))) for _ in range(count)]
        for age in sorted(children, reverse=True):
            members.append(self._person(rng, "child", age, _sex(rng, 0.51), ethnicity, surname, on))
        if composition == "skipped_generation":
            for _ in range(rng.randint(1, 2)):
                age, sex = rng.randint(1, 15), _sex(rng, 0.51)
                members.append(self._person(rng, "grandchild", age, sex, ethnicity, surname, on))
        if composition == "three_generations":
            parents = rng.randint(1, 2)
            for number in range(parents):
                sex = "female" if parents == 1 or number == 1 else "male"
                age = min(96, head_age + rng.randint(22, 34))
                relation = "parent" if head_sex == "male" else "parent_in_law"
                family = (
                    (head_surname if head_sex == "male" else surname) if sex == "male" else None
                )
                members.append(self._person(rng, relation, age, sex, ethnicity, family, on))
        return members, surname

    def _person(
        self,
        rng: random.Random,
        relation: str,
        age: int,
        sex: str,
        ethnicity: str,
        surname: str | None,
        on: date,
    ) -> MemberDetails:
        birth_year = on.year - age
        last = min(date(birth_year, 12, 31), on - timedelta(days=1))
        first = date(birth_year, 1, 1)
        birth_date = first + timedelta(days=rng.randrange((last - first).days + 1))
        name = _name(rng, ethnicity, sex, surname)
        national_id = None
        if age_on(birth_date, on) >= 14 and rng.random() < 0.88:
            national_id = self._national_id(birth_date, sex)
        return MemberDetails(
            name=name,
            birth_date=birth_date,
            sex=sex,
            ethnicity=ethnicity,
            relation=relation,
            national_id=national_id,
            disability=rng.random() < 0.03,
            merit=rng.random() < (0.08 if birth_date.year < 1956 else 0.004),
        )

    def _national_id(self, birth_date: date, sex: str) -> str:
        """A citizen identity number: place code 019 (Thái Nguyên), century-and-sex digit, year
        of birth, then a serial unique within that prefix (a stride coprime with 10⁶)."""
        century_sex = (0 if birth_date.year < 2000 else 2) + (1 if sex == "female" else 0)
        prefix = f"019{century_sex}{birth_date.year % 100:02d}"
        count = self.id_serials[prefix]
        self.id_serials[prefix] = count + 1
        offset = self.id_offsets.get(prefix)
        if offset is None:
            offset = random.Random(f"giamngheo-demo/{self.seed}/id/{prefix}").randrange(10**6)
            self.id_offsets[prefix] = offset
        return f"{prefix}{(offset + count * 7_919) % 1_000_000:06d}"

    # A year of reviews, supports and member changes ------------------------------------------

    def _year(self, case: _Case, t: int, year: int) -> None:
        household = case.household
        rng = case.rng
        start = max(date(year, 1, 1), household.registered_on + timedelta(days=1))
        end = min(date(year, 12, 31), LAST_DAY)

        # Member changes, drawn over the members present when the year starts.
        present = household.members_on(start)
        for member in present:
            if member.relation == "head":
                continue
            age = age_on(member.birth_date, start)
            draw = rng.random()
            reason = None
            if age >= 80 and draw < 0.09 or 60 <= age < 80 and draw < 0.025:
                reason = "death"
            elif member.relation in ("child", "grandchild"):
                if member.sex == "female" and 19 <= age <= 30 and draw < 0.12:
                    reason = "marriage"
                elif 18 <= age <= 35 and draw < 0.03:
                    reason = "moving"
            if reason is not None:
                day = _day_between(rng, start, end)
                case.plan(day, _LEAVE, partial(self._leave, case, day, member.member_id, reason))
        mothers = [
            m
            for m in present
            if m.sex == "female"
            and m.relation in ("head", "spouse", "child_in_law")
            and 20 <= age_on(m.birth_date, start) <= 38
        ]
        if mothers and rng.random() < 0.09:
            day = _day_between(rng, start, end)
            case.plan(day, _JOIN, partial(self._birth, case, day, rng.choice(mothers).member_id))
        grooms = [
            m
            for m in present
            if m.sex == "male" and m.relation == "child" and 23 <= age_on(m.birth_date, start) <= 33
        ]
        in_law = any(m.relation == "child_in_law" for m in present)
        if grooms and not in_law and rng.random() < 0.07:
            day = _day_between(rng, start, end)
            case.plan(day, _JOIN, partial(self._bride, case, day))

        # Supports, from 2022: offered to the household, given when eligible on the day.
        if year > FIRST_YEAR:
            self._plan_supports(case, t, year)

        # Reviews: a regular review mid-year (if the path says so), then the annual review.
        target = case.path.states[t]
        before = case.path.states[t - 1] if t else NONE
        month = case.path.regular.get(t)
        if month is not None:
            survey_day = date(year, month, rng.randint(15, 20))
            decided_on, decision_no = self._decision(case.unit.code, year, month)
            reason = f"Rà soát thường xuyên tháng {month}/{year}"
            case.plan(
                survey_day,
                _SURVEY,
                partial(self._survey, case, survey_day, "regular", target, reason),
            )
            case.plan(
                decided_on,
                _RECOGNITION,
                partial(
                    self._recognition, case, decided_on, target, decision_no, reason, t, "regular"
                ),
            )
            case.recognised = target
        surveyed = (
            t == 0
            or case.showcase is not None
            or before in (POOR, NEAR, AVERAGE)
            or target in (POOR, NEAR, AVERAGE)
            or rng.random() < _SURVEYED_WITHOUT_CAUSE
        )
        if surveyed:
            first = max(date(year, 9, 1), household.registered_on + timedelta(days=1))
            survey_day = _day_between(rng, first, date(year, 11, 25))
            decided_on, decision_no = self._decision(case.unit.code, year, 12)
            reason = f"Rà soát định kỳ năm {year}"
            case.plan(
                survey_day,
                _SURVEY,
                partial(self._survey, case, survey_day, "annual", target, reason),
            )
            if target in TARGET_STATUSES or target != case.recognised:
                case.plan(
                    decided_on,
                    _RECOGNITION,
                    partial(
                        self._recognition,
                        case,
                        decided_on,
                        target,
                        decision_no,
                        reason,
                        t,
                        "annual",
                    ),
                )
                case.recognised = target

        self._handle(case, end)

    def _handle(self, case: _Case, until: date | None) -> None:
        """Records what is planned, in the order it is handled, up to ``until`` (or all)."""
        items = case.items
        while items and (until is None or items[0][0] <= until):
            heapq.heappop(items)[3]()

    def _plan_supports(self, case: _Case, t: int, year: int) -> None:
        rng = case.rng
        show = case.showcase
        showcase = show is not None
        if show is not None and show.reverse_first_support and t == 1:
            case.reversal_pending = True
        on_new_year = status_on(case.household.recognitions, date(year, 1, 1))
        targeted = (
            on_new_year.status in TARGET_STATUSES
            or on_new_year.newly_escaped
            or case.path.states[t] in TARGET_STATUSES
        )
        if on_new_year.status in TARGET_STATUSES and (
            showcase or rng.random() < _HEALTH_INSURANCE_CHANCE
        ):
            self._plan_support(case, date(year, 1, rng.randint(8, 31)), "health_insurance")
        for code, chance in _SUPPORT_CHANCE.items():
            draw = rng.random()
            offered = (
                (showcase and draw < _SHOWCASE_SUPPORT_CHANCE)
                or (targeted and draw < chance)
                or (code == "employment_support" and draw < 0.015)
                or (code == "vocational_training" and draw < 0.01)
            )
            if offered:
                day = date(year, 2, 1) + timedelta(days=rng.randrange(303))  # to 30 November
                self._plan_support(case, day, code)
        if show is not None and show.late_support == t:
            day = date(year, 3, 1) + timedelta(days=rng.randrange(92))
            self._plan_support(case, day, "agricultural_production", "late")
        if show is not None and show.duplicate_support == t:
            day = date(year, 4, 1) + timedelta(days=rng.randrange(61))
            self._plan_support(case, day, "agricultural_production", "duplicate")
        draw = rng.random()
        if (
            case.poor_housing
            and not case.housing_done
            and POOR in (on_new_year.status, case.path.states[t])
            and (showcase or draw < _HOUSING_CHANCE)
        ):
            if show is not None and show.repeat_housing:
                # Early in the year, so that the second comes before the next survey.
                day = date(year, 3, 1) + timedelta(days=rng.randrange(61))
                self._plan_support(case, day, "housing", "repeat")
            else:
                day = date(year, 3, 1) + timedelta(days=rng.randrange(245))  # to 31 October
                self._plan_support(case, day, "housing")

    def _plan_support(self, case: _Case, day: date, code: str, mode: str | None = None) -> None:
        """Plans a support provided on ``day``. ``mode``: "" ordinary, "late" (recorded 35 days
        or more after), "duplicate" (entered again later), "repeat" (given again later); drawn
        for ordinary households when not given."""
        rng = case.rng
        handled = day
        if mode is None:
            mode = ""
            if case.showcase is None:
                draw = rng.random()
                if draw < _LATE_CHANCE:
                    if day <= date(day.year, 10, 15):
                        mode = "late"
                        handled = day + timedelta(days=rng.randint(35, 75))
                elif draw < _LATE_CHANCE + _DUPLICATE_CHANCE:
                    mode = "duplicate"
        elif mode == "late":
            handled = day + timedelta(days=rng.randint(35, 50))
        case.plan(handled, _SUPPORT, partial(self._support, case, handled, day, code, mode))

    def _decision(self, commune_code: str, year: int, month: int) -> tuple[date, str]:
        """The commune's recognition decision: in December for the annual review, else on the
        25th–28th of the month of a regular review."""
        key = (commune_code, year, month)
        found = self.decisions.get(key)
        if found is None:
            rng = random.Random(
                f"giamngheo-demo/{self.seed}/decision/{commune_code}/{year}/{month}"
            )
            day = rng.randint(5, 14) if month == 12 else rng.randint(25, 28)
            found = (date(year, month, day), f"{rng.randint(120, 980)}/QĐ-UBND")
            self.decisions[key] = found
        return found

    # Facts --------------------------------------------------------------------------------

    def _context(
        self,
        case: _Case,
        day: date,
        *,
        reason: str | None = None,
        evidence: str | None = None,
        actor: str | None = None,
        delay: int | None = None,
    ) -> FactContext:
        """Who records a fact handled on ``day``, and when: after a short delay (unless given),
        at office hours, after the household's previous fact."""
        case.clock = _next_moment(case.clock, day, case.rng, delay)
        return FactContext(
            actor=actor or case.actor, reason=reason, evidence=evidence, recorded_at=case.clock
        )

    def _leave(self, case: _Case, day: date, member_id: str, reason: str) -> None:
        member = case.household.members[member_id]
        if not member.present_on(day) or member.relation == "head":
            return
        text = {
            "death": "Qua đời",
            "marriage": "Kết hôn, chuyển về nhà chồng",
            "moving": "Chuyển đi nơi khác làm ăn",
        }[reason]
        context = self._context(case, day, reason=text)
        inputs.check_departure(day, self.today)
        case.household.record_departure(member_id, day, context)
        case.left[reason] += 1

    def _birth(self, case: _Case, day: date, mother_id: str) -> None:
        mother = case.household.members[mother_id]
        if not mother.present_on(day):
            return
        relation = "grandchild" if mother.relation == "child_in_law" else "child"
        sex = _sex(case.rng, 0.51)
        birth_date = max(day - timedelta(days=case.rng.randint(0, 20)), date(day.year, 1, 1))
        details = MemberDetails(
            name=_name(case.rng, case.ethnicity, sex, case.surname),
            birth_date=birth_date,
            sex=sex,
            ethnicity=case.ethnicity,
            relation=relation,
        )
        self._join(case, day, details, "Sinh con", "birth")

    def _bride(self, case: _Case, day: date) -> None:
        rng = case.rng
        ethnicity = case.ethnicity if rng.random() < 0.75 else KINH
        age = rng.randint(19, 29)
        birth_year = day.year - age
        birth_date = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
        national_id = self._national_id(birth_date, "female") if rng.random() < 0.9 else None
        details = MemberDetails(
            name=_name(rng, ethnicity, "female", None),
            birth_date=birth_date,
            sex="female",
            ethnicity=ethnicity,
            relation="child_in_law",
            national_id=national_id,
        )
        self._join(case, day, details, "Kết hôn, nhập hộ nhà chồng", "marriage")

    def _join(self, case: _Case, day: date, details: MemberDetails, reason: str, kind: str) -> None:
        context = self._context(case, day, reason=reason)
        inputs.check_joining(details, day, self.today)
        case.household.add_member(str(uuid4()), details, day, context)
        case.joined[kind] += 1

    def _survey(self, case: _Case, day: date, review: str, target: Status, reason: str) -> None:
        standard = self._standard(day)
        income, deprivations = _survey_values(case, standard, target, day)
        context = self._context(case, day, reason=reason, evidence="Phiếu B")
        in_force = inputs.checked_survey(day, review, income, self.today)
        survey = case.household.record_survey(
            str(uuid4()), in_force, day, review, income, deprivations, context
        )
        proposed = survey.proposed_status
        if proposed != target:
            raise AssertionError(
                f"demo generator: survey of {case.household.code} on {day} proposes {proposed}, "
                f"meant {target}"
            )
        if review == "regular":
            case.regular_surveys += 1

    def _standard(self, day: date) -> PovertyStandard:
        found = self.standards.get(day.year)
        if found is None:
            found = self.standards[day.year] = standard_on(day)
        return found

    # Recognitions, their corrections and revocations ------------------------------------------

    def _recognition(
        self,
        case: _Case,
        day: date,
        status: Status,
        decision_no: str,
        reason: str,
        t: int,
        review: str,
    ) -> None:
        """Records the decision; a showcase may record it with the wrong status, and a few
        clerks mistype its number or enter it twice (each put right later)."""
        household = case.household
        rng = case.rng
        show = case.showcase
        recorded: Status = status
        number = decision_no
        mistake = show.mistyped_status if show is not None and review == "annual" else None
        if mistake is not None and mistake[0] == t:
            recorded = mistake[1]
        elif show is None and rng.random() < _MISTYPED_NUMBER_CHANCE:
            number = _mistyped(decision_no)
        context = self._context(case, day, reason=reason, evidence=number)
        inputs.check_recognition(recorded, day, number, self.today)
        recognition_id = str(uuid4())
        household.record_recognition(recognition_id, recorded, day, number, context)
        if recorded != status:
            fixed_on = min(_working_day(date(day.year + 1, 2, rng.randint(16, 26))), LAST_DAY)
            why = (
                f"Nhập sai mức sống: Quyết định số {decision_no} công nhận {_STATUS_VI[status]}, "
                f"không phải {_STATUS_VI[recorded]}"
            )
            case.plan(
                fixed_on,
                _CORRECTION,
                partial(self._correct, case, fixed_on, recognition_id, status, None, why),
            )
        elif number != decision_no:
            fixed_on = min(day + timedelta(days=rng.randint(10, 45)), LAST_DAY)
            why = f"Sửa số quyết định nhập nhầm {number}: đúng là {decision_no}"
            case.plan(
                fixed_on,
                _CORRECTION,
                partial(self._correct, case, fixed_on, recognition_id, None, decision_no, why),
            )
        twice = (
            show.duplicate_recognition == t and review == "annual"
            if show is not None
            else rng.random() < _DUPLICATE_RECOGNITION_CHANCE
        )
        if twice:
            entered_on = min(day + timedelta(days=rng.randint(1, 5)), LAST_DAY)
            case.plan(
                entered_on,
                _RECOGNITION,
                partial(self._recognition_again, case, entered_on, recorded, day, number, reason),
            )

    def _recognition_again(
        self,
        case: _Case,
        handled_on: date,
        status: Status,
        decided_on: date,
        decision_no: str,
        reason: str,
    ) -> None:
        """The district office enters a decision the commune already entered; revoked later."""
        context = self._context(
            case,
            handled_on,
            reason=reason,
            evidence=decision_no,
            actor=case.district_actor,
            delay=0,
        )
        inputs.check_recognition(status, decided_on, decision_no, self.today)
        copy_id = str(uuid4())
        case.household.record_recognition(copy_id, status, decided_on, decision_no, context)
        revoked_on = min(handled_on + timedelta(days=case.rng.randint(7, 40)), LAST_DAY)
        why = f"Ghi trùng Quyết định số {decision_no}: hủy bản ghi trùng"
        case.plan(revoked_on, _CORRECTION, partial(self._revoke, case, revoked_on, copy_id, why))

    def _correct(
        self,
        case: _Case,
        day: date,
        recognition_id: str,
        status: Status | None,
        decision_no: str | None,
        reason: str,
    ) -> None:
        evidence = decision_no or case.household.decision_numbers[recognition_id]
        context = self._context(case, day, reason=reason, evidence=evidence, delay=0)
        inputs.check_recognition_correction(status, None, decision_no, context, self.today)
        assert context.recorded_at is not None
        case.household.correct_recognition(
            recognition_id,
            date_in_vietnam(context.recorded_at),
            context,
            status=status,
            decision_no=decision_no,
        )
        case.anomalies["recognition_corrected"] += 1

    def _revoke(self, case: _Case, day: date, recognition_id: str, reason: str) -> None:
        context = self._context(case, day, reason=reason, delay=0)
        inputs.check_revocation(day, context, self.today)
        case.household.revoke_recognition(recognition_id, day, context)
        case.anomalies["recognition_revoked"] += 1

    # Supports, their duplicates and reversals --------------------------------------------------

    def _support(self, case: _Case, handled_on: date, day: date, code: str, mode: str) -> None:
        """Records the support provided on ``day`` if the household may receive it then and, for
        money, an allocation has enough left."""
        household = case.household
        rng = case.rng
        kind = self.catalogue[code]
        present = household.members_on(day)
        member: Member | None = None
        if code == "nutrition":
            children = [m for m in present if age_on(m.birth_date, day) < 16]
            if not children:
                return
            member = rng.choice(children)
        elif code == "vocational_training":
            learners = [m for m in present if 16 <= age_on(m.birth_date, day) <= 45]
            if not learners:
                return
            member = rng.choice(learners)
        elif code == "employment_support":
            workers = [m for m in present if 18 <= age_on(m.birth_date, day) <= 50]
            member = rng.choice(workers) if workers and rng.random() < 0.6 else None
        if (
            refusal_reason(
                kind, household.eligibility_on(day, member.birth_date if member else None)
            )
            is not None
        ):
            return

        model = None
        certified = None
        amount: int | None = None
        livestock = False
        if code == "livelihood_model":
            name, unit, low, high, price = rng.choice(_LIVELIHOOD_MODELS)
            count = rng.randint(low, high)
            quantity, amount = float(count), count * price
            model = f"{name} – {case.unit.name} {day.year}"
            livestock = name in _LIVESTOCK_MODELS
        elif code == "agricultural_production":
            unit, low, high, step, price = rng.choice(_AGRICULTURAL_INPUTS)
            count = rng.randrange(low, high + 1, step)
            quantity, amount = float(count), count * price
        elif code == "nutrition":
            unit, quantity = "kg sữa bột", float(rng.randint(4, 18))
        elif code == "vocational_training":
            months = rng.randint(1, 3)
            unit, quantity = "tháng", float(months)
            amount = months * rng.choice(_TRAINING_PER_MONTH)
            certified = rng.random() < 0.45
        elif code == "employment_support":
            unit, quantity = "lượt", 1.0
        elif code == "information_access":
            (unit, amount), quantity = rng.choice(_DEVICES), 1.0
        elif code == "health_insurance":
            unit, quantity = "thẻ BHYT", float(len(present))
        else:  # housing
            unit, quantity = "căn nhà", 1.0
            amount = rng.choice(_HOUSING_AMOUNTS)
        allocation = None
        if amount is not None:
            allocation = self.funds.find(
                day.year, kind.programme_line, case.unit, amount, livestock
            )
            if allocation is None:
                case.refused += 1
                return
        context = self._context(case, handled_on, delay=0 if mode == "late" else None)
        given = SupportGiven(
            provided_on=day,
            member_id=member.member_id if member else None,
            amount=amount,
            quantity=quantity,
            unit=unit,
            allocation_id=str(allocation.id) if allocation is not None else None,
            model=model,
            certified=certified,
        )
        support_id = str(uuid4())
        household.record_support(
            support_id, inputs.checked_support(code, given, self.today), given, context
        )
        if allocation is not None and amount is not None:
            self.funds.draw(
                allocation, support_id, household, amount, day, kind.programme_line, case.actor
            )
        if code == "housing":
            if case.housing_done:
                case.anomalies["repeated_housing"] += 1
            case.housing_done = True
            case.remedied.update(("housing_quality", "housing_area"))
        elif code == "information_access":
            case.remedied.add("information_access")

        if mode == "late":
            case.anomalies["late_recording"] += 1
        elif mode == "duplicate":
            again = case.clock.astimezone(VIETNAM).date() + timedelta(days=rng.randint(2, 6))
            reverse = case.showcase is None and rng.random() < _DUPLICATE_REVERSED
            case.plan(
                again, _SUPPORT, partial(self._support_again, case, again, support_id, reverse)
            )
        elif mode == "repeat":
            self._plan_support(case, day + timedelta(days=rng.randint(40, 90)), code, "")
        pending = case.reversal_pending and amount is not None
        if pending or (case.showcase is None and rng.random() < _REVERSAL_CHANCE):
            case.reversal_pending = case.reversal_pending and not pending
            year_end = min(date(day.year, 12, 31), LAST_DAY)
            reversed_on = max(
                handled_on, min(handled_on + timedelta(days=rng.randint(3, 25)), year_end)
            )
            why = rng.choice(_REVERSAL_REASONS)
            case.plan(
                reversed_on, _REVERSAL, partial(self._reverse, case, reversed_on, support_id, why)
            )

    def _support_again(self, case: _Case, handled_on: date, support_id: str, reverse: bool) -> None:
        """The district office enters a support the commune already entered (same household,
        member, type and date), drawing on an allocation again; reversed later, or not."""
        household = case.household
        support = household.supports[support_id]
        if support.reversed_on is not None:
            return
        kind = self.catalogue[support.support_type]
        member = household.members[support.member_id] if support.member_id else None
        if (
            refusal_reason(
                kind,
                household.eligibility_on(
                    support.provided_on, member.birth_date if member else None
                ),
            )
            is not None
        ):
            return
        allocation = None
        if support.amount is not None:
            livestock = (support.model or "").startswith(_LIVESTOCK_MODELS)
            allocation = self.funds.find(
                support.provided_on.year,
                support.programme_line,
                case.unit,
                support.amount,
                livestock,
            )
            if allocation is None:
                case.refused += 1
                return
        context = self._context(case, handled_on, actor=case.district_actor, delay=0)
        given = SupportGiven(
            provided_on=support.provided_on,
            member_id=support.member_id,
            amount=support.amount,
            quantity=support.quantity,
            unit=support.unit,
            allocation_id=str(allocation.id) if allocation is not None else None,
            model=support.model,
            certified=support.certified,
        )
        copy_id = str(uuid4())
        household.record_support(
            copy_id, inputs.checked_support(support.support_type, given, self.today), given, context
        )
        if allocation is not None and support.amount is not None:
            self.funds.draw(
                allocation,
                copy_id,
                household,
                support.amount,
                support.provided_on,
                support.programme_line,
                case.district_actor,
            )
        case.anomalies["duplicate_support"] += 1
        if support.support_type == "housing":
            case.anomalies["repeated_housing"] += 1
        if reverse:
            reversed_on = min(handled_on + timedelta(days=case.rng.randint(15, 60)), LAST_DAY)
            case.plan(
                reversed_on,
                _REVERSAL,
                partial(self._reverse, case, reversed_on, copy_id, _DUPLICATE_REASON),
            )

    def _reverse(self, case: _Case, day: date, support_id: str, reason: str) -> None:
        """Reverses the support; its money, if any, goes back to its allocation."""
        household = case.household
        support = household.supports[support_id]
        if support.reversed_on is not None:
            return
        context = self._context(case, day, reason=reason)
        inputs.check_reversal(day, context, self.today)
        household.reverse_support(support_id, day, context)
        if support.allocation_id is not None:
            self.funds.give_back(support.allocation_id, support_id, day, case.actor, reason)
        case.reversals += 1


def _survey_values(
    case: _Case, standard: PovertyStandard, target: str, day: date
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
            key=lambda code: rng.random() ** (1.0 / _DEPRIVATION_WEIGHTS.get(code, 0.2)),
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


def _draw_profile(
    rng: random.Random, unit: AdminUnit, district: _District, showcase: Showcase | None
) -> _Profile:
    """The household's ethnicity, make-up, poverty risk and path (its draws after the commune)."""
    urban = unit.area == "urban"
    minority_draw = rng.random()
    if showcase is not None:
        ethnicity = showcase.ethnicity
    elif minority_draw < district.minority_share * (0.5 if urban else 1.0):
        ethnicity = _weighted(rng, district.minority_mix)
    else:
        ethnicity = KINH
    composition, composition_risk = _composition(rng, showcase)
    risk = district.poverty_factor * composition_risk * rng.lognormvariate(0.0, 0.35)
    if ethnicity != KINH:
        risk *= _MINORITY_RISK
    if urban:
        risk *= _URBAN_RISK
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
    poor = min(0.6, _POOR_2021 * risk)
    near = min(0.35, _NEAR_2021 * risk**0.7)
    states: list[Status] = [POOR if draw < poor else NEAR if draw < poor + near else NONE]
    escaped = False
    for t in range(1, len(YEARS)):
        before = states[-1]
        draw, split = rng.random(), rng.random()
        after: Status
        if before == POOR:
            if draw < min(0.9, _ESCAPE[t] / risk**_ESCAPE_RISK_EXPONENT):
                after = NEAR if split < _ESCAPES_TO_NEAR else AVERAGE if split < 0.8 else NONE
                escaped = True
            else:
                after = POOR
        elif before == NEAR:
            falls = _NEAR_FALLS[t] * risk**0.5
            if draw < falls:
                after = POOR
            elif draw < falls + min(0.9, _NEAR_ESCAPES[t] / risk**0.3):
                after = AVERAGE if split < 0.6 else NONE
            else:
                after = NEAR
        else:
            falls = _NEW_POOR[t] * risk * (_REPOVERTY_FACTOR if escaped else 1.0)
            nears = _NEW_NEAR[t] * risk**0.7
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
        if changed and {states[t], states[t - 1]} & {POOR, NEAR} and draw < _REGULAR_REVIEW_SHARE:
            regular[t] = month
    return _Path(states=tuple(states), regular=regular)


# Small helpers ---------------------------------------------------------------------------------


def _composition(rng: random.Random, showcase: Showcase | None) -> tuple[str, float]:
    draw = rng.uniform(0, sum(weight for _, weight, _ in _COMPOSITIONS))
    if showcase is not None:
        return "showcase", 1.0
    for name, weight, risk in _COMPOSITIONS:
        draw -= weight
        if draw <= 0:
            return name, risk
    return _COMPOSITIONS[-1][0], _COMPOSITIONS[-1][2]


T = TypeVar("T")


def _weighted(rng: random.Random, options: tuple[tuple[T, int], ...]) -> T:
    draw = rng.uniform(0, sum(weight for _, weight in options))
    for value, weight in options:
        draw -= weight
        if draw <= 0:
            return value
    return options[-1][0]


def _sex(rng: random.Random, male_share: float) -> str:
    return "male" if rng.random() < male_share else "female"


def _name(rng: random.Random, ethnicity: str, sex: str, surname: str | None) -> str:
    family = surname or rng.choice(_SURNAMES.get(ethnicity, _SURNAMES[KINH]))
    if ethnicity == HMONG:
        middle = "A" if sex == "male" else "Thị"
        given = rng.choice(_HMONG_GIVEN[sex])
    else:
        middle = (
            rng.choice(_KINH_MIDDLE[sex])
            if ethnicity == KINH
            else ("Văn" if sex == "male" else "Thị")
        )
        given = rng.choice(_GIVEN[sex])
    return f"{family} {middle} {given}"


def _day_between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randrange((last - first).days + 1))


# Summary ---------------------------------------------------------------------------------------


def _tally(summary: DemoSummary, case: _Case) -> None:
    household = case.household
    summary.households += 1
    summary.facts += len(household.pending_events)
    if case.minority:
        summary.ethnic_minority_households += 1
    if household.area == "urban":
        summary.urban_households += 1
    summary.members_registered += sum(
        1 for m in household.members.values() if m.joined_on == household.registered_on
    )
    summary.members_joined.update(case.joined)
    summary.members_left.update(case.left)
    for survey in household.surveys:
        summary.surveys[survey.standard] += 1
    summary.regular_surveys += case.regular_surveys
    for recognition in household.recognitions:
        summary.recognitions[recognition.status] += 1
    for step in steps(household.recognitions):
        if step.movement is not None:
            summary.movements[step.movement] += 1
            if step.movement == "escaped_poverty" and step.recognition.status == NEAR:
                summary.escapes_to_near_poor += 1
    as_of = summary.windows_as_of
    if as_of is not None:
        for window in windows(household.recognitions):
            if window.closed_on is not None and window.closed_on <= as_of:
                summary.windows["cut_short"] += 1
            elif window.covers(as_of):
                summary.windows["open"] += 1
            elif window.until < as_of:
                summary.windows["expired"] += 1
    for support in household.supports.values():
        summary.supports[support.support_type] += 1
        if support.amount is not None:
            summary.money_supports += 1
            if support.reversed_on is None:
                summary.disbursed += support.amount
    summary.reversals += case.reversals
    summary.refused_for_funds += case.refused
    summary.anomalies.update(case.anomalies)
    for year in YEARS:
        status = status_on(household.recognitions, date(year, 12, 31)).status
        summary.year_end.setdefault(year, Counter())[status] += 1


def _tally_funds(summary: DemoSummary, funds: _Funds) -> None:
    summary.allocations = len(funds.by_id)
    summary.allocated = sum(allocation.allocated for allocation in funds.by_id.values())
    summary.allocation_increases = funds.top_ups
    summary.allocation_reductions = funds.reductions
