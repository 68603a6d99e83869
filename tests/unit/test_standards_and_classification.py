"""Poverty standards and classification (domain.md §3, §3.1-§3.3)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.standards import (
    AREAS,
    Area,
    PovertyStandard,
    Status,
    all_standards,
    classify,
    standard_by_id,
    standard_on,
    validate_deprivations,
)
from tests.deprivation_codes import ND07 as DECREE_07_INDICATORS
from tests.deprivation_codes import QD59 as QD_59_INDICATORS

QD_59 = "qd-59-2015"
ND_07 = "nd-07-2021"
STD_2027 = "std-2027-2030"


# "More poor" first: raising income may only move a household towards the end of this tuple.
POVERTY_ORDER: tuple[Status, ...] = ("poor", "near_poor", "average", "none")


def flags(standard: PovertyStandard, deprived_count: int) -> dict[str, bool]:
    """Every indicator of the standard answered, the first ``deprived_count`` of them deprived."""
    return {code: i < deprived_count for i, code in enumerate(standard.indicators)}


def status_of(standard_id: str, area: Area, income: int, deprived_count: int) -> Status:
    standard = standard_by_id(standard_id)
    return classify(standard, area, income, flags(standard, deprived_count)).status


# --- choosing the standard by survey date -------------------------------------------------------


@pytest.mark.parametrize(
    ("surveyed_on", "expected"),
    [
        (date(2016, 1, 1), QD_59),
        (date(2019, 9, 1), QD_59),
        (date(2021, 12, 31), QD_59),
        (date(2022, 1, 1), ND_07),
        (date(2024, 9, 15), ND_07),
        (date(2025, 12, 31), ND_07),
        (date(2026, 12, 31), ND_07),
        (date(2027, 1, 1), STD_2027),
        (date(2028, 2, 29), STD_2027),
        (date(2030, 12, 31), STD_2027),
    ],
)
def test_standard_is_chosen_by_the_survey_date(surveyed_on: date, expected: str) -> None:
    assert standard_on(surveyed_on).id == expected


@pytest.mark.parametrize("surveyed_on", [date(2031, 1, 1), date(2035, 6, 1), date(2099, 12, 31)])
def test_survey_after_2030_has_no_standard_and_is_invalid_input(surveyed_on: date) -> None:
    with pytest.raises(InvalidInput) as raised:
        standard_on(surveyed_on)
    assert raised.value.code == "validation_error"
    assert raised.value.errors[0].loc == ("surveyed_on",)


def test_standard_on_reports_the_callers_field_location() -> None:
    with pytest.raises(InvalidInput) as raised:
        standard_on(date(2031, 1, 1), loc=("surveys", "0", "surveyed_on"))
    assert raised.value.errors[0].loc == ("surveys", "0", "surveyed_on")


@pytest.mark.parametrize(
    ("standard_id", "area", "absolute_line", "income_line", "average_ceiling"),
    [
        (QD_59, "rural", 700_000, 1_000_000, None),
        (QD_59, "urban", 900_000, 1_300_000, None),
        (ND_07, "rural", None, 1_500_000, 2_250_000),
        (ND_07, "urban", None, 2_000_000, 3_000_000),
        (STD_2027, "rural", None, 2_200_000, None),
        (STD_2027, "urban", None, 2_800_000, None),
    ],
)
def test_standard_lines_are_those_of_the_law(
    standard_id: str,
    area: Area,
    absolute_line: int | None,
    income_line: int,
    average_ceiling: int | None,
) -> None:
    standard = standard_by_id(standard_id)
    absolute = standard.absolute_poverty_line
    assert (absolute[area] if absolute else None) == absolute_line
    assert standard.income_line[area] == income_line
    ceiling = standard.average_ceiling
    assert (ceiling[area] if ceiling else None) == average_ceiling
    assert standard.poor_min_deprivations == 3


@pytest.mark.parametrize(
    ("standard_id", "indicators"),
    [(QD_59, QD_59_INDICATORS), (ND_07, DECREE_07_INDICATORS), (STD_2027, DECREE_07_INDICATORS)],
)
def test_standard_has_its_deprivation_indicators(
    standard_id: str, indicators: tuple[str, ...]
) -> None:
    assert set(standard_by_id(standard_id).indicators) == set(indicators)
    assert len(standard_by_id(standard_id).indicators) == len(indicators)


def test_standards_cover_every_day_up_to_2030_without_overlap() -> None:
    standards = all_standards()
    for day in (date(2021, 12, 31), date(2022, 1, 1), date(2026, 12, 31), date(2027, 1, 1)):
        assert sum(1 for s in standards if s.applies_on(day)) == 1


@pytest.mark.parametrize(
    ("standard_id", "area", "ceiling"),
    [
        (ND_07, "rural", 2_250_000),
        (ND_07, "urban", 3_000_000),
        (QD_59, "rural", 1_000_000),
        (QD_59, "urban", 1_300_000),
        (STD_2027, "rural", 2_200_000),
        (STD_2027, "urban", 2_800_000),
    ],
)
def test_low_income_ceiling_is_the_average_band_else_the_upper_income_line(
    standard_id: str, area: Area, ceiling: int
) -> None:
    assert standard_by_id(standard_id).low_income_ceiling(area) == ceiling


# --- classification at every boundary -----------------------------------------------------------


@pytest.mark.parametrize(
    ("standard_id", "area", "income", "deprived", "expected"),
    [
        # Decree 07, rural: line 1,500,000, band ceiling 2,250,000.
        (ND_07, "rural", 0, 0, "near_poor"),
        (ND_07, "rural", 0, 3, "poor"),
        (ND_07, "rural", 1_499_999, 3, "poor"),
        (ND_07, "rural", 1_500_000, 3, "poor"),
        (ND_07, "rural", 1_500_000, 12, "poor"),
        (ND_07, "rural", 1_500_000, 2, "near_poor"),
        (ND_07, "rural", 1_500_000, 0, "near_poor"),
        (ND_07, "rural", 1_500_001, 3, "average"),
        (ND_07, "rural", 1_500_001, 2, "average"),
        (ND_07, "rural", 1_500_001, 12, "average"),
        (ND_07, "rural", 2_250_000, 0, "average"),
        (ND_07, "rural", 2_250_000, 12, "average"),
        (ND_07, "rural", 2_250_001, 0, "none"),
        (ND_07, "rural", 2_250_001, 12, "none"),
        # Decree 07, urban: line 2,000,000, band ceiling 3,000,000.
        (ND_07, "urban", 1_500_001, 3, "poor"),
        (ND_07, "urban", 2_000_000, 3, "poor"),
        (ND_07, "urban", 2_000_000, 2, "near_poor"),
        (ND_07, "urban", 2_000_001, 3, "average"),
        (ND_07, "urban", 2_000_001, 2, "average"),
        (ND_07, "urban", 2_250_001, 0, "average"),
        (ND_07, "urban", 3_000_000, 12, "average"),
        (ND_07, "urban", 3_000_001, 12, "none"),
        (ND_07, "urban", 3_000_001, 0, "none"),
        # 2027-2030: line 2,200,000 / 2,800,000 and no average band yet.
        (STD_2027, "rural", 2_200_000, 3, "poor"),
        (STD_2027, "rural", 2_200_000, 2, "near_poor"),
        (STD_2027, "rural", 2_200_001, 3, "none"),
        (STD_2027, "rural", 2_200_001, 0, "none"),
        (STD_2027, "urban", 2_200_001, 3, "poor"),
        (STD_2027, "urban", 2_800_000, 3, "poor"),
        (STD_2027, "urban", 2_800_000, 2, "near_poor"),
        (STD_2027, "urban", 2_800_001, 12, "none"),
        # QĐ 59/2015 rural: lower line 700,000, upper line 1,000,000.
        (QD_59, "rural", 0, 0, "poor"),
        (QD_59, "rural", 700_000, 0, "poor"),
        (QD_59, "rural", 700_000, 2, "poor"),
        (QD_59, "rural", 700_001, 0, "near_poor"),
        (QD_59, "rural", 700_001, 2, "near_poor"),
        (QD_59, "rural", 700_001, 3, "poor"),
        (QD_59, "rural", 1_000_000, 2, "near_poor"),
        (QD_59, "rural", 1_000_000, 3, "poor"),
        (QD_59, "rural", 1_000_000, 10, "poor"),
        (QD_59, "rural", 1_000_001, 0, "none"),
        (QD_59, "rural", 1_000_001, 10, "none"),
        # QĐ 59/2015 urban: lower line 900,000, upper line 1,300,000.
        (QD_59, "urban", 700_001, 0, "poor"),
        (QD_59, "urban", 900_000, 0, "poor"),
        (QD_59, "urban", 900_001, 2, "near_poor"),
        (QD_59, "urban", 900_001, 3, "poor"),
        (QD_59, "urban", 1_000_001, 2, "near_poor"),
        (QD_59, "urban", 1_300_000, 2, "near_poor"),
        (QD_59, "urban", 1_300_000, 3, "poor"),
        (QD_59, "urban", 1_300_001, 10, "none"),
    ],
)
def test_classification_at_the_boundaries(
    standard_id: str, area: Area, income: int, deprived: int, expected: Status
) -> None:
    standard = standard_by_id(standard_id)
    result = classify(standard, area, income, flags(standard, deprived))
    assert result.status == expected
    assert result.standard == standard_id
    assert result.deprivation_count == deprived


@pytest.mark.parametrize(
    ("surveyed_on", "area", "income", "deprived", "expected"),
    [
        (date(2021, 12, 31), "rural", 1_000_000, 2, "near_poor"),
        (date(2022, 1, 1), "rural", 1_000_000, 2, "near_poor"),
        (date(2021, 12, 31), "rural", 1_200_000, 3, "none"),
        (date(2022, 1, 1), "rural", 1_200_000, 3, "poor"),
        (date(2026, 12, 31), "urban", 2_500_000, 3, "average"),
        (date(2027, 1, 1), "urban", 2_500_000, 3, "poor"),
        (date(2026, 12, 31), "rural", 2_240_000, 0, "average"),
        (date(2027, 1, 1), "rural", 2_240_000, 0, "none"),
    ],
)
def test_the_same_household_is_classified_by_the_standard_of_its_survey_date(
    surveyed_on: date, area: Area, income: int, deprived: int, expected: Status
) -> None:
    standard = standard_on(surveyed_on)
    assert classify(standard, area, income, flags(standard, deprived)).status == expected


@pytest.mark.parametrize("standard", all_standards(), ids=lambda s: s.id)
@pytest.mark.parametrize("area", AREAS)
def test_above_the_income_line_is_never_poor_however_many_deprivations(
    standard: PovertyStandard, area: Area
) -> None:
    every_deprivation = flags(standard, len(standard.indicators))
    for income in (standard.income_line[area] + 1, standard.income_line[area] * 10):
        status = classify(standard, area, income, every_deprivation).status
        assert status not in ("poor", "near_poor")


def test_which_indicators_are_deprived_does_not_matter_only_how_many() -> None:
    standard = standard_by_id(ND_07)
    first_three = flags(standard, 3)
    last_three = {code: i >= 9 for i, code in enumerate(standard.indicators)}
    assert classify(standard, "rural", 1_000_000, first_three).status == "poor"
    assert classify(standard, "rural", 1_000_000, last_three).status == "poor"


# --- invalid input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("standard_id", "extra_code"),
    [
        (ND_07, "bogus"),
        (ND_07, "health_access"),  # a QĐ 59 indicator, not a Decree 07 one
        (QD_59, "employment"),  # a Decree 07 indicator, not a QĐ 59 one
        (STD_2027, "Housing_Quality"),
    ],
)
def test_unknown_deprivation_code_is_invalid_input(standard_id: str, extra_code: str) -> None:
    standard = standard_by_id(standard_id)
    answers = {**flags(standard, 0), extra_code: True}
    with pytest.raises(InvalidInput) as raised:
        classify(standard, "rural", 1_000_000, answers)
    assert raised.value.code == "validation_error"
    assert raised.value.errors[0].loc == ("deprivations", extra_code)
    with pytest.raises(InvalidInput):
        validate_deprivations(standard, answers)


@pytest.mark.parametrize("standard", all_standards(), ids=lambda s: s.id)
def test_every_missing_deprivation_code_is_invalid_input(standard: PovertyStandard) -> None:
    for missing in standard.indicators:
        answers = {code: False for code in standard.indicators if code != missing}
        with pytest.raises(InvalidInput) as raised:
            classify(standard, "urban", 1_000_000, answers)
        assert raised.value.errors[0].loc == ("deprivations", missing)


def test_no_deprivation_answers_at_all_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        classify(standard_by_id(ND_07), "rural", 1_000_000, {})


@pytest.mark.parametrize("value", [1, 0, "true", None])
def test_a_deprivation_answer_that_is_not_true_or_false_is_invalid_input(value: Any) -> None:
    standard = standard_by_id(ND_07)
    answers: dict[str, Any] = {**flags(standard, 0), "sanitation": value}
    with pytest.raises(InvalidInput) as raised:
        validate_deprivations(standard, answers)
    assert raised.value.errors[0].loc == ("deprivations", "sanitation")


def test_validate_deprivations_accepts_a_complete_answer() -> None:
    for standard in all_standards():
        validate_deprivations(standard, flags(standard, 2))


@pytest.mark.parametrize("standard", all_standards(), ids=lambda s: s.id)
@pytest.mark.parametrize("income", [-1, -1_500_000])
def test_negative_income_is_invalid_input(standard: PovertyStandard, income: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        classify(standard, "rural", income, flags(standard, 0))
    assert raised.value.code == "validation_error"
    assert raised.value.errors[0].loc == ("income_per_capita",)


# --- properties ---------------------------------------------------------------------------------


@st.composite
def surveys(draw: st.DrawFn) -> tuple[PovertyStandard, Area, dict[str, bool]]:
    standard = draw(st.sampled_from(all_standards()))
    area: Area = draw(st.sampled_from(AREAS))
    answers = draw(st.fixed_dictionaries({code: st.booleans() for code in standard.indicators}))
    return standard, area, answers


def boundaries(standard: PovertyStandard, area: Area) -> list[int]:
    lines = [standard.income_line[area]]
    if standard.absolute_poverty_line is not None:
        lines.append(standard.absolute_poverty_line[area])
    if standard.average_ceiling is not None:
        lines.append(standard.average_ceiling[area])
    return lines


@st.composite
def incomes_near_lines(draw: st.DrawFn, standard: PovertyStandard, area: Area) -> int:
    """Mostly incomes within a few VND of one of the standard's lines, sometimes anywhere."""
    near = st.builds(
        lambda line, offset: max(0, line + offset),
        st.sampled_from(boundaries(standard, area)),
        st.integers(-3, 3),
    )
    return draw(st.one_of(near, st.integers(0, 10_000_000)))


@given(data=st.data())
def test_raising_income_never_makes_a_household_more_poor(data: st.DataObject) -> None:
    standard, area, answers = data.draw(surveys())
    low = data.draw(incomes_near_lines(standard, area))
    high = data.draw(st.one_of(st.just(low + 1), incomes_near_lines(standard, area)))
    low, high = min(low, high), max(low, high)
    low_status = classify(standard, area, low, answers).status
    high_status = classify(standard, area, high, answers).status
    assert POVERTY_ORDER.index(high_status) >= POVERTY_ORDER.index(low_status)


@given(data=st.data())
def test_above_the_income_line_is_never_poor_or_near_poor(data: st.DataObject) -> None:
    standard, area, answers = data.draw(surveys())
    line = standard.income_line[area]
    income = data.draw(st.integers(line + 1, line * 5))
    status = classify(standard, area, income, answers).status
    ceiling = standard.average_ceiling
    expected: Status = "average" if ceiling is not None and income <= ceiling[area] else "none"
    assert status == expected


@given(data=st.data())
def test_at_or_below_the_line_status_depends_only_on_the_deprivation_threshold(
    data: st.DataObject,
) -> None:
    standard, area, answers = data.draw(surveys())
    absolute = standard.absolute_poverty_line
    floor = absolute[area] + 1 if absolute is not None else 0
    income = data.draw(st.integers(floor, standard.income_line[area]))
    count = sum(answers.values())
    result = classify(standard, area, income, answers)
    assert result.deprivation_count == count
    assert result.status == ("poor" if count >= 3 else "near_poor")


@given(data=st.data())
def test_at_or_below_the_qd59_lower_line_is_poor_whatever_the_deprivations(
    data: st.DataObject,
) -> None:
    standard = standard_by_id(QD_59)
    area: Area = data.draw(st.sampled_from(AREAS))
    answers = data.draw(
        st.fixed_dictionaries({code: st.booleans() for code in standard.indicators})
    )
    assert standard.absolute_poverty_line is not None
    income = data.draw(st.integers(0, standard.absolute_poverty_line[area]))
    assert classify(standard, area, income, answers).status == "poor"
