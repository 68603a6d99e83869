"""Households: registration, members, surveys, recognitions, supports, history."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from api import schemas
from api.auth import PrincipalDep, check_within
from api.dependencies import (
    PAGE_LIMIT_DEFAULT,
    READS_LOG,
    ActorDep,
    CaseFilesDep,
    ContainerDep,
    PageAfterQuery,
    PageLimitQuery,
    context,
    parse_known_at,
    today,
)
from api.problems import problem_responses
from api.queries import AsOfQuery
from application.audit import history_with_summaries
from application.commands import (
    AddMember,
    CorrectMemberDetails,
    MemberDetails,
    RecordDeparture,
    RecordRecognition,
    RecordSupport,
    RecordSurvey,
    RegisterHousehold,
    ReverseSupport,
)
from application.views import household_view, member_view
from domain.errors import invalid

router = APIRouter(prefix="/households", tags=["households"])

TodayDep = Annotated[date, Depends(today)]


def _member(body: schemas.MemberIn) -> MemberDetails:
    return MemberDetails(
        name=body.name,
        birth_date=body.birth_date,
        sex=body.sex,
        ethnicity=body.ethnicity,
        relation=body.relation,
        national_id=body.national_id,
        disability=body.disability,
        merit=body.merit,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.HouseholdWritten,
    responses=problem_responses(409, 422),
    description=(
        "Registers a household with its members (exactly one `head`) in a commune or ward; "
        "the code is unique (409 if taken)."
    ),
)
def register_household(
    body: schemas.HouseholdCreate,
    acting: ActorDep,
    files: CaseFilesDep,
    on: TodayDep,
    built: ContainerDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    check_within(built, principal, body.commune_code, ("body", "commune_code"))
    household, written = files.register_household(
        RegisterHousehold(
            code=body.code,
            commune_code=body.commune_code,
            village=body.village,
            registered_on=body.registered_on,
            members=[_member(m) for m in body.members],
            context=context(acting, body.reason, body.evidence),
            area=body.area,
        )
    )
    return {**household_view(household, max(on, body.registered_on)), "position": written.position}


@router.get(
    "",
    response_model=schemas.HouseholdList,
    dependencies=[READS_LOG],
    responses=problem_responses(422, 503),
    description="The household with this code, as a list of at most one.",
)
def find_households(
    files: CaseFilesDep,
    on: TodayDep,
    built: ContainerDep,
    principal: PrincipalDep,
    code: Annotated[str, Query(min_length=1, description="the household code")],
) -> dict[str, Any]:
    """The household with this code, if it is inside your unit (codes outside it find nothing)."""
    household = files.find_by_code(code)
    if household is not None and not built.units.contains(
        principal.unit_code, household.commune_code
    ):
        household = None
    return {"items": [household_view(household, on)] if household else []}


@router.get(
    "/{household_id}",
    response_model=schemas.HouseholdPublic,
    dependencies=[READS_LOG],
    responses=problem_responses(404, 422, 503),
    description="The household on `as_of`; with `version` or `known_at`, as it was recorded then.",
)
def get_household(
    household_id: UUID,
    files: CaseFilesDep,
    on: TodayDep,
    as_of: AsOfQuery = None,
    known_at: Annotated[
        str | None, Query(description="only facts recorded up to and including this moment")
    ] = None,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    moment = parse_known_at(known_at)
    if moment is not None and version is not None:
        raise invalid(("query", "version"), "ask for a version or a known_at moment, not both")
    if version is not None:
        household = files.household_at_version(household_id, version)
    elif moment is not None:
        household = files.household_known_at(household_id, moment)
    else:
        household = files.household(household_id)
    return household_view(household, as_of or on)


@router.post(
    "/{household_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.MemberCreated,
    responses=problem_responses(404, 409, 422),
    description="A member joins the household on `joined_on`.",
)
def add_member(
    household_id: UUID, body: schemas.MemberJoin, acting: ActorDep, files: CaseFilesDep
) -> dict[str, Any]:
    household, written = files.add_member(
        AddMember(
            household_id=household_id,
            member=_member(body),
            joined_on=body.joined_on,
            context=context(acting, body.reason, body.evidence),
            expected_version=body.expected_version,
        )
    )
    member = household.members[str(written.extra["member_id"])]
    return {**member_view(member), "position": written.position}


@router.post(
    "/{household_id}/members/{member_id}/departure",
    response_model=schemas.HouseholdWritten,
    responses=problem_responses(404, 409, 422),
    description="The member leaves on `left_on`; they stay in the history.",
)
def record_departure(
    household_id: UUID,
    member_id: str,
    body: schemas.Departure,
    acting: ActorDep,
    files: CaseFilesDep,
    on: TodayDep,
) -> dict[str, Any]:
    household, written = files.record_departure(
        RecordDeparture(
            household_id=household_id,
            member_id=member_id,
            left_on=body.left_on,
            context=context(acting, body.reason, body.evidence),
            expected_version=body.expected_version,
        )
    )
    return {**household_view(household, on), "position": written.position}


@router.post(
    "/{household_id}/members/{member_id}/corrections",
    response_model=schemas.HouseholdWritten,
    responses=problem_responses(404, 409, 422),
)
def correct_member(
    household_id: UUID,
    member_id: str,
    body: schemas.MemberCorrection,
    acting: ActorDep,
    files: CaseFilesDep,
    on: TodayDep,
) -> dict[str, Any]:
    """Corrects a member's recorded details. The earlier details stay in the history."""
    notes = {"reason", "evidence", "expected_version"}
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if k not in notes}
    household, written = files.correct_member(
        CorrectMemberDetails(
            household_id=household_id,
            member_id=member_id,
            changes=changes,
            context=context(acting, body.reason, body.evidence),
            expected_version=body.expected_version,
        )
    )
    return {**household_view(household, on), "position": written.position}


@router.post(
    "/{household_id}/surveys",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.SurveyRecorded,
    responses=problem_responses(404, 409, 422),
    description=(
        "Records a survey: the standard in force on `surveyed_on` classifies it into a "
        "proposed status; a survey decides nothing."
    ),
)
def record_survey(
    household_id: UUID, body: schemas.SurveyCreate, acting: ActorDep, files: CaseFilesDep
) -> dict[str, Any]:
    _, written = files.record_survey(
        RecordSurvey(
            household_id=household_id,
            surveyed_on=body.surveyed_on,
            review=body.review,
            income_per_capita=body.income_per_capita,
            deprivations=dict(body.deprivations),
            context=context(acting, body.reason, body.evidence),
            expected_version=body.expected_version,
        )
    )
    return {**written.extra, "position": written.position}


@router.post(
    "/{household_id}/recognitions",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.RecognitionRecorded,
    responses=problem_responses(404, 409, 422),
    description=(
        "Records the commune's decision recognising the household's status; the movement it "
        "makes is in the answer."
    ),
)
def record_recognition(
    household_id: UUID, body: schemas.RecognitionCreate, acting: ActorDep, files: CaseFilesDep
) -> dict[str, Any]:
    _, written = files.record_recognition(
        RecordRecognition(
            household_id=household_id,
            status=body.status,
            decided_on=body.decided_on,
            decision_no=body.decision_no,
            context=context(acting, body.reason, body.evidence or body.decision_no),
            expected_version=body.expected_version,
        )
    )
    return {**written.extra, "position": written.position}


@router.post(
    "/{household_id}/supports",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.SupportWritten,
    responses={
        200: {
            "description": "a repeated idempotency_key: the first support, unchanged",
            "model": schemas.SupportWritten,
        },
        **problem_responses(404, 409, 422),
    },
    description=(
        "Records a support given on `provided_on`, if the household is eligible then (else "
        "422 not_eligible); money draws on an allocation."
    ),
)
def record_support(
    household_id: UUID,
    body: schemas.SupportCreate,
    acting: ActorDep,
    files: CaseFilesDep,
    response: Response,
) -> dict[str, Any]:
    _, written, created = files.record_support(
        RecordSupport(
            household_id=household_id,
            support_type=body.support_type,
            provided_on=body.provided_on,
            context=context(acting, body.reason, body.evidence),
            member_id=body.member_id,
            amount=body.amount,
            quantity=body.quantity,
            unit=body.unit,
            allocation_id=body.allocation_id,
            model=body.model,
            certified=body.certified,
            idempotency_key=body.idempotency_key,
            expected_version=body.expected_version,
        )
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return {"support_id": written.extra["support_id"], "position": written.position}


@router.post(
    "/{household_id}/supports/{support_id}/reversal",
    response_model=schemas.SupportWritten,
    responses=problem_responses(404, 409, 422),
    description=(
        "Reverses a support recorded by mistake; it stays in the history, and its money "
        "returns to its allocation."
    ),
)
def reverse_support(
    household_id: UUID,
    support_id: str,
    body: schemas.SupportReversal,
    acting: ActorDep,
    files: CaseFilesDep,
) -> dict[str, Any]:
    _, written = files.reverse_support(
        ReverseSupport(
            household_id=household_id,
            support_id=support_id,
            reversed_on=body.reversed_on,
            context=context(acting, body.reason, body.evidence),
            expected_version=body.expected_version,
        )
    )
    return {"support_id": support_id, "position": written.position}


@router.get(
    "/{household_id}/history",
    response_model=schemas.History,
    dependencies=[READS_LOG],
    responses=problem_responses(404, 422, 503),
)
def household_history(
    household_id: UUID,
    files: CaseFilesDep,
    known_at: Annotated[
        str | None, Query(description="only facts recorded up to and including this moment")
    ] = None,
    limit: PageLimitQuery = PAGE_LIMIT_DEFAULT,
    after: PageAfterQuery = 0,
) -> dict[str, Any]:
    """Every fact, oldest first: when it was true, when it was recorded, by whom, on what
    evidence. In pages of `limit` facts: `next` is the `after` of the next page, null on the
    last, so a history of up to 1000 facts comes whole in one answer."""
    moment = parse_known_at(known_at)
    events, more = files.household_events_page(household_id, after, limit)
    following = events[-1].originator_version if more else None
    if moment is not None:
        events = [e for e in events if e.timestamp <= moment]
    return {"items": history_with_summaries(events), "next": following}
