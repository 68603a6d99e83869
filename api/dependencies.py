"""What routes are handed: the container's services, the acting user, read consistency."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from api.problems import Unavailable
from application.case_files import CaseFiles
from domain.errors import invalid
from domain.household import FactContext
from domain.limits import MAX_NAME_LENGTH, NO_CONTROL_CHARACTERS, check_moment
from infrastructure.container import Container

MIN_POSITION_WAIT_SECONDS = 5.0


def container(request: Request) -> Container:
    built: Container = request.app.state.container
    return built


ContainerDep = Annotated[Container, Depends(container)]


def case_files(built: ContainerDep) -> CaseFiles:
    return built.case_files


CaseFilesDep = Annotated[CaseFiles, Depends(case_files)]


def actor(
    x_actor: Annotated[
        str,
        Header(
            alias="X-Actor",
            min_length=1,
            max_length=MAX_NAME_LENGTH,
            pattern=NO_CONTROL_CHARACTERS,
            description="the acting user (until authentication replaces it)",
        ),
    ],
) -> str:
    if not x_actor.strip():
        raise invalid(("header", "X-Actor"), "X-Actor names the acting user")
    return x_actor.strip()


ActorDep = Annotated[str, Depends(actor)]


def context(acting: str, reason: str | None, evidence: str | None) -> FactContext:
    return FactContext(actor=acting, reason=reason, evidence=evidence)


def today(built: ContainerDep) -> date:
    return built.today()


def wait_for_log(
    built: ContainerDep,
    min_position: Annotated[
        int | None, Query(ge=0, description="answer only once the log has this position")
    ] = None,
) -> None:
    if min_position is None:
        return
    deadline = time.monotonic() + MIN_POSITION_WAIT_SECONDS
    while built.event_log.max_position() < min_position:
        if time.monotonic() > deadline:
            raise Unavailable(f"the log has not reached position {min_position}")
        time.sleep(0.05)


def parse_known_at(known_at: str | None, name: str = "known_at") -> datetime | None:
    if known_at is None:
        return None
    try:
        # An unencoded "+" in a query string arrives as a space.
        moment = datetime.fromisoformat(known_at.strip().replace(" ", "+"))
    except ValueError:
        raise invalid(("query", name), f"{name} is an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise invalid(("query", name), f"{name} needs a time zone")
    check_moment(moment, ("query", name))
    return moment
