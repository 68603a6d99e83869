"""A household's history: its registration, members, and each year of reviews and changes."""

from __future__ import annotations

import heapq
import random
from datetime import date, timedelta
from functools import partial

from application.commands import (
    MemberDetails,
    RegisterHousehold,
)
from application.demo.moments import BEFORE_ALL, next_moment
from application.demo.population import (
    JOIN,
    LEAVE,
    RECOGNITION,
    SURVEY,
    Case,
    day_between,
    draw_profile,
    draw_sex,
    household_code,
    household_random,
    person_name,
    showcase_at,
    weighted,
)
from application.demo.rates import (
    AVERAGE,
    DISTRICTS,
    FIRST_YEAR,
    LAST_DAY,
    NEAR,
    NONE,
    OTHER_DISTRICT,
    POOR,
    SURVEYED_WITHOUT_CAUSE,
    TARGET_STATUSES,
    YEARS,
    District,
)
from application.demo.reference import KINH, SURNAMES
from application.demo.supports import Supporter
from domain.calendar import age_on
from domain.household import FactContext


class Generator(Supporter):
    """Generates one household at a time: registration, then each year of its history."""

    # The household and its registration ---------------------------------------------------

    def household(self, index: int) -> Case:
        rng = household_random(self.seed, index)
        showcase = showcase_at(index)
        unit = self.communes.choose(rng, showcase)
        self.sequences[unit.code] += 1
        code = household_code(self.parameters.code_prefix, unit.code, self.sequences[unit.code])
        district = DISTRICTS.get(unit.parent_code or "", OTHER_DISTRICT)
        profile = draw_profile(rng, unit, district, showcase)
        ethnicity = profile.ethnicity

        registered_on = date(2021, 8, 2) + timedelta(days=rng.randrange(45))
        members, surname = self._members(
            rng, profile.composition, ethnicity, district, registered_on
        )
        context = FactContext(
            actor=f"demo/cbgn.{unit.code}",
            reason=f"Lập danh sách hộ, rà soát năm {FIRST_YEAR}",
            recorded_at=next_moment(BEFORE_ALL, registered_on, rng),
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
        case = Case(
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
        district: District,
        on: date,
    ) -> tuple[list[MemberDetails], str]:
        """The members at registration, head first, and the family name the children take."""
        if composition == "single_elderly":
            head_age, head_sex = rng.randint(62, 90), draw_sex(rng, 0.35)
        elif composition == "single_adult":
            head_age, head_sex = rng.randint(25, 58), draw_sex(rng, 0.6)
        elif composition == "couple_elderly":
            head_age, head_sex = rng.randint(58, 85), draw_sex(rng, 0.85)
        elif composition == "couple_young":
            head_age, head_sex = rng.randint(21, 32), draw_sex(rng, 0.85)
        elif composition == "skipped_generation":
            head_age, head_sex = rng.randint(55, 78), draw_sex(rng, 0.6)
        elif composition == "three_generations":
            head_age, head_sex = rng.randint(28, 55), draw_sex(rng, 0.85)
        else:  # nuclear, and showcases
            head_age, head_sex = rng.randint(26, 58), draw_sex(rng, 0.8)
        if composition == "showcase":
            head_age = rng.randint(34, 45)

        head_surname = rng.choice(SURNAMES.get(ethnicity, SURNAMES[KINH]))
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
                    KINH if ethnicity != KINH else weighted(rng, district.minority_mix)
                )
            spouse_age = max(18, head_age + rng.randint(-8, 3))
            spouse_surname = rng.choice(SURNAMES.get(spouse_ethnicity, SURNAMES[KINH]))
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
            count = weighted(rng, ((1, 25), (2, 45), (3, 20), (4, 10)))
            children = [rng.randint(0, max(0, min(head_age - 20, 28))) for _ in range(count)]
        elif composition == "three_generations":
            count = weighted(rng, ((1, 35), (2, 45), (3, 20)))
            children = [rng.randint(0, max(0, min(head_age - 20, 25))) for _ in range(count)]
        for age in sorted(children, reverse=True):
            members.append(
                self._person(rng, "child", age, draw_sex(rng, 0.51), ethnicity, surname, on)
            )
        if composition == "skipped_generation":
            for _ in range(rng.randint(1, 2)):
                age, sex = rng.randint(1, 15), draw_sex(rng, 0.51)
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
        name = person_name(rng, ethnicity, sex, surname)
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

    # A year of reviews, supports and member changes ------------------------------------------

    def _year(self, case: Case, t: int, year: int) -> None:
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
                day = day_between(rng, start, end)
                case.plan(day, LEAVE, partial(self._leave, case, day, member.member_id, reason))
        mothers = [
            m
            for m in present
            if m.sex == "female"
            and m.relation in ("head", "spouse", "child_in_law")
            and 20 <= age_on(m.birth_date, start) <= 38
        ]
        if mothers and rng.random() < 0.09:
            day = day_between(rng, start, end)
            case.plan(day, JOIN, partial(self._birth, case, day, rng.choice(mothers).member_id))
        grooms = [
            m
            for m in present
            if m.sex == "male" and m.relation == "child" and 23 <= age_on(m.birth_date, start) <= 33
        ]
        in_law = any(m.relation == "child_in_law" for m in present)
        if grooms and not in_law and rng.random() < 0.07:
            day = day_between(rng, start, end)
            case.plan(day, JOIN, partial(self._bride, case, day))

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
                SURVEY,
                partial(self._survey, case, survey_day, "regular", target, reason),
            )
            case.plan(
                decided_on,
                RECOGNITION,
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
            or rng.random() < SURVEYED_WITHOUT_CAUSE
        )
        if surveyed:
            first = max(date(year, 9, 1), household.registered_on + timedelta(days=1))
            survey_day = day_between(rng, first, date(year, 11, 25))
            decided_on, decision_no = self._decision(case.unit.code, year, 12)
            reason = f"Rà soát định kỳ năm {year}"
            case.plan(
                survey_day,
                SURVEY,
                partial(self._survey, case, survey_day, "annual", target, reason),
            )
            if target in TARGET_STATUSES or target != case.recognised:
                case.plan(
                    decided_on,
                    RECOGNITION,
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

    def _handle(self, case: Case, until: date | None) -> None:
        """Records what is planned, in the order it is handled, up to ``until`` (or all)."""
        items = case.items
        while items and (until is None or items[0][0] <= until):
            heapq.heappop(items)[3]()
