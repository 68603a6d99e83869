"""What auditors use: corrections of recognitions, differences between past states,
re-derived survey decisions, the restatement report and a household's complete file."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse

from api import schemas
from api.auth import ScopedArea
from api.csv_export import Language
from api.dependencies import (
    PAGE_LIMIT_DEFAULT,
    READS_LOG,
    READS_REGISTERS,
    ActorDep,
    CaseFilesDep,
    ContainerDep,
    PageAfterQuery,
    PageLimitQuery,
    context,
    parse_known_at,
    today,
)
from api.file_page import render_file
from api.problems import problem_responses
from api.queries import AsOfQuery
from application.audit import household_difference, household_file, survey_verification
from application.case_files import CaseFiles
from application.commands import CorrectRecognition, RevokeRecognition
from domain.errors import invalid
from domain.household import Household

router = APIRouter(tags=["audit"])
TodayDep = Annotated[date, Depends(today)]


@router.post(
    "/households/{household_id}/recognitions/{recognition_id}/revocation",
    response_model=schemas.RecognitionChanged,
    responses=problem_responses(404, 409, 422),
)
def revoke_recognition(
    household_id: UUID,
    recognition_id: str,
    body: schemas.RecognitionRevocation,
    acting: ActorDep,
    files: CaseFilesDep,
) -> dict[str, Any]:
    """Withdraws a recognition: registers and reports restate the dates it covered."""
    _, written = files.revoke_recognition(
        RevokeRecognition(
            household_id=household_id,
            recognition_id=recognition_id,
            revoked_on=body.revoked_on,
            context=context(acting, body.reason, body.evidence),
            expected_version=body.expected_version,
        )
    )
    return {"recognition_id": recognition_id, "position": written.position}


@router.post(
    "/households/{household_id}/recognitions/{recognition_id}/correction",
    response_model=schemas.RecognitionChanged,
    responses=problem_responses(404, 409, 422),
)
def correct_recognition(
    household_id: UUID,
    recognition_id: str,
    body: schemas.RecognitionCorrection,
    acting: ActorDep,
    files: CaseFilesDep,
) -> dict[str, Any]:
    """Replaces a wrongly recorded status, decision date or number; the original stays in
    the history."""
    _, written = files.correct_recognition(
        CorrectRecognition(
            household_id=household_id,
            recognition_id=recognition_id,
            context=context(acting, body.reason, body.evidence),
            status=body.status,
            decided_on=body.decided_on,
            decision_no=body.decision_no,
            expected_version=body.expected_version,
        )
    )
    return {"recognition_id": recognition_id, "position": written.position}


def _state(
    files: CaseFiles, household_id: UUID, version: int | None, known_at: str | None, which: str
) -> Household:
    moment = parse_known_at(known_at, f"{which}_known_at")
    if version is not None and moment is not None:
        raise invalid(("query", f"{which}_version"), "give a version or a moment, not both")
    if version is not None:
        return files.household_at_version(household_id, version)
    if moment is not None:
        return files.household_known_at(household_id, moment)
    return files.household(household_id)


@router.get(
    "/households/{household_id}/diff",
    response_model=schemas.HouseholdDifference,
    dependencies=[READS_LOG],
    responses=problem_responses(404, 422, 503),
)
def household_diff(
    household_id: UUID,
    files: CaseFilesDep,
    on: TodayDep,
    from_version: Annotated[int | None, Query(ge=1)] = None,
    to_version: Annotated[int | None, Query(ge=1)] = None,
    from_known_at: str | None = None,
    to_known_at: str | None = None,
    as_of: AsOfQuery = None,
) -> dict[str, Any]:
    """What changed between two versions or two moments (default: from the first version to
    now)."""
    if from_version is None and from_known_at is None:
        from_version = 1
    before = _state(files, household_id, from_version, from_known_at, "from")
    after = _state(files, household_id, to_version, to_known_at, "to")
    return household_difference(before, after, as_of or on)


@router.get(
    "/households/{household_id}/surveys/{survey_id}/verification",
    response_model=schemas.SurveyVerification,
    dependencies=[READS_LOG],
    responses=problem_responses(404, 422, 503),
)
def verify_survey(household_id: UUID, survey_id: str, files: CaseFilesDep) -> dict[str, Any]:
    """Re-runs the survey's classification under its recorded standard."""
    return survey_verification(files.household(household_id), survey_id)


def _file_page(
    files: CaseFiles, household_id: UUID, on: date, limit: int, after: int
) -> dict[str, Any]:
    events, more = files.household_events_page(household_id, after, limit)
    content = household_file(files.household(household_id), events, on)
    content["next"] = events[-1].originator_version if more else None
    return content


@router.get(
    "/households/{household_id}/file",
    response_model=schemas.HouseholdFile,
    dependencies=[READS_LOG],
    responses=problem_responses(404, 422, 503),
)
def household_complete_file(
    household_id: UUID,
    files: CaseFilesDep,
    on: TodayDep,
    limit: PageLimitQuery = PAGE_LIMIT_DEFAULT,
    after: PageAfterQuery = 0,
) -> dict[str, Any]:
    """The household's complete file: every fact, correction, support and its status timeline.
    `facts` comes in pages of `limit` (`next` is the `after` of the next page, null on the
    last); every page carries the household's current state in full."""
    return _file_page(files, household_id, on, limit, after)


@router.get(
    "/households/{household_id}/file.html",
    response_class=HTMLResponse,
    dependencies=[READS_LOG],
    responses=problem_responses(404, 422, 503),
)
def household_printable_file(
    household_id: UUID,
    files: CaseFilesDep,
    on: TodayDep,
    limit: PageLimitQuery = PAGE_LIMIT_DEFAULT,
    after: PageAfterQuery = 0,
    lang: Annotated[
        Language,
        Query(
            description="`vi` (default): Vietnamese labels, dates dd/mm/yyyy, Có/Không; "
            "`en`: English labels, ISO dates"
        ),
    ] = "vi",
) -> str:
    """The complete file as a page to print; a longer history links to its next page."""
    content = jsonable_encoder(_file_page(files, household_id, on, limit, after))
    return render_file(content, limit, after, lang)


@router.get(
    "/reports/restatement",
    response_model=schemas.Restatement,
    dependencies=[READS_REGISTERS],
    responses=problem_responses(422, 503),
    tags=["reports"],
)
def restatement(
    built: ContainerDep,
    on: TodayDep,
    reported_at: Annotated[str, Query(description="when the figures were reported (ISO 8601)")],
    area: ScopedArea,
    as_of: AsOfQuery = None,
) -> dict[str, Any]:
    """The register summary as reported at a past moment against the same summary as known
    now: what later corrections and backdated decisions changed."""
    moment = parse_known_at(reported_at, "reported_at")
    day = as_of or on
    then = built.registers.summary(area, day, moment)
    now = built.registers.summary(area, day, None)
    fields = ("households", "poor", "near_poor", "newly_escaped", "average")

    def difference(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
        return {name: after[name] - before[name] for name in fields}

    return {
        "area": area,
        "as_of": day,
        "reported_at": reported_at,
        "as_reported": {name: then[name] for name in fields},
        "as_known_now": {name: now[name] for name in fields},
        "difference": difference(then, now),
        "units": [
            {
                "code": after["code"],
                "name": after["name"],
                "as_reported": {name: before[name] for name in fields},
                "as_known_now": {name: after[name] for name in fields},
                "difference": difference(before, after),
            }
            for before, after in zip(then["units"], now["units"], strict=True)
        ],
    }
