"""The plan's indicators (domain.md §7) for any area and year, from the read models.

Measured as of 31 December of the year, over the households registered in the area on that
date; statuses and the 36-month windows come from the registers read model, surveys, members
and supports from the indicators read model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, false, func, literal, or_, select, true, union
from sqlalchemy.engine import Connection, Engine

from domain.calendar import add_months
from domain.indicators import (
    NOT_MINORITY_ETHNICITIES,
    WORKING_AGE,
    Plan,
    one_decimal,
    percentage,
    plan,
)
from domain.units import PROVINCE_CODE
from projections.indicators import DEPRIVATION_CODES, households, members, supports, surveys
from projections.register_queries import RegisterQueries
from projections.registers import CURRENT, escape_windows, status_intervals


@dataclass(frozen=True)
class YearFigures:
    """The raw counts behind the indicators for one area on one date."""

    on: date
    households: int
    poor: int
    near_poor: int
    minority_households: int
    minority_poor: int
    surveyed: dict[str, int]  # per deprivation code: target households with a latest survey
    not_deprived: dict[str, int]
    workers: int
    workers_trained: int
    workers_certified: int
    livelihood_models: int
    housing_supported: int


class IndicatorQueries:
    def __init__(self, engine: Engine, registers: RegisterQueries) -> None:
        self._engine = engine
        self._registers = registers

    # The figures ----------------------------------------------------------------------------

    def figures(self, area: str, on: date, since: date) -> YearFigures:
        return self.figures_on(area, [on], since)[on]

    def figures_on(
        self, area: str, dates: Sequence[date], since: date, detailed: Sequence[date] | None = None
    ) -> dict[date, YearFigures]:
        """The figures on each date: counts for all of them in one pass each; the survey and
        worker figures, which need each date's own latest surveys and members, only for the
        ``detailed`` dates (default all)."""
        communes = self._registers.communes_of(area)
        dates = sorted(set(dates))
        detailed = dates if detailed is None else sorted(set(detailed))
        with self._engine.connect() as connection:
            statuses = self._status_counts(connection, communes, dates)
            minority = self._minority(connection, communes, dates)
            supported = self._supports(connection, communes, dates, since)
            per_date: dict[date, YearFigures] = {}
            for on in dates:
                if on in detailed:
                    surveyed, not_deprived = self._latest_surveys(connection, communes, on)
                    workers = self._workers(connection, communes, on, since)
                else:
                    surveyed = not_deprived = dict.fromkeys(DEPRIVATION_CODES, 0)
                    workers = (0, 0, 0)
                poor, near_poor, registered = statuses[on]
                per_date[on] = YearFigures(
                    on=on,
                    households=registered,
                    poor=poor,
                    near_poor=near_poor,
                    minority_households=minority[on][0],
                    minority_poor=minority[on][1],
                    surveyed=surveyed,
                    not_deprived=not_deprived,
                    workers=workers[0],
                    workers_trained=workers[1],
                    workers_certified=workers[2],
                    livelihood_models=supported[on][0],
                    housing_supported=supported[on][1],
                )
        return per_date

    @staticmethod
    def _in_area(column: Any, communes: list[str] | None) -> Any:
        return column.is_not(None) if communes is None else column.in_(communes)

    def _status_at(self, communes: list[str] | None, on: date, statuses: Sequence[str]) -> Any:
        table = status_intervals
        return select(table.c.household_id, table.c.status).where(
            table.c.superseded_at_us == CURRENT,
            table.c.status.in_(statuses),
            table.c.valid_from <= on,
            table.c.valid_to > on,
            self._in_area(table.c.commune_code, communes),
        )

    @staticmethod
    def _on(valid_from: Any, valid_to: Any, on: date) -> Any:
        return and_(valid_from <= on, valid_to > on)

    def _status_counts(
        self, connection: Connection, communes: list[str] | None, dates: Sequence[date]
    ) -> dict[date, tuple[int, int, int]]:
        """(poor, near-poor, households registered) on each date, one pass over each table."""
        table = status_intervals
        columns: list[Any] = []
        for on in dates:
            valid = self._on(table.c.valid_from, table.c.valid_to, on)
            for status in ("poor", "near_poor"):
                columns.append(func.sum(case((and_(valid, table.c.status == status), 1), else_=0)))
        statuses = connection.execute(
            select(*columns).where(
                table.c.superseded_at_us == CURRENT,
                table.c.status.in_(("poor", "near_poor")),
                table.c.valid_from <= max(dates),
                self._in_area(table.c.commune_code, communes),
            )
        ).one()
        registered = connection.execute(
            select(
                *(func.sum(case((households.c.registered_on <= on, 1), else_=0)) for on in dates)
            ).where(self._in_area(households.c.commune_code, communes))
        ).one()
        return {
            on: (
                int(statuses[2 * i] or 0),
                int(statuses[2 * i + 1] or 0),
                int(registered[i] or 0),
            )
            for i, on in enumerate(dates)
        }

    def _minority(
        self, connection: Connection, communes: list[str] | None, dates: Sequence[date]
    ) -> dict[date, tuple[int, int]]:
        """Households whose head on each date is of an ethnic minority, and how many are poor."""
        # A member joins on or after the household's registration, so a head present on a
        # date belongs to a household registered by then; households are joined only to
        # find the area.
        minority_heads = select(
            members.c.household_id, members.c.joined_on, members.c.left_on
        ).where(
            members.c.relation == "head",
            members.c.ethnicity.not_in(NOT_MINORITY_ETHNICITIES),
        )
        if communes is not None:
            minority_heads = minority_heads.join(
                households, households.c.household_id == members.c.household_id
            ).where(households.c.commune_code.in_(communes))
        heads = minority_heads.subquery()

        def head_on(on: date) -> Any:
            return and_(
                heads.c.joined_on <= on,
                or_(heads.c.left_on.is_(None), heads.c.left_on > on),
            )

        totals = connection.execute(
            select(*(func.sum(case((head_on(on), 1), else_=0)) for on in dates))
        ).one()
        poor = status_intervals
        poor_counts = connection.execute(
            select(
                *(
                    func.sum(
                        case(
                            (
                                and_(head_on(on), self._on(poor.c.valid_from, poor.c.valid_to, on)),
                                1,
                            ),
                            else_=0,
                        )
                    )
                    for on in dates
                )
            )
            .select_from(heads.join(poor, poor.c.household_id == heads.c.household_id))
            .where(
                poor.c.superseded_at_us == CURRENT,
                poor.c.status == "poor",
                poor.c.valid_from <= max(dates),
            )
        ).one()
        return {on: (int(totals[i] or 0), int(poor_counts[i] or 0)) for i, on in enumerate(dates)}

    def _latest_surveys(
        self, connection: Connection, communes: list[str] | None, on: date
    ) -> tuple[dict[str, int], dict[str, int]]:
        """Among target households (poor or near-poor on the date), per deprivation code: how
        many have a latest survey with that indicator, and how many of those are not deprived."""
        latest = self._latest_survey_rows(communes, on, ("poor", "near_poor"))
        columns: list[Any] = []
        for code in DEPRIVATION_CODES:
            column = latest.c[f"d_{code}"]
            columns.append(func.count(column))
            columns.append(func.sum(case((column == false(), 1), else_=0)))
        row = connection.execute(select(*columns).where(latest.c.rank == 1)).one()
        surveyed = {code: int(row[2 * i] or 0) for i, code in enumerate(DEPRIVATION_CODES)}
        not_deprived = {code: int(row[2 * i + 1] or 0) for i, code in enumerate(DEPRIVATION_CODES)}
        return surveyed, not_deprived

    def _latest_survey_rows(
        self, communes: list[str] | None, on: date, statuses: Sequence[str]
    ) -> Any:
        target = self._status_at(communes, on, statuses).subquery()
        rank = (
            func.row_number()
            .over(
                partition_by=surveys.c.household_id,
                order_by=(surveys.c.surveyed_on.desc(), surveys.c.sequence.desc()),
            )
            .label("rank")
        )
        return (
            select(target.c.status, *surveys.c, rank)
            .join(target, target.c.household_id == surveys.c.household_id)
            .where(surveys.c.surveyed_on <= on)
            .subquery()
        )

    def _workers(
        self, connection: Connection, communes: list[str] | None, on: date, since: date
    ) -> tuple[int, int, int]:
        youngest, oldest = WORKING_AGE
        born_by = add_months(on, -12 * youngest)  # aged at least 15 on the date
        born_after = add_months(on, -12 * (oldest + 1))  # not yet 61 on the date
        windows = escape_windows
        eligible = union(
            self._status_at(communes, on, ("poor", "near_poor")).with_only_columns(
                status_intervals.c.household_id
            ),
            select(windows.c.household_id).where(
                windows.c.superseded_at_us == CURRENT,
                windows.c.opened_on <= on,
                windows.c.until >= on,
                windows.c.closed_on > on,
                self._in_area(windows.c.commune_code, communes),
            ),
        ).subquery()
        working = (
            select(members.c.member_id)
            .join(eligible, eligible.c.household_id == members.c.household_id)
            .where(
                members.c.joined_on <= on,
                or_(members.c.left_on.is_(None), members.c.left_on > on),
                members.c.birth_date <= born_by,
                members.c.birth_date > born_after,
            )
            .subquery()
        )
        trainings = (
            select(
                supports.c.member_id,
                func.max(case((supports.c.certified == true(), 1), else_=0)).label("certified"),
            )
            .where(
                supports.c.support_type == "vocational_training",
                supports.c.reversed == false(),
                supports.c.provided_on >= since,
                supports.c.provided_on <= on,
            )
            .group_by(supports.c.member_id)
            .subquery()
        )
        row = connection.execute(
            select(
                func.count(),
                func.count(trainings.c.member_id),
                func.coalesce(func.sum(trainings.c.certified), literal(0)),
            ).select_from(
                working.outerjoin(trainings, trainings.c.member_id == working.c.member_id)
            )
        ).one()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)

    def _supports(
        self,
        connection: Connection,
        communes: list[str] | None,
        dates: Sequence[date],
        since: date,
    ) -> dict[date, tuple[int, int]]:
        """Distinct livelihood models, and households given housing, from ``since`` to each
        date (unreversed supports only)."""
        base = (
            select(
                supports.c.support_type,
                supports.c.model,
                supports.c.household_id,
                supports.c.provided_on,
            )
            .join(households, households.c.household_id == supports.c.household_id)
            .where(
                supports.c.support_type.in_(("livelihood_model", "housing")),
                supports.c.reversed == false(),
                supports.c.provided_on >= since,
                supports.c.provided_on <= max(dates),
                self._in_area(households.c.commune_code, communes),
            )
            .subquery()
        )
        columns: list[Any] = []
        for on in dates:
            columns.append(
                func.count(
                    func.distinct(
                        case(
                            (
                                and_(
                                    base.c.support_type == "livelihood_model",
                                    base.c.provided_on <= on,
                                ),
                                base.c.model,
                            )
                        )
                    )
                )
            )
            columns.append(
                func.count(
                    func.distinct(
                        case(
                            (
                                and_(base.c.support_type == "housing", base.c.provided_on <= on),
                                base.c.household_id,
                            )
                        )
                    )
                )
            )
        row = connection.execute(select(*columns)).one()
        return {on: (int(row[2 * i] or 0), int(row[2 * i + 1] or 0)) for i, on in enumerate(dates)}

    # Deprivation analysis -------------------------------------------------------------------

    def deprivation_analysis(self, area: str, on: date) -> dict[str, Any]:
        """How many poor and near-poor households are deprived in each indicator, by unit."""
        communes = self._registers.communes_of(area)
        latest = self._latest_survey_rows(communes, on, ("poor", "near_poor"))
        columns = [
            func.sum(case((latest.c[f"d_{c}"] == true(), 1), else_=0)) for c in DEPRIVATION_CODES
        ]
        statement = (
            select(households.c.commune_code, latest.c.status, func.count(), *columns)
            .join(households, households.c.household_id == latest.c.household_id)
            .where(latest.c.rank == 1)
            .group_by(households.c.commune_code, latest.c.status)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(statement).all()
        by_commune: dict[str, dict[str, dict[str, int]]] = {}
        for commune, status, surveyed, *deprived in rows:
            by_commune.setdefault(commune, {})[status] = {
                "households_surveyed": int(surveyed),
                **{code: int(n or 0) for code, n in zip(DEPRIVATION_CODES, deprived, strict=True)},
            }
        return {
            "area": area,
            "as_of": on,
            "indicators": list(DEPRIVATION_CODES),
            "communes": by_commune,
        }

    # Indicators -----------------------------------------------------------------------------

    def indicators(self, area: str, year: int) -> dict[str, Any]:
        the_plan = plan()
        on = date(year, 12, 31)
        years = range(min(the_plan.first_year, year) - 1, year + 1)
        ends = {y: date(y, 12, 31) for y in years}
        # Survey and worker figures for the years shown; the year before the first only
        # serves the first change in the poverty rates, the baseline only its counts.
        shown = [ends[y] for y in years if y >= min(the_plan.first_year, year)]
        figures = self.figures_on(
            area, [the_plan.baseline, *ends.values()], the_plan.baseline, detailed=shown
        )
        baseline = figures[the_plan.baseline]
        by_year = {y: figures[ends[y]] for y in years}
        values_by_year = {
            y: _values(by_year[y], by_year.get(y - 1), baseline)
            for y in by_year
            if y - 1 in by_year
        }
        current = values_by_year[year]
        is_province = area == PROVINCE_CODE
        items = []
        for indicator in the_plan.indicators:
            value = current[indicator.code]
            target = the_plan.target_for(indicator, year, is_province)
            item: dict[str, Any] = {
                "code": indicator.code,
                "name": indicator.name,
                "name_vi": indicator.name_vi,
                "value": value,
                "target": target,
                "unit": indicator.unit,
                "comparison": indicator.comparison,
                "on_track": Plan.on_track(indicator, value, target),
            }
            if indicator.trend:
                item["trend"] = [
                    {"year": y, "value": values_by_year[y][indicator.code]}
                    for y in sorted(values_by_year)
                    if y >= the_plan.first_year
                ]
            items.append(item)
        return {
            "area": area,
            "year": year,
            "as_of": on,
            "baseline": the_plan.baseline,
            "plan": the_plan.name,
            "figures": _figures_view(by_year[year], baseline),
            "items": items,
        }


def _values(
    figures: YearFigures, previous: YearFigures | None, baseline: YearFigures
) -> dict[str, float | int | None]:
    rate = percentage(figures.poor, figures.households)
    minority_rate = percentage(figures.minority_poor, figures.minority_households)
    previous_rate = percentage(previous.poor, previous.households) if previous else None
    previous_minority = (
        percentage(previous.minority_poor, previous.minority_households) if previous else None
    )

    def change(now: float | None, before: float | None) -> float | None:
        return None if now is None or before is None else one_decimal(now - before)

    def not_deprived(code: str) -> float | None:
        return one_decimal(percentage(figures.not_deprived[code], figures.surveyed[code]))

    return {
        "poverty_rate": one_decimal(rate),
        "poverty_rate_change": change(rate, previous_rate),
        "ethnic_minority_poverty_rate": one_decimal(minority_rate),
        "ethnic_minority_poverty_rate_change": change(minority_rate, previous_minority),
        "poor_reduction": baseline.poor - figures.poor,
        "near_poor_reduction": baseline.near_poor - figures.near_poor,
        "poor_near_poor_reduction": (baseline.poor + baseline.near_poor)
        - (figures.poor + figures.near_poor),
        "livelihood_models": figures.livelihood_models,
        "stable_employment": not_deprived("employment"),
        "health_insurance": not_deprived("health_insurance"),
        "school_attendance": not_deprived("child_school_attendance"),
        "workers_trained": one_decimal(percentage(figures.workers_trained, figures.workers)),
        "workers_certified": one_decimal(percentage(figures.workers_certified, figures.workers)),
        "housing_supported": figures.housing_supported,
        "safe_water": not_deprived("domestic_water"),
        "hygienic_latrine": not_deprived("sanitation"),
        "telecom_access": not_deprived("telecommunication"),
    }


def _figures_view(figures: YearFigures, baseline: YearFigures) -> dict[str, Any]:
    return {
        "households": figures.households,
        "poor": figures.poor,
        "near_poor": figures.near_poor,
        "ethnic_minority_households": figures.minority_households,
        "ethnic_minority_poor": figures.minority_poor,
        "baseline_poor": baseline.poor,
        "baseline_near_poor": baseline.near_poor,
        "working_age_members": figures.workers,
        "workers_trained": figures.workers_trained,
        "workers_certified": figures.workers_certified,
    }
