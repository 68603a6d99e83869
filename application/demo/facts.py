"""Records one household's facts through the aggregate's own methods, as a caseworker would."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from functools import partial
from uuid import uuid4

from application.case_files import CaseFiles
from application.commands import MemberDetails
from application.demo.funds import Funds
from application.demo.moments import mistyped, next_moment, working_day
from application.demo.parameters import DemoParameters
from application.demo.population import (
    CORRECTION,
    RECOGNITION,
    Case,
    Communes,
    draw_sex,
    person_name,
    survey_values,
)
from application.demo.rates import DUPLICATE_RECOGNITION_CHANCE, LAST_DAY, MISTYPED_NUMBER_CHANCE
from application.demo.reference import KINH, STATUS_VI
from domain import household_inputs as inputs
from domain.calendar import date_in_vietnam
from domain.household import FactContext
from domain.standards import PovertyStandard, Status, standard_on
from domain.supports import support_catalogue


class Recorder:
    """Records a household's facts: what each command states is checked, then the household's
    own method checks its rules and records the event, on the draft saved with its batch."""

    def __init__(self, case_files: CaseFiles, parameters: DemoParameters) -> None:
        self.case_files = case_files
        self.today = case_files.today()
        self.parameters = parameters
        self.seed = parameters.seed
        self.communes = Communes(case_files.units, parameters.seed)
        self.funds = Funds(case_files, self.communes, parameters)
        self.sequences: Counter[str] = Counter()
        self.id_serials: Counter[str] = Counter()
        self.id_offsets: dict[str, int] = {}
        self.decisions: dict[tuple[str, int, int], tuple[date, str]] = {}
        self.catalogue = support_catalogue()
        self.standards: dict[int, PovertyStandard] = {}

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
        case: Case,
        day: date,
        *,
        reason: str | None = None,
        evidence: str | None = None,
        actor: str | None = None,
        delay: int | None = None,
    ) -> FactContext:
        """Who records a fact handled on ``day``, and when: after a short delay (unless given),
        at office hours, after the household's previous fact."""
        case.clock = next_moment(case.clock, day, case.rng, delay)
        return FactContext(
            actor=actor or case.actor, reason=reason, evidence=evidence, recorded_at=case.clock
        )

    def _leave(self, case: Case, day: date, member_id: str, reason: str) -> None:
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

    def _birth(self, case: Case, day: date, mother_id: str) -> None:
        mother = case.household.members[mother_id]
        if not mother.present_on(day):
            return
        relation = "grandchild" if mother.relation == "child_in_law" else "child"
        sex = draw_sex(case.rng, 0.51)
        birth_date = max(day - timedelta(days=case.rng.randint(0, 20)), date(day.year, 1, 1))
        details = MemberDetails(
            name=person_name(case.rng, case.ethnicity, sex, case.surname),
            birth_date=birth_date,
            sex=sex,
            ethnicity=case.ethnicity,
            relation=relation,
        )
        self._join(case, day, details, "Sinh con", "birth")

    def _bride(self, case: Case, day: date) -> None:
        rng = case.rng
        ethnicity = case.ethnicity if rng.random() < 0.75 else KINH
        age = rng.randint(19, 29)
        birth_year = day.year - age
        birth_date = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
        national_id = self._national_id(birth_date, "female") if rng.random() < 0.9 else None
        details = MemberDetails(
            name=person_name(rng, ethnicity, "female", None),
            birth_date=birth_date,
            sex="female",
            ethnicity=ethnicity,
            relation="child_in_law",
            national_id=national_id,
        )
        self._join(case, day, details, "Kết hôn, nhập hộ nhà chồng", "marriage")

    def _join(self, case: Case, day: date, details: MemberDetails, reason: str, kind: str) -> None:
        context = self._context(case, day, reason=reason)
        inputs.check_joining(details, day, self.today)
        case.household.add_member(str(uuid4()), details, day, context)
        case.joined[kind] += 1

    def _survey(self, case: Case, day: date, review: str, target: Status, reason: str) -> None:
        standard = self._standard(day)
        income, deprivations = survey_values(case, standard, target, day)
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
        case: Case,
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
        elif show is None and rng.random() < MISTYPED_NUMBER_CHANCE:
            number = mistyped(decision_no)
        context = self._context(case, day, reason=reason, evidence=number)
        inputs.check_recognition(recorded, day, number, self.today)
        recognition_id = str(uuid4())
        household.record_recognition(recognition_id, recorded, day, number, context)
        if recorded != status:
            fixed_on = min(working_day(date(day.year + 1, 2, rng.randint(16, 26))), LAST_DAY)
            why = (
                f"Nhập sai mức sống: Quyết định số {decision_no} công nhận {STATUS_VI[status]}, "
                f"không phải {STATUS_VI[recorded]}"
            )
            case.plan(
                fixed_on,
                CORRECTION,
                partial(self._correct, case, fixed_on, recognition_id, status, None, why),
            )
        elif number != decision_no:
            fixed_on = min(day + timedelta(days=rng.randint(10, 45)), LAST_DAY)
            why = f"Sửa số quyết định nhập nhầm {number}: đúng là {decision_no}"
            case.plan(
                fixed_on,
                CORRECTION,
                partial(self._correct, case, fixed_on, recognition_id, None, decision_no, why),
            )
        twice = (
            show.duplicate_recognition == t and review == "annual"
            if show is not None
            else rng.random() < DUPLICATE_RECOGNITION_CHANCE
        )
        if twice:
            entered_on = min(day + timedelta(days=rng.randint(1, 5)), LAST_DAY)
            case.plan(
                entered_on,
                RECOGNITION,
                partial(self._recognition_again, case, entered_on, recorded, day, number, reason),
            )

    def _recognition_again(
        self,
        case: Case,
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
        case.plan(revoked_on, CORRECTION, partial(self._revoke, case, revoked_on, copy_id, why))

    def _correct(
        self,
        case: Case,
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

    def _revoke(self, case: Case, day: date, recognition_id: str, reason: str) -> None:
        context = self._context(case, day, reason=reason, delay=0)
        inputs.check_revocation(day, context, self.today)
        case.household.revoke_recognition(recognition_id, day, context)
        case.anomalies["recognition_revoked"] += 1
