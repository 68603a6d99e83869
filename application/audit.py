"""What auditors read: a summary of each fact, differences between past states, re-derived
decisions, and a household's complete file."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from application.views import history_view, household_view
from domain.errors import NotFound
from domain.household import Household
from domain.standards import classify, standard_by_id
from domain.status import steps, windows

STATUS_WORDS = {
    "poor": "poor (hộ nghèo)",
    "near_poor": "near-poor (hộ cận nghèo)",
    "average": "average living standard (mức sống trung bình)",
    "none": "not poor",
}


def fact_summary(event: Household.Event) -> str:
    """One line a person can read, e.g. in an audit trail or a printed file."""
    data = vars(event)
    on = event.effective_on.isoformat() if event.effective_on else ""
    if isinstance(event, Household.Registered):
        return (
            f"Registered household {data['code']} in commune {data['commune_code']}, "
            f"{data['village']}, with {len(data['members'])} member(s), on {on}"
        )
    if isinstance(event, Household.MemberJoined):
        member = data["member"]
        return f"{member['name']} joined as {member['relation']} on {on}"
    if isinstance(event, Household.MemberLeft):
        return f"Member {data['member_id']} left on {on}"
    if isinstance(event, Household.MemberDetailsCorrected):
        fields = ", ".join(f"{k} → {v}" for k, v in data["changes"].items())
        return f"Corrected member {data['member_id']}: {fields}"
    if isinstance(event, Household.SurveyRecorded):
        return (
            f"{data['review'].capitalize()} review survey of {on} under {data['standard']}: "
            f"income {data['income_per_capita']:,} VND/person/month, "
            f"{data['deprivation_count']} deprivation(s), proposes "
            f"{STATUS_WORDS[data['proposed_status']]}"
        )
    if isinstance(event, Household.RecognitionRecorded):
        return (
            f"Recognised as {STATUS_WORDS[data['status']]} by decision "
            f"{data['decision_no']} of {on}"
        )
    if isinstance(event, Household.RecognitionRevoked):
        return f"Revoked recognition {data['recognition_id']} on {on}"
    if isinstance(event, Household.RecognitionCorrected):
        return (
            f"Corrected recognition {data['recognition_id']}: {STATUS_WORDS[data['status']]} "
            f"by decision {data['decision_no']} of {data['decided_on'].isoformat()}"
        )
    if isinstance(event, Household.SupportRecorded):
        what = data["support_type"].replace("_", " ")
        money = f", {data['amount']:,} VND" if data["amount"] else ""
        quantity = f", {data['quantity']:g} {data['unit']}" if data["quantity"] else ""
        return f"Support provided on {on}: {what} ({data['programme_line']}){money}{quantity}"
    if isinstance(event, Household.SupportReversed):
        return f"Reversed support {data['support_id']} on {on}"
    return type(event).__name__


def history_with_summaries(events: list[Household.Event]) -> list[dict[str, Any]]:
    items = history_view(events)
    for item, event in zip(items, events, strict=True):
        item["summary"] = fact_summary(event)
    return items


def recorded_state(household: Household) -> dict[str, Any]:
    """Everything recorded about the household, independent of any business date."""
    return {
        "code": household.code,
        "commune_code": household.commune_code,
        "village": household.village,
        "area": household.area,
        "registered_on": household.registered_on,
        "members": {m.member_id: asdict(m) for m in household.members.values()},
        "surveys": {s.survey_id: asdict(s) for s in household.surveys},
        "recognitions": {
            r.recognition_id: {
                "status": r.status,
                "decided_on": r.decided_on,
                "decision_no": household.decision_numbers.get(r.recognition_id),
            }
            for r in household.recognitions
        },
        "supports": {
            s.support_id: {k: v for k, v in asdict(s).items() if k != "recorded_at"}
            for s in household.supports.values()
        },
    }


def _differences(before: Any, after: Any, path: list[str]) -> list[dict[str, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[dict[str, Any]] = []
        for key in sorted(set(before) | set(after), key=str):
            if key not in before:
                changes.append({"path": [*path, str(key)], "change": "added", "after": after[key]})
            elif key not in after:
                changes.append(
                    {"path": [*path, str(key)], "change": "removed", "before": before[key]}
                )
            else:
                changes.extend(_differences(before[key], after[key], [*path, str(key)]))
        return changes
    if before != after:
        return [{"path": path, "change": "changed", "before": before, "after": after}]
    return []


def household_difference(before: Household, after: Household, as_of: date) -> dict[str, Any]:
    """What changed between two recorded states, and what that did to the status on a date."""
    status_before = household_view(before, as_of)
    status_after = household_view(after, as_of)
    status_keys = ("status", "status_since", "newly_escaped", "newly_escaped_until")
    return {
        "from_version": before.version,
        "to_version": after.version,
        "as_of": as_of,
        "changes": _differences(recorded_state(before), recorded_state(after), []),
        "status_on_as_of": {
            key: {"before": status_before[key], "after": status_after[key]}
            for key in status_keys
            if status_before[key] != status_after[key]
        },
    }


def survey_verification(household: Household, survey_id: str) -> dict[str, Any]:
    """Re-runs a survey's classification under the standard it recorded."""
    survey = next((s for s in household.surveys if s.survey_id == survey_id), None)
    if survey is None:
        raise NotFound(detail=f"no survey {survey_id} in this household")
    standard = standard_by_id(survey.standard)
    result = classify(standard, survey.area, survey.income_per_capita, survey.deprivations)
    recorded = {"status": survey.proposed_status, "deprivation_count": survey.deprivation_count}
    recomputed = {"status": result.status, "deprivation_count": result.deprivation_count}
    return {
        "survey_id": survey.survey_id,
        "surveyed_on": survey.surveyed_on,
        "standard": standard.as_dict(),
        "inputs": {
            "area": survey.area,
            "income_per_capita": survey.income_per_capita,
            "deprivations": survey.deprivations,
        },
        "recorded": recorded,
        "recomputed": recomputed,
        "matches": recorded == recomputed,
    }


def status_timeline(household: Household) -> list[dict[str, Any]]:
    return [
        {
            "recognition_id": step.recognition.recognition_id,
            "decided_on": step.recognition.decided_on,
            "decision_no": household.decision_numbers.get(step.recognition.recognition_id),
            "from_status": step.previous_status,
            "status": step.recognition.status,
            "movement": step.movement,
            "status_since": step.status_since,
        }
        for step in steps(household.recognitions)
    ]


def household_file(
    household: Household, events: list[Household.Event], today: date
) -> dict[str, Any]:
    """The complete file of one household, for an auditor."""
    return {
        "household": household_view(household, today),
        "facts": history_with_summaries(events),
        "status_timeline": status_timeline(household),
        "escape_windows": [
            {"opened_on": w.opened_on, "until": w.until, "closed_on": w.closed_on}
            for w in windows(household.recognitions)
        ],
        "surveys": [survey_verification(household, s.survey_id) for s in household.surveys],
        "supports": [
            {k: v for k, v in asdict(s).items() if k != "recorded_at"}
            for s in sorted(household.supports.values(), key=lambda s: s.provided_on)
        ],
        "members": [asdict(m) for m in household.members.values()],
    }
