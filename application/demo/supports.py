"""Supports: which are offered each year, and their recording, duplicates and reversals."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from uuid import uuid4

from application.demo.facts import Recorder
from application.demo.moments import VIETNAM
from application.demo.population import REVERSAL, SUPPORT, Case
from application.demo.rates import (
    DUPLICATE_CHANCE,
    DUPLICATE_REVERSED,
    HEALTH_INSURANCE_CHANCE,
    HOUSING_CHANCE,
    LAST_DAY,
    LATE_CHANCE,
    POOR,
    REVERSAL_CHANCE,
    SHOWCASE_SUPPORT_CHANCE,
    SUPPORT_CHANCE,
    TARGET_STATUSES,
)
from application.demo.reference import (
    AGRICULTURAL_INPUTS,
    DEVICES,
    DUPLICATE_REASON,
    HOUSING_AMOUNTS,
    LIVELIHOOD_MODELS,
    LIVESTOCK_MODELS,
    REVERSAL_REASONS,
    TRAINING_PER_MONTH,
)
from domain import household_inputs as inputs
from domain.calendar import age_on
from domain.household import Member
from domain.records import SupportGiven
from domain.status import status_on
from domain.supports import refusal_reason


class Supporter(Recorder):
    """Plans and records the supports a household is offered, given only when eligible."""

    def _plan_supports(self, case: Case, t: int, year: int) -> None:
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
            showcase or rng.random() < HEALTH_INSURANCE_CHANCE
        ):
            self._plan_support(case, date(year, 1, rng.randint(8, 31)), "health_insurance")
        for code, chance in SUPPORT_CHANCE.items():
            draw = rng.random()
            offered = (
                (showcase and draw < SHOWCASE_SUPPORT_CHANCE)
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
            and (showcase or draw < HOUSING_CHANCE)
        ):
            if show is not None and show.repeat_housing:
                # Early in the year, so that the second comes before the next survey.
                day = date(year, 3, 1) + timedelta(days=rng.randrange(61))
                self._plan_support(case, day, "housing", "repeat")
            else:
                day = date(year, 3, 1) + timedelta(days=rng.randrange(245))  # to 31 October
                self._plan_support(case, day, "housing")

    def _plan_support(self, case: Case, day: date, code: str, mode: str | None = None) -> None:
        """Plans a support provided on ``day``. ``mode``: "" ordinary, "late" (recorded 35 days
        or more after), "duplicate" (entered again later), "repeat" (given again later); drawn
        for ordinary households when not given."""
        rng = case.rng
        handled = day
        if mode is None:
            mode = ""
            if case.showcase is None:
                draw = rng.random()
                if draw < LATE_CHANCE:
                    if day <= date(day.year, 10, 15):
                        mode = "late"
                        handled = day + timedelta(days=rng.randint(35, 75))
                elif draw < LATE_CHANCE + DUPLICATE_CHANCE:
                    mode = "duplicate"
        elif mode == "late":
            handled = day + timedelta(days=rng.randint(35, 50))
        case.plan(handled, SUPPORT, partial(self._support, case, handled, day, code, mode))

    # Supports, their duplicates and reversals --------------------------------------------------

    def _support(self, case: Case, handled_on: date, day: date, code: str, mode: str) -> None:
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
            name, unit, low, high, price = rng.choice(LIVELIHOOD_MODELS)
            count = rng.randint(low, high)
            quantity, amount = float(count), count * price
            model = f"{name} – {case.unit.name} {day.year}"
            livestock = name in LIVESTOCK_MODELS
        elif code == "agricultural_production":
            unit, low, high, step, price = rng.choice(AGRICULTURAL_INPUTS)
            count = rng.randrange(low, high + 1, step)
            quantity, amount = float(count), count * price
        elif code == "nutrition":
            unit, quantity = "kg sữa bột", float(rng.randint(4, 18))
        elif code == "vocational_training":
            months = rng.randint(1, 3)
            unit, quantity = "tháng", float(months)
            amount = months * rng.choice(TRAINING_PER_MONTH)
            certified = rng.random() < 0.45
        elif code == "employment_support":
            unit, quantity = "lượt", 1.0
        elif code == "information_access":
            (unit, amount), quantity = rng.choice(DEVICES), 1.0
        elif code == "health_insurance":
            unit, quantity = "thẻ BHYT", float(len(present))
        else:  # housing
            unit, quantity = "căn nhà", 1.0
            amount = rng.choice(HOUSING_AMOUNTS)
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
            reverse = case.showcase is None and rng.random() < DUPLICATE_REVERSED
            case.plan(
                again, SUPPORT, partial(self._support_again, case, again, support_id, reverse)
            )
        elif mode == "repeat":
            self._plan_support(case, day + timedelta(days=rng.randint(40, 90)), code, "")
        pending = case.reversal_pending and amount is not None
        if pending or (case.showcase is None and rng.random() < REVERSAL_CHANCE):
            case.reversal_pending = case.reversal_pending and not pending
            year_end = min(date(day.year, 12, 31), LAST_DAY)
            reversed_on = max(
                handled_on, min(handled_on + timedelta(days=rng.randint(3, 25)), year_end)
            )
            why = rng.choice(REVERSAL_REASONS)
            case.plan(
                reversed_on, REVERSAL, partial(self._reverse, case, reversed_on, support_id, why)
            )

    def _support_again(self, case: Case, handled_on: date, support_id: str, reverse: bool) -> None:
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
            livestock = (support.model or "").startswith(LIVESTOCK_MODELS)
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
                REVERSAL,
                partial(self._reverse, case, reversed_on, copy_id, DUPLICATE_REASON),
            )

    def _reverse(self, case: Case, day: date, support_id: str, reason: str) -> None:
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
