"""What routes are handed: the container's services, the acting user, read consistency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from api.problems import Unavailable
from application.case_files import CaseFiles
from domain.errors import Unauthorized, invalid
from domain.household import FactContext
from domain.limits import check_moment
from infrastructure.container import Container
from projections.consistency import Behind, BeyondLog


def container(request: Request) -> Container:
    built: Container = request.app.state.container
    return built


ContainerDep = Annotated[Container, Depends(container)]


def case_files(built: ContainerDep) -> CaseFiles:
    return built.case_files


CaseFilesDep = Annotated[CaseFiles, Depends(case_files)]


def actor(request: Request) -> str:
    """The acting user: the one the request's bearer token names (``X-Actor`` is ignored).
    ``api.auth.authorise``, an application-wide dependency, has checked them first."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthorized(detail="this operation needs a bearer token: log in at /auth/token")
    username: str = principal.username
    return username


ActorDep = Annotated[str, Depends(actor)]


def context(acting: str, reason: str | None, evidence: str | None) -> FactContext:
    return FactContext(actor=acting, reason=reason, evidence=evidence)


def today(built: ContainerDep) -> date:
    return built.today()


# A log position is a BIGINT in both databases.
MAX_POSITION = 2**63 - 1
MIN_POSITION_DESCRIPTION = (
    "answer only once the read reflects this log position (a write's `position`), waiting up "
    "to 5 s, then 503. Without it a read still reflects every write this server acknowledged "
    "before it; `min_position` is for clients that write through another server. At most "
    "2^63-1; a position beyond the log's end was never acknowledged and is answered 422 at once."
)
MinPositionQuery = Annotated[
    int | None, Query(ge=0, le=MAX_POSITION, description=MIN_POSITION_DESCRIPTION)
]


def reads(*read_models: str) -> Any:
    """The one consistency dependency: a read that uses ``read_models`` (none: the event store
    only) answers once they reflect max(``min_position``, the last position this server
    acknowledged), waiting at most the contract's 5 s, then 503."""

    def consistent(built: ContainerDep, min_position: MinPositionQuery = None) -> None:
        try:
            target = built.consistency.target(min_position)
        except BeyondLog as error:
            raise invalid(("query", "min_position"), str(error)) from None
        reflect(built, read_models, target)

    return Depends(consistent)


def reflect(built: Container, read_models: Sequence[str], position: int) -> None:
    """Wait, bounded, until ``read_models`` reflect ``position``; else 503."""
    try:
        built.consistency.wait(read_models, position)
    except Behind as error:
        raise Unavailable(str(error)) from None


# What each family of reads uses; every GET route that reads stored facts names one.
READS_LOG = reads()
READS_REGISTERS = reads("registers")
READS_FUNDS = reads("funds")
READS_INDICATORS = reads("registers", "indicators")


# One page of a household's facts: the cost of a request is bounded by this, not by the history.
PAGE_LIMIT_DEFAULT = 1000
PAGE_LIMIT_MAX = 1000
PageLimitQuery = Annotated[
    int,
    Query(
        ge=1,
        le=PAGE_LIMIT_MAX,
        description=f"at most this many facts (1..{PAGE_LIMIT_MAX}, default {PAGE_LIMIT_DEFAULT}); "
        "a longer history continues on the page the answer's `next` names",
    ),
]
PageAfterQuery = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_POSITION,
        description="only facts with a version after this one (the previous page's `next`)",
    ),
]


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
