"""The SQL that counts each commune's figures for the indicators, on several dates at once.

Statuses and the 36-month windows come from the registers read model; surveys, members and
supports from the indicators read model. Each function adds its counts to ``parts``, keyed by
(commune, date); ``communes`` None means every commune.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, case, false, func, literal, or_, select, true, union, union_all
from sqlalchemy.engine import Connection, Engine

from domain.calendar import add_months
from domain.indicators import NOT_MINORITY_ETHNICITIES, WORKING_AGE
from projections.indicator_figures import CommuneFigures
from projections.indicators import DEPRIVATION_CODES, households, members, supports, surveys
from projections.register_tables import CURRENT, escape_windows, status_intervals

Parts = defaultdict[tuple[str, date], CommuneFigures]


def count(
    engine: Engine, communes: list[str] | None, dates: list[date], since: date, detail: set[date]
) -> dict[tuple[str, date], CommuneFigures]:
    """Count the figures of ``communes`` (None: all) on each date, grouped by commune."""
    parts: Parts = defaultdict(CommuneFigures)
    with engine.connect() as connection:
        _status_counts(connection, communes, dates, parts)
        _minority(connection, communes, dates, parts)
        _supports(connection, communes, dates, since, parts)
        detailed = [on for on in dates if on in detail]
        # A few communes: every date in one pass over their surveys and members. Across
        # the province, one date at a time: every date's households at once make the
        # joins too large to hash in memory.
        passes = [detailed] if communes is not None else [[on] for on in detailed]
        for some_dates in passes:
            if some_dates:
                _latest_surveys(connection, communes, some_dates, parts)
                _workers(connection, communes, some_dates, since, parts)
    return parts


def _latest_surveys(
    connection: Connection,
    communes: list[str] | None,
    dates: Sequence[date],
    parts: Parts,
) -> None:
    """Among target households (poor or near-poor on each date), per deprivation code: how
    many have a latest survey with that indicator, and how many of those are not deprived."""
    latest = latest_survey_rows(communes, dates, ("poor", "near_poor"))
    columns: list[Any] = []
    for code in DEPRIVATION_CODES:
        column = latest.c[f"d_{code}"]
        columns.append(func.count(column))
        columns.append(func.sum(case((column == false(), 1), else_=0)))
    for commune, on, *row in connection.execute(
        select(latest.c.commune_code, latest.c.on, *columns)
        .where(latest.c.rank == 1)
        .group_by(latest.c.commune_code, latest.c.on)
    ):
        part = parts[(commune, _as_date(on))]
        part.surveyed = [int(row[2 * i] or 0) for i in range(len(DEPRIVATION_CODES))]
        part.not_deprived = [int(row[2 * i + 1] or 0) for i in range(len(DEPRIVATION_CODES))]


def latest_survey_rows(
    communes: list[str] | None, dates: Sequence[date], statuses: Sequence[str]
) -> Any:
    """Each household of ``statuses`` on each date with its surveys up to that date,
    ranked latest first (rank 1: the latest)."""
    targets = union_all(
        *(
            status_at(communes, on, statuses).add_columns(literal(on, Date).label("on"))
            for on in dates
        )
    ).subquery()
    rank = (
        func.row_number()
        .over(
            partition_by=(targets.c.household_id, targets.c.on),
            order_by=(surveys.c.surveyed_on.desc(), surveys.c.sequence.desc()),
        )
        .label("rank")
    )
    return (
        select(targets.c.status, targets.c.commune_code, targets.c.on, *surveys.c, rank)
        .join(targets, targets.c.household_id == surveys.c.household_id)
        .where(
            surveys.c.surveyed_on <= targets.c.on,
            in_area(surveys.c.commune_code, communes),
        )
        .subquery()
    )


def _workers(
    connection: Connection,
    communes: list[str] | None,
    dates: Sequence[date],
    since: date,
    parts: Parts,
) -> None:
    """Working-age members (15 to 60) on each date of households that are poor, near-poor
    or newly escaped then; how many were trained since ``since``, and how many certified."""
    youngest, oldest = WORKING_AGE
    windows = escape_windows
    eligible_on = []
    for on in dates:
        # Aged at least 15 and not yet 61 on the date.
        bounds = (
            literal(on, Date).label("on"),
            literal(add_months(on, -12 * youngest), Date).label("born_by"),
            literal(add_months(on, -12 * (oldest + 1)), Date).label("born_after"),
        )
        eligible_on.append(
            status_at(communes, on, ("poor", "near_poor"))
            .with_only_columns(status_intervals.c.household_id, status_intervals.c.commune_code)
            .add_columns(*bounds)
        )
        eligible_on.append(
            select(windows.c.household_id, windows.c.commune_code, *bounds).where(
                windows.c.superseded_at_us == CURRENT,
                windows.c.opened_on <= on,
                windows.c.until >= on,
                windows.c.closed_on > on,
                in_area(windows.c.commune_code, communes),
            )
        )
    eligible = union(*eligible_on).subquery()
    working = (
        select(members.c.member_id, eligible.c.commune_code, eligible.c.on)
        .join(eligible, eligible.c.household_id == members.c.household_id)
        .where(
            in_area(members.c.commune_code, communes),
            members.c.joined_on <= eligible.c.on,
            or_(members.c.left_on.is_(None), members.c.left_on > eligible.c.on),
            members.c.birth_date <= eligible.c.born_by,
            members.c.birth_date > eligible.c.born_after,
        )
        .subquery()
    )
    # A member counts as trained (certified) on a date from their first such training
    # since ``since``.
    trainings = (
        select(
            supports.c.member_id,
            func.min(supports.c.provided_on).label("first_trained"),
            func.min(case((supports.c.certified == true(), supports.c.provided_on))).label(
                "first_certified"
            ),
        )
        .where(
            supports.c.support_type == "vocational_training",
            in_area(supports.c.commune_code, communes),
            supports.c.reversed == false(),
            supports.c.provided_on >= since,
            supports.c.provided_on <= max(dates),
        )
        .group_by(supports.c.member_id)
        .subquery()
    )
    for commune, on, workers, trained_count, certified in connection.execute(
        select(
            working.c.commune_code,
            working.c.on,
            func.count(),
            func.sum(case((trainings.c.first_trained <= working.c.on, 1), else_=0)),
            func.sum(case((trainings.c.first_certified <= working.c.on, 1), else_=0)),
        )
        .select_from(working.outerjoin(trainings, trainings.c.member_id == working.c.member_id))
        .group_by(working.c.commune_code, working.c.on)
    ):
        part = parts[(commune, _as_date(on))]
        part.workers = int(workers or 0)
        part.workers_trained = int(trained_count or 0)
        part.workers_certified = int(certified or 0)


def in_area(column: Any, communes: list[str] | None) -> Any:
    return column.is_not(None) if communes is None else column.in_(communes)


def status_at(communes: list[str] | None, on: date, statuses: Sequence[str]) -> Any:
    table = status_intervals
    return select(table.c.household_id, table.c.status, table.c.commune_code).where(
        table.c.superseded_at_us == CURRENT,
        table.c.status.in_(statuses),
        table.c.valid_from <= on,
        table.c.valid_to > on,
        in_area(table.c.commune_code, communes),
    )


def _on(valid_from: Any, valid_to: Any, on: date) -> Any:
    return and_(valid_from <= on, valid_to > on)


def _status_counts(
    connection: Connection,
    communes: list[str] | None,
    dates: Sequence[date],
    parts: Parts,
) -> None:
    """Poor, near-poor and households registered on each date, one pass over each table."""
    table = status_intervals
    columns: list[Any] = []
    for on in dates:
        valid = _on(table.c.valid_from, table.c.valid_to, on)
        for status in ("poor", "near_poor"):
            columns.append(func.sum(case((and_(valid, table.c.status == status), 1), else_=0)))
    for commune, *counts in connection.execute(
        select(table.c.commune_code, *columns)
        .where(
            table.c.superseded_at_us == CURRENT,
            table.c.status.in_(("poor", "near_poor")),
            table.c.valid_from <= max(dates),
            in_area(table.c.commune_code, communes),
        )
        .group_by(table.c.commune_code)
    ):
        for i, on in enumerate(dates):
            parts[(commune, on)].poor = int(counts[2 * i] or 0)
            parts[(commune, on)].near_poor = int(counts[2 * i + 1] or 0)
    for commune, *counts in connection.execute(
        select(
            households.c.commune_code,
            *(func.sum(case((households.c.registered_on <= on, 1), else_=0)) for on in dates),
        )
        .where(in_area(households.c.commune_code, communes))
        .group_by(households.c.commune_code)
    ):
        for i, on in enumerate(dates):
            parts[(commune, on)].households = int(counts[i] or 0)


def _minority(
    connection: Connection,
    communes: list[str] | None,
    dates: Sequence[date],
    parts: Parts,
) -> None:
    """Households whose head on each date is of an ethnic minority, and how many are poor."""
    # A member joins on or after the household's registration, so a head present on a
    # date belongs to a household registered by then.
    heads = (
        select(
            members.c.household_id,
            members.c.joined_on,
            members.c.left_on,
            members.c.commune_code,
        )
        .where(
            members.c.relation == "head",
            members.c.ethnicity.not_in(NOT_MINORITY_ETHNICITIES),
            in_area(members.c.commune_code, communes),
        )
        .subquery()
    )

    def head_on(on: date) -> Any:
        return and_(
            heads.c.joined_on <= on,
            or_(heads.c.left_on.is_(None), heads.c.left_on > on),
        )

    for commune, *counts in connection.execute(
        select(
            heads.c.commune_code, *(func.sum(case((head_on(on), 1), else_=0)) for on in dates)
        ).group_by(heads.c.commune_code)
    ):
        for i, on in enumerate(dates):
            parts[(commune, on)].minority_households = int(counts[i] or 0)
    poor = status_intervals
    for commune, *counts in connection.execute(
        select(
            heads.c.commune_code,
            *(
                func.sum(
                    case(
                        (
                            and_(head_on(on), _on(poor.c.valid_from, poor.c.valid_to, on)),
                            1,
                        ),
                        else_=0,
                    )
                )
                for on in dates
            ),
        )
        .select_from(heads.join(poor, poor.c.household_id == heads.c.household_id))
        .where(
            poor.c.superseded_at_us == CURRENT,
            poor.c.status == "poor",
            poor.c.valid_from <= max(dates),
        )
        .group_by(heads.c.commune_code)
    ):
        for i, on in enumerate(dates):
            parts[(commune, on)].minority_poor = int(counts[i] or 0)


def _supports(
    connection: Connection,
    communes: list[str] | None,
    dates: Sequence[date],
    since: date,
    parts: Parts,
) -> None:
    """Livelihood models, and households given housing, from ``since`` to each date
    (unreversed supports only)."""
    given = and_(
        supports.c.reversed == false(),
        supports.c.provided_on >= since,
        supports.c.provided_on <= max(dates),
        in_area(supports.c.commune_code, communes),
    )
    housed = (
        select(
            supports.c.commune_code,
            supports.c.household_id,
            func.min(supports.c.provided_on).label("first"),
        )
        .where(supports.c.support_type == "housing", given)
        .group_by(supports.c.commune_code, supports.c.household_id)
        .subquery()
    )
    for commune, *counts in connection.execute(
        select(
            housed.c.commune_code,
            *(func.sum(case((housed.c.first <= on, 1), else_=0)) for on in dates),
        ).group_by(housed.c.commune_code)
    ):
        for i, on in enumerate(dates):
            parts[(commune, on)].housing_supported = int(counts[i] or 0)
    for commune, model, first in connection.execute(
        select(supports.c.commune_code, supports.c.model, func.min(supports.c.provided_on))
        .where(
            supports.c.support_type == "livelihood_model",
            supports.c.model.is_not(None),
            given,
        )
        .group_by(supports.c.commune_code, supports.c.model)
    ):
        for on in dates:
            if first <= on:
                parts[(commune, on)].models.add(model)


def _as_date(value: Any) -> date:
    # SQLite hands a literal date back as its ISO text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))
