"""Query parameters shared by the read routes, with the bounds of contract.md "Limits"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from api.dependencies import today
from api.schemas.vocabulary import IsoDate
from domain.limits import MAX_DATE, MAX_LIMIT, MAX_OFFSET, MIN_DATE

_RANGE = f"{MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}"

AsOfQuery = Annotated[
    date | None,
    Query(ge=MIN_DATE, le=MAX_DATE, description=f"business date (default today), {_RANGE}"),
    IsoDate,
]
FromQuery = Annotated[
    date | None,
    Query(
        alias="from",
        ge=MIN_DATE,
        le=MAX_DATE,
        description=f"first day of the period (default 1 January of the year of `to`), {_RANGE}",
    ),
    IsoDate,
]
ToQuery = Annotated[
    date | None,
    Query(
        ge=MIN_DATE, le=MAX_DATE, description=f"last day of the period (default today), {_RANGE}"
    ),
    IsoDate,
]
LimitQuery = Annotated[int | None, Query(ge=1, le=MAX_LIMIT, description=f"1..{MAX_LIMIT}")]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"0..{MAX_OFFSET:,}")]


@dataclass(frozen=True)
class Period:
    start: date
    end: date


def period(
    on: Annotated[date, Depends(today)], from_: FromQuery = None, to: ToQuery = None
) -> Period:
    """A reporting period; without dates, the current year so far (1 January to today)."""
    end = to or on
    return Period(start=from_ or date(end.year, 1, 1), end=end)


PeriodDep = Annotated[Period, Depends(period)]
