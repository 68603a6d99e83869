"""The support catalogue (domain.md §5) as data, and eligibility on the date provided."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from domain.calendar import age_on
from domain.errors import NotEligible, invalid
from domain.reference import programme_lines_data, support_types_data
from domain.standards import Area, Status, standard_by_id
from domain.status import Recognition, status_on


@dataclass(frozen=True)
class SupportType:
    code: str
    name: str
    name_vi: str
    programme_line: str
    plan_item: str | None
    eligible_statuses: tuple[Status, ...]
    newly_escaped_eligible: bool
    low_income_eligible: bool
    member: Literal["required", "optional"]
    member_min_age: int | None
    member_max_age_exclusive: int | None
    requires_latest_survey_deprived_in_any: tuple[str, ...]
    requires_model: bool
    records_certificate: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "name_vi": self.name_vi,
            "programme_line": self.programme_line,
            "plan_item": self.plan_item,
            "eligible_statuses": list(self.eligible_statuses),
            "newly_escaped_eligible": self.newly_escaped_eligible,
            "low_income_eligible": self.low_income_eligible,
            "member": self.member,
            "member_min_age": self.member_min_age,
            "member_max_age_exclusive": self.member_max_age_exclusive,
            "requires_latest_survey_deprived_in_any": list(
                self.requires_latest_survey_deprived_in_any
            ),
            "requires_model": self.requires_model,
            "records_certificate": self.records_certificate,
        }


@cache
def support_catalogue() -> Mapping[str, SupportType]:
    return {
        row["code"]: SupportType(
            code=row["code"],
            name=row["name"],
            name_vi=row["name_vi"],
            programme_line=row["programme_line"],
            plan_item=row["plan_item"],
            eligible_statuses=tuple(row["eligible_statuses"]),
            newly_escaped_eligible=row["newly_escaped_eligible"],
            low_income_eligible=row["low_income_eligible"],
            member=row["member"],
            member_min_age=row["member_min_age"],
            member_max_age_exclusive=row["member_max_age_exclusive"],
            requires_latest_survey_deprived_in_any=tuple(
                row["requires_latest_survey_deprived_in_any"]
            ),
            requires_model=row["requires_model"],
            records_certificate=row["records_certificate"],
        )
        for row in support_types_data()
    }


def programme_lines() -> list[dict[str, object]]:
    return [dict(row) for row in programme_lines_data()]


def support_type(code: str) -> SupportType:
    catalogue = support_catalogue()
    if code not in catalogue:
        raise invalid(
            ("support_type",),
            f"unknown support type {code!r}; expected one of {', '.join(sorted(catalogue))}",
        )
    return catalogue[code]


@dataclass(frozen=True)
class SurveyFacts:
    """What eligibility needs of the latest survey on or before the date."""

    surveyed_on: date
    standard: str
    area: Area
    income_per_capita: int
    deprivations: Mapping[str, bool]


@dataclass(frozen=True)
class EligibilityFacts:
    """The household as it stood on the support date."""

    provided_on: date
    status: Status
    newly_escaped: bool
    latest_survey: SurveyFacts | None
    member_birth_date: date | None


def eligibility_facts(
    recognitions: Iterable[Recognition],
    day: date,
    latest_survey: SurveyFacts | None,
    member_birth_date: date | None,
) -> EligibilityFacts:
    """The household as it stood on the support date: the one statement of what eligibility
    reads, whether the household is judged when recording or when a read model re-checks it."""
    on_day = status_on(recognitions, day)
    return EligibilityFacts(
        provided_on=day,
        status=on_day.status,
        newly_escaped=on_day.newly_escaped,
        latest_survey=latest_survey,
        member_birth_date=member_birth_date,
    )


def is_low_income(survey: SurveyFacts | None) -> bool:
    if survey is None:
        return False
    standard = standard_by_id(survey.standard)
    return survey.income_per_capita <= standard.low_income_ceiling(survey.area)


def refusal_reason(kind: SupportType, facts: EligibilityFacts) -> str | None:
    """Why the household may not receive this support on that date, or None when it may."""
    day = facts.provided_on.isoformat()
    if facts.member_birth_date is not None:
        age = age_on(facts.member_birth_date, facts.provided_on)
        if kind.member_min_age is not None and age < kind.member_min_age:
            return (
                f"{kind.code} is for members aged {kind.member_min_age} or over; "
                f"the member was {age} on {day}"
            )
        if kind.member_max_age_exclusive is not None and age >= kind.member_max_age_exclusive:
            return (
                f"{kind.code} is for members under {kind.member_max_age_exclusive}; "
                f"the member was {age} on {day}"
            )

    target = facts.status in kind.eligible_statuses or (
        kind.newly_escaped_eligible and facts.newly_escaped
    )
    if not target and not (kind.low_income_eligible and is_low_income(facts.latest_survey)):
        groups = [s.replace("_", "-") for s in kind.eligible_statuses]
        if kind.newly_escaped_eligible:
            groups.append("newly escaped from poverty")
        if kind.low_income_eligible:
            groups.append("low-income")
        escaped = " (newly escaped)" if facts.newly_escaped else ""
        return (
            f"{kind.code} is for {' or '.join(groups)} households; on {day} the household's "
            f"recognised status was {facts.status}{escaped}"
        )

    if kind.requires_latest_survey_deprived_in_any:
        survey = facts.latest_survey
        wanted = kind.requires_latest_survey_deprived_in_any
        if survey is None or not any(survey.deprivations.get(code, False) for code in wanted):
            found = f"survey of {survey.surveyed_on.isoformat()}" if survey else "no survey"
            return (
                f"{kind.code} needs the latest survey on or before {day} to be deprived in "
                f"{' or '.join(wanted)}; found {found} without it"
            )
    return None


def check_eligible(kind: SupportType, facts: EligibilityFacts) -> None:
    reason = refusal_reason(kind, facts)
    if reason is not None:
        raise NotEligible(detail=reason)
