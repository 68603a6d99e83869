"""Reference data, self-assessment and health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api import schemas
from api.dependencies import CaseFilesDep, ContainerDep
from api.problems import problem_responses
from domain.standards import all_standards
from domain.supports import programme_lines, support_catalogue
from domain.units import PROVINCE_CODE

router = APIRouter(tags=["reference"])


@router.get(
    "/reference/units",
    response_model=schemas.Units,
    responses=problem_responses(public=True),
    description="The unit's children (the province itself without `parent`).",
)
def units(
    built: ContainerDep,
    parent: Annotated[
        str | None, Query(description="a unit code; without it, the province itself")
    ] = None,
) -> dict[str, Any]:
    if parent is None:
        province = built.units.get(PROVINCE_CODE)
        return {"items": [province.as_dict()] if province else []}
    return {"items": [unit.as_dict() for unit in built.units.children(parent)]}


@router.get(
    "/reference/support-types",
    response_model=schemas.SupportTypes,
    responses=problem_responses(public=True),
    description="The support catalogue: who is eligible for each type and what it records.",
)
def support_types() -> dict[str, Any]:
    return {"items": [kind.as_dict() for kind in support_catalogue().values()]}


@router.get(
    "/reference/programme-lines",
    response_model=schemas.ProgrammeLines,
    responses=problem_responses(public=True),
    description=(
        "The programme's projects and sub-projects, to which supports and allocations belong."
    ),
)
def lines() -> dict[str, Any]:
    return {"items": programme_lines()}


@router.get(
    "/reference/standards",
    response_model=schemas.Standards,
    responses=problem_responses(public=True),
    description=(
        "The poverty standards, with their income lines and deprivation indicators, by period."
    ),
)
def standards() -> dict[str, Any]:
    return {"items": [standard.as_dict() for standard in all_standards()]}


@router.post(
    "/self-assessment",
    response_model=schemas.SelfAssessmentOut,
    responses=problem_responses(422, public=True),
    tags=["self-assessment"],
)
def self_assessment(body: schemas.SelfAssessmentIn, files: CaseFilesDep) -> dict[str, Any]:
    """Classifies a household's answers under the standard in force; nothing is stored."""
    return files.self_assessment(
        body.area, body.income_per_capita, dict(body.deprivations), body.on
    )


@router.get(
    "/health",
    response_model=schemas.Health,
    # A projection's `failing` appears only while it is failing.
    response_model_exclude_unset=True,
    responses={
        503: {
            "description": "The database cannot be read or written: `degraded`, with `detail`",
            "model": schemas.HealthDown,
        },
        **problem_responses(public=True),
    },
    tags=["health"],
)
def health(built: ContainerDep) -> Any:
    """`ok` when the server can read and write its database; `degraded` (still 200) when it can
    but a projection is failing: it retries by itself, and `failing` says where and why."""
    try:
        built.health.check()
        position = built.event_log.max_position()
        projections: dict[str, dict[str, Any]] = {}
        for name, projector in built.projectors.items():
            at = projector.position()
            projections[name] = {"position": at, "behind": max(position - at, 0)}
            failure = projector.stored_failure()
            if failure is not None:
                projections[name]["failing"] = failure.as_dict()
    except Exception as error:  # the answer itself reports the failure
        body = {
            "status": "degraded",
            "database": built.health.dialect,
            "position": 0,
            "projections": {},
            "detail": str(error),
        }
        return JSONResponse(body, status_code=503)
    failing = any("failing" in entry for entry in projections.values())
    return {
        "status": "degraded" if failing else "ok",
        "database": built.health.dialect,
        "position": position,
        "projections": projections,
        "verification": built.sealer.last_verification(),
    }
