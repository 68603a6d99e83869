"""Supports and who may receive them on the date provided (domain.md §5)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import age_on
from domain.errors import InvalidInput, NotEligible
from domain.standards import STATUSES, Area, Status, standard_by_id
from domain.supports import (
    EligibilityFacts,
    SurveyFacts,
    check_eligible,
    is_low_income,
    refusal_reason,
    support_catalogue,
    support_type,
)

D = date.fromisoformat
PROVIDED_ON = D("2024-06-01")
CHILD = D("2014-03-01")  # 10 on PROVIDED_ON
ADULT = D("1990-03-01")  # 34 on PROVIDED_ON

SURVEYED_ON_BY_STANDARD = {
    "qd-59-2015": D("2021-10-01"),
    "nd-07-2021": D("2023-10-01"),
    "std-2027-2030": D("2027-10-01"),
}


def survey(
    *,
    standard: str = "nd-07-2021",
    area: Area = "rural",
    income: int = 1_200_000,
    deprived: Iterable[str] = (),
) -> SurveyFacts:
    wanted = set(deprived)
    indicators = standard_by_id(standard).indicators
    assert wanted <= set(indicators)
    return SurveyFacts(
        surveyed_on=SURVEYED_ON_BY_STANDARD[standard],
        standard=standard,
        area=area,
        income_per_capita=income,
        deprivations={code: code in wanted for code in indicators},
    )


def facts(
    status: Status,
    *,
    newly_escaped: bool = False,
    latest_survey: SurveyFacts | None = None,
    member_birth_date: date | None = None,
    provided_on: date = PROVIDED_ON,
) -> EligibilityFacts:
    return EligibilityFacts(
        provided_on=provided_on,
        status=status,
        newly_escaped=newly_escaped,
        latest_survey=latest_survey,
        member_birth_date=member_birth_date,
    )


def eligible(code: str, household: EligibilityFacts) -> bool:
    return refusal_reason(support_type(code), household) is None


# --- the catalogue ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "programme_line", "plan_item"),
    [
        ("livelihood_model", "DA2", "TN-1"),
        ("agricultural_production", "DA3.TDA1", "TN-2.1"),
        ("nutrition", "DA3.TDA2", "TN-2.2"),
        ("vocational_training", "DA4.TDA1", "TN-3.1"),
        ("employment_support", "DA4.TDA3", "TN-3.2"),
        ("information_access", "DA6.TDA1", "TN-4.1"),
        ("health_insurance", "HI", None),
        ("housing", "HOUSING", None),
    ],
)
def test_support_type_belongs_to_its_programme_line(
    code: str, programme_line: str, plan_item: str | None
) -> None:
    kind = support_type(code)
    assert (kind.code, kind.programme_line, kind.plan_item) == (code, programme_line, plan_item)


def test_the_catalogue_holds_exactly_the_eight_support_types() -> None:
    assert set(support_catalogue()) == {
        "livelihood_model",
        "agricultural_production",
        "nutrition",
        "vocational_training",
        "employment_support",
        "information_access",
        "health_insurance",
        "housing",
    }


def test_livelihood_model_names_its_model_and_vocational_training_records_a_certificate() -> None:
    assert support_type("livelihood_model").requires_model is True
    assert support_type("vocational_training").records_certificate is True
    others = set(support_catalogue()) - {"livelihood_model"}
    assert not any(support_type(code).requires_model for code in others)


@pytest.mark.parametrize(
    ("code", "member"),
    [("nutrition", "required"), ("vocational_training", "required"), ("housing", "optional")],
)
def test_personal_supports_require_a_member(code: str, member: str) -> None:
    assert support_type(code).member == member


@pytest.mark.parametrize("code", ["bogus", "", "Housing"])
def test_unknown_support_type_is_invalid_input(code: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        support_type(code)
    assert raised.value.code == "validation_error"
    assert raised.value.errors[0].loc == ("support_type",)


# --- who may receive each support ---------------------------------------------------------------

# (status, newly escaped): every recognised situation a household can be in on the date.
HOUSEHOLDS: dict[str, tuple[Status, bool]] = {
    "poor": ("poor", False),
    "near_poor": ("near_poor", False),
    "near_poor_newly_escaped": ("near_poor", True),
    "average": ("average", False),
    "none": ("none", False),
    "average_newly_escaped": ("average", True),
    "none_newly_escaped": ("none", True),
}
TARGETS_OR_NEWLY_ESCAPED = {
    "poor",
    "near_poor",
    "near_poor_newly_escaped",
    "average_newly_escaped",
    "none_newly_escaped",
}
ELIGIBLE_HOUSEHOLDS: dict[str, set[str]] = {
    "livelihood_model": TARGETS_OR_NEWLY_ESCAPED,
    "agricultural_production": TARGETS_OR_NEWLY_ESCAPED,
    "nutrition": TARGETS_OR_NEWLY_ESCAPED,
    "vocational_training": TARGETS_OR_NEWLY_ESCAPED,
    "information_access": TARGETS_OR_NEWLY_ESCAPED,
    "employment_support": set(HOUSEHOLDS),
    "health_insurance": {"poor", "near_poor", "near_poor_newly_escaped"},
    "housing": {"poor"},
}
MEMBER_FOR = {"nutrition": CHILD, "vocational_training": ADULT}
# Deprived in housing (for `housing`) and above every low-income ceiling (so that
# `vocational_training` is judged on status alone here).
NOT_LOW_INCOME_HOUSING_DEPRIVED = survey(income=5_000_000, deprived=["housing_quality"])


@pytest.mark.parametrize("household", HOUSEHOLDS)
@pytest.mark.parametrize("code", ELIGIBLE_HOUSEHOLDS)
def test_eligibility_by_recognised_status_and_the_36_month_rule(code: str, household: str) -> None:
    status, newly_escaped = HOUSEHOLDS[household]
    situation = facts(
        status,
        newly_escaped=newly_escaped,
        latest_survey=NOT_LOW_INCOME_HOUSING_DEPRIVED,
        member_birth_date=MEMBER_FOR.get(code),
    )
    kind = support_type(code)
    if household in ELIGIBLE_HOUSEHOLDS[code]:
        assert refusal_reason(kind, situation) is None
        check_eligible(kind, situation)
    else:
        assert isinstance(refusal_reason(kind, situation), str)
        with pytest.raises(NotEligible) as raised:
            check_eligible(kind, situation)
        assert raised.value.code == "not_eligible"
        assert code in raised.value.detail


@pytest.mark.parametrize("status", ["average", "none"])
def test_health_insurance_is_not_for_newly_escaped_households(status: Status) -> None:
    assert not eligible("health_insurance", facts(status, newly_escaped=True))
    assert not eligible("health_insurance", facts(status, newly_escaped=False))


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("newly_escaped", [False, True])
def test_employment_support_is_for_any_household(status: Status, newly_escaped: bool) -> None:
    assert eligible("employment_support", facts(status, newly_escaped=newly_escaped))


def test_employment_support_needs_no_survey_and_no_member() -> None:
    assert eligible("employment_support", facts("none", latest_survey=None))


def test_refusal_names_the_groups_and_the_status_on_the_day() -> None:
    reason = refusal_reason(support_type("livelihood_model"), facts("average"))
    assert reason is not None
    assert "2024-06-01" in reason
    assert "average" in reason


# --- member age limits, judged on the date provided ---------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        ("2010-06-01", "2026-05-31", 15),
        ("2010-06-01", "2026-06-01", 16),
        ("2009-06-01", "2024-05-31", 14),
        ("2009-06-01", "2024-06-01", 15),
        ("2008-02-29", "2023-02-28", 14),
        ("2008-02-29", "2023-03-01", 15),
        ("2008-02-29", "2024-02-29", 16),
        ("2024-06-01", "2024-06-01", 0),
    ],
)
def test_age_counts_a_birthday_on_the_day_itself(birth: str, on: str, age: int) -> None:
    assert age_on(D(birth), D(on)) == age


@pytest.mark.parametrize(
    ("birth", "on", "allowed"),
    [
        pytest.param("2010-06-01", "2026-05-31", True, id="15-the-day-before-the-16th-birthday"),
        pytest.param("2010-06-01", "2026-06-01", False, id="16-on-the-birthday"),
        pytest.param("2024-05-01", "2024-06-01", True, id="a-baby"),
        pytest.param("2000-01-01", "2024-06-01", False, id="an-adult"),
    ],
)
def test_nutrition_is_for_a_member_under_16_on_the_date(birth: str, on: str, allowed: bool) -> None:
    household = facts("poor", member_birth_date=D(birth), provided_on=D(on))
    assert eligible("nutrition", household) is allowed


@pytest.mark.parametrize(
    ("birth", "on", "allowed"),
    [
        pytest.param("2009-06-01", "2024-05-31", False, id="14-the-day-before-the-15th-birthday"),
        pytest.param("2009-06-01", "2024-06-01", True, id="15-on-the-birthday"),
        pytest.param("2008-02-29", "2023-02-28", False, id="leap-day-born-not-yet-15"),
        pytest.param("2008-02-29", "2023-03-01", True, id="leap-day-born-15"),
        pytest.param("1950-01-01", "2024-06-01", True, id="no-upper-age-limit"),
    ],
)
def test_vocational_training_is_for_a_member_aged_15_or_over_on_the_date(
    birth: str, on: str, allowed: bool
) -> None:
    household = facts("near_poor", member_birth_date=D(birth), provided_on=D(on))
    assert eligible("vocational_training", household) is allowed


def test_the_age_limit_applies_to_low_income_households_too() -> None:
    too_young = facts(
        "average",
        latest_survey=survey(income=1_000_000),
        member_birth_date=D("2009-06-02"),
        provided_on=D("2024-06-01"),
    )
    assert not eligible("vocational_training", too_young)


# --- vocational training for low-income households ----------------------------------------------


@pytest.mark.parametrize(
    ("standard", "area", "income", "low_income"),
    [
        # Decree 07: up to the average band ceiling.
        ("nd-07-2021", "rural", 1_500_001, True),
        ("nd-07-2021", "rural", 2_250_000, True),
        ("nd-07-2021", "rural", 2_250_001, False),
        ("nd-07-2021", "urban", 3_000_000, True),
        ("nd-07-2021", "urban", 3_000_001, False),
        # QĐ 59: no band, so up to the upper income line.
        ("qd-59-2015", "rural", 1_000_000, True),
        ("qd-59-2015", "rural", 1_000_001, False),
        ("qd-59-2015", "urban", 1_300_000, True),
        ("qd-59-2015", "urban", 1_300_001, False),
        # 2027-2030: no band known yet, so up to the income line.
        ("std-2027-2030", "rural", 2_200_000, True),
        ("std-2027-2030", "rural", 2_200_001, False),
        ("std-2027-2030", "urban", 2_800_000, True),
        ("std-2027-2030", "urban", 2_800_001, False),
    ],
)
def test_vocational_training_for_a_low_income_household_by_its_latest_survey(
    standard: str, area: Area, income: int, low_income: bool
) -> None:
    latest = survey(standard=standard, area=area, income=income)
    assert is_low_income(latest) is low_income
    for status in ("average", "none"):
        household = facts(status, latest_survey=latest, member_birth_date=ADULT)
        assert eligible("vocational_training", household) is low_income


def test_no_survey_is_not_low_income() -> None:
    assert is_low_income(None) is False
    household = facts("average", latest_survey=None, member_birth_date=ADULT)
    assert not eligible("vocational_training", household)


@pytest.mark.parametrize(
    "code",
    ["livelihood_model", "agricultural_production", "information_access", "health_insurance"],
)
def test_low_income_alone_qualifies_for_vocational_training_only(code: str) -> None:
    household = facts("average", latest_survey=survey(income=1_600_000), member_birth_date=ADULT)
    assert eligible("vocational_training", household)
    assert not eligible(code, household)


def test_nutrition_is_not_for_low_income_households() -> None:
    household = facts("average", latest_survey=survey(income=1_600_000), member_birth_date=CHILD)
    assert not eligible("nutrition", household)


# --- housing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "allowed"),
    [
        pytest.param(survey(deprived=["housing_quality"]), True, id="housing-quality"),
        pytest.param(survey(deprived=["housing_area"]), True, id="housing-area"),
        pytest.param(survey(deprived=["housing_quality", "housing_area"]), True, id="both"),
        pytest.param(
            survey(standard="qd-59-2015", deprived=["housing_area"]), True, id="qd59-survey"
        ),
        pytest.param(
            survey(deprived=["employment", "sanitation", "domestic_water"]),
            False,
            id="deprived-but-not-in-housing",
        ),
        pytest.param(survey(), False, id="not-deprived"),
        pytest.param(None, False, id="no-survey"),
    ],
)
def test_housing_needs_a_poor_household_deprived_in_housing_in_its_latest_survey(
    latest: SurveyFacts | None, allowed: bool
) -> None:
    assert eligible("housing", facts("poor", latest_survey=latest)) is allowed


@pytest.mark.parametrize(
    ("status", "newly_escaped"),
    [("near_poor", False), ("near_poor", True), ("average", True), ("none", True)],
)
def test_housing_is_only_for_poor_households(status: Status, newly_escaped: bool) -> None:
    deprived = survey(deprived=["housing_quality", "housing_area"])
    household = facts(status, newly_escaped=newly_escaped, latest_survey=deprived)
    assert not eligible("housing", household)


# --- properties ---------------------------------------------------------------------------------

statuses = st.sampled_from(STATUSES)


@given(status=statuses, newly_escaped=st.booleans())
def test_health_insurance_depends_only_on_being_poor_or_near_poor(
    status: Status, newly_escaped: bool
) -> None:
    household = facts(status, newly_escaped=newly_escaped)
    assert eligible("health_insurance", household) is (status in ("poor", "near_poor"))


@given(
    status=statuses,
    newly_escaped=st.booleans(),
    income=st.integers(0, 10_000_000),
    area=st.sampled_from(("rural", "urban")),
)
def test_vocational_training_for_an_adult_is_target_or_newly_escaped_or_low_income(
    status: Status, newly_escaped: bool, income: int, area: Area
) -> None:
    latest = survey(area=area, income=income)
    household = facts(
        status, newly_escaped=newly_escaped, latest_survey=latest, member_birth_date=ADULT
    )
    ceiling = 2_250_000 if area == "rural" else 3_000_000
    expected = status in ("poor", "near_poor") or newly_escaped or income <= ceiling
    assert eligible("vocational_training", household) is expected
