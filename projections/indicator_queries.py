"""The plan's indicators (domain.md §7) for any area and year, from the read models.

Measured as of 31 December of the year, over the households registered in the area on that
date; statuses and the 36-month windows come from the registers read model, surveys, members
and supports from the indicators read model.

The figures are counted per commune and added up, so that a commune's figures can be kept
between requests: every figure of an area is a sum over its communes, except the livelihood
models, which are counted distinct across the area (each commune keeps its set of models). A
commune's kept figures are dropped when a fact about one of its households reaches the read
models; facts are found from the log between the positions both read models had reached at the
previous request and now. A rebuild or a new code version of either read model drops them all.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, case, false, func, literal, or_, select, true, union, union_all
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
from domain.units import PROVINCE_CODE, UnitRegistry
from projections.indicators import (
    DEPRIVATION_CODES,
    IndicatorsProjection,
    households,
    members,
    supports,
    surveys,
)
from projections.log import LogReader
from projections.machinery import select_in, tracking_table
from projections.register_queries import RegisterQueries
from projections.registers import (
    CURRENT,
    RECOGNITION_TOPICS,
    RegisterProjection,
    escape_windows,
    status_intervals,
)

# The read models the figures come from, and the facts that change them.
SOURCES = (RegisterProjection.name, IndicatorsProjection.name)
SOURCE_TOPICS = IndicatorsProjection.topics | RECOGNITION_TOPICS
# Beyond this many changed households since the last request, recount every commune.
MAX_CHANGED_HOUSEHOLDS = 20_000
# Bound on the communes' kept figures (a handful of dates per commune is the usual need).
MAX_KEPT = 50_000


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


@dataclass
class CommuneFigures:
    """One commune's counts on one date; every field adds up across communes except
    ``models``, whose union is counted."""

    households: int = 0
    poor: int = 0
    near_poor: int = 0
    minority_households: int = 0
    minority_poor: int = 0
    surveyed: list[int] = field(default_factory=lambda: [0] * len(DEPRIVATION_CODES))
    not_deprived: list[int] = field(default_factory=lambda: [0] * len(DEPRIVATION_CODES))
    workers: int = 0
    workers_trained: int = 0
    workers_certified: int = 0
    models: set[str] = field(default_factory=set)
    housing_supported: int = 0


def add_up(on: date, parts: Iterable[CommuneFigures]) -> YearFigures:
    parts = list(parts)
    models: set[str] = set()
    for part in parts:
        models |= part.models

    def total(name: str) -> int:
        return sum(getattr(part, name) for part in parts)

    def per_code(name: str) -> dict[str, int]:
        return {
            code: sum(getattr(part, name)[index] for part in parts)
            for index, code in enumerate(DEPRIVATION_CODES)
        }

    return YearFigures(
        on=on,
        households=total("households"),
        poor=total("poor"),
        near_poor=total("near_poor"),
        minority_households=total("minority_households"),
        minority_poor=total("minority_poor"),
        surveyed=per_code("surveyed"),
        not_deprived=per_code("not_deprived"),
        workers=total("workers"),
        workers_trained=total("workers_trained"),
        workers_certified=total("workers_certified"),
        livelihood_models=len(models),
        housing_supported=total("housing_supported"),
    )


# (commune, date, since, detailed): the survey and worker figures are counted only when detailed.
Key = tuple[str, date, date, bool]
Stamp = tuple[int, tuple[tuple[str, int], ...]]


class IndicatorQueries:
    def __init__(
        self, engine: Engine, registers: RegisterQueries, units: UnitRegistry, log: LogReader
    ) -> None:
        self._engine = engine
        self._registers = registers
        self._all_communes = [unit.code for unit in units.communes()]
        self._log = log
        self._lock = threading.Lock()
        self._kept: dict[Key, CommuneFigures] = {}
        self._stamp: Stamp | None = None
        # How many (commune, date) figures were counted rather than reused: for tests and
        # benchmarks.
        self.counted = 0

    # The figures ----------------------------------------------------------------------------

    def figures(self, area: str, on: date, since: date) -> YearFigures:
        return self.figures_on(area, [on], since)[on]

    def figures_on(
        self, area: str, dates: Sequence[date], since: date, detailed: Sequence[date] | None = None
    ) -> dict[date, YearFigures]:
        """The figures on each date: counts for all of them; the survey and worker figures,
        which need each date's own latest surveys and members, only for the ``detailed``
        dates (default all)."""
        area_communes = self._registers.communes_of(area)
        communes = self._all_communes if area_communes is None else area_communes
        dates = sorted(set(dates))
        detail = set(dates if detailed is None else detailed)
        keys = {on: [(c, on, since, on in detail) for c in communes] for on in dates}
        with self._lock:
            self._drop_changed()
            missing = {key[0] for on in dates for key in keys[on] if key not in self._kept}
            if missing:
                everywhere = len(missing) == len(self._all_communes)
                counted = self._count(None if everywhere else sorted(missing), dates, since, detail)
                if len(self._kept) + len(counted) > MAX_KEPT:
                    self._kept.clear()
                for commune in missing:
                    for on in dates:
                        self._kept[(commune, on, since, on in detail)] = counted.get(
                            (commune, on), CommuneFigures()
                        )
                self.counted += len(missing) * len(dates)
            return {on: add_up(on, (self._kept[key] for key in keys[on])) for on in dates}

    def count_ahead(self, year: int) -> None:
        """Count every commune's figures for the province's indicators of ``year``, so that
        the first request after a start is answered from kept figures."""
        self.indicators(PROVINCE_CODE, year)

    def forget(self) -> None:
        """Drop every commune's kept figures."""
        with self._lock:
            self._kept.clear()
            self._stamp = None

    def _drop_changed(self) -> None:
        """Drop the figures of communes with facts that reached the read models since the last
        request (lock held)."""
        stamp = self._read_stamp()
        previous = self._stamp
        self._stamp = stamp
        if previous is None or stamp[1] != previous[1] or stamp[0] < previous[0]:
            self._kept.clear()  # first use, a new code version, or a rebuild under way
            return
        if stamp[0] == previous[0] or not self._kept:
            return
        changed = self._log.originators_between(
            previous[0], stamp[0], SOURCE_TOPICS, MAX_CHANGED_HOUSEHOLDS + 1
        )
        if len(changed) > MAX_CHANGED_HOUSEHOLDS:
            self._kept.clear()
            return
        communes = self._communes_of_households([str(h) for h in changed])
        if communes:
            self._kept = {k: v for k, v in self._kept.items() if k[0] not in communes}

    def _read_stamp(self) -> Stamp:
        """The position both read models have reached (every fact up to it is in both), and
        their code versions."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(
                    tracking_table.c.name, tracking_table.c.position, tracking_table.c.code_version
                ).where(tracking_table.c.name.in_(SOURCES))
            ).all()
        positions = {name: position for name, position, _ in rows}
        versions = tuple(sorted((name, version) for name, _, version in rows))
        return min((positions.get(name, 0) for name in SOURCES), default=0), versions

    def _communes_of_households(self, household_ids: list[str]) -> set[str]:
        # Every household with a fact up to the stamp is in the indicators read model.
        with self._engine.connect() as connection:
            rows = select_in(
                connection,
                select(households.c.commune_code).distinct(),
                households.c.household_id,
                household_ids,
            )
        return {commune for (commune,) in rows}

    def _count(
        self, communes: list[str] | None, dates: list[date], since: date, detail: set[date]
    ) -> dict[tuple[str, date], CommuneFigures]:
        """Count the figures of ``communes`` (None: all) on each date, grouped by commune."""
        parts: defaultdict[tuple[str, date], CommuneFigures] = defaultdict(CommuneFigures)
        with self._engine.connect() as connection:
            self._status_counts(connection, communes, dates, parts)
            self._minority(connection, communes, dates, parts)
            self._supports(connection, communes, dates, since, parts)
            detailed = [on for on in dates if on in detail]
            # A few communes: every date in one pass over their surveys and members. Across
            # the province, one date at a time: every date's households at once make the
            # joins too large to hash in memory.
            passes = [detailed] if communes is not None else [[on] for on in detailed]
            for some_dates in passes:
                if some_dates:
                    self._latest_surveys(connection, communes, some_dates, parts)
                    self._workers(connection, communes, some_dates, since, parts)
        return parts

    def _latest_surveys(
        self,
        connection: Connection,
        communes: list[str] | None,
        dates: Sequence[date],
        parts: defaultdict[tuple[str, date], CommuneFigures],
    ) -> None:
        """Among target households (poor or near-poor on each date), per deprivation code: how
        many have a latest survey with that indicator, and how many of those are not deprived."""
        latest = self._latest_survey_rows(communes, dates, ("poor", "near_poor"))
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

    def _latest_survey_rows(
        self, communes: list[str] | None, dates: Sequence[date], statuses: Sequence[str]
    ) -> Any:
        """Each household of ``statuses`` on each date with its surveys up to that date,
        ranked latest first (rank 1: the latest)."""
        targets = union_all(
            *(
                self._status_at(communes, on, statuses).add_columns(literal(on, Date).label("on"))
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
                self._in_area(surveys.c.commune_code, communes),
            )
            .subquery()
        )

    def _workers(
        self,
        connection: Connection,
        communes: list[str] | None,
        dates: Sequence[date],
        since: date,
        parts: defaultdict[tuple[str, date], CommuneFigures],
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
                self._status_at(communes, on, ("poor", "near_poor"))
                .with_only_columns(status_intervals.c.household_id, status_intervals.c.commune_code)
                .add_columns(*bounds)
            )
            eligible_on.append(
                select(windows.c.household_id, windows.c.commune_code, *bounds).where(
                    windows.c.superseded_at_us == CURRENT,
                    windows.c.opened_on <= on,
                    windows.c.until >= on,
                    windows.c.closed_on > on,
                    self._in_area(windows.c.commune_code, communes),
                )
            )
        eligible = union(*eligible_on).subquery()
        working = (
            select(members.c.member_id, eligible.c.commune_code, eligible.c.on)
            .join(eligible, eligible.c.household_id == members.c.household_id)
            .where(
                self._in_area(members.c.commune_code, communes),
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
                self._in_area(supports.c.commune_code, communes),
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

    @staticmethod
    def _in_area(column: Any, communes: list[str] | None) -> Any:
        return column.is_not(None) if communes is None else column.in_(communes)

    def _status_at(self, communes: list[str] | None, on: date, statuses: Sequence[str]) -> Any:
        table = status_intervals
        return select(table.c.household_id, table.c.status, table.c.commune_code).where(
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
        self,
        connection: Connection,
        communes: list[str] | None,
        dates: Sequence[date],
        parts: defaultdict[tuple[str, date], CommuneFigures],
    ) -> None:
        """Poor, near-poor and households registered on each date, one pass over each table."""
        table = status_intervals
        columns: list[Any] = []
        for on in dates:
            valid = self._on(table.c.valid_from, table.c.valid_to, on)
            for status in ("poor", "near_poor"):
                columns.append(func.sum(case((and_(valid, table.c.status == status), 1), else_=0)))
        for commune, *counts in connection.execute(
            select(table.c.commune_code, *columns)
            .where(
                table.c.superseded_at_us == CURRENT,
                table.c.status.in_(("poor", "near_poor")),
                table.c.valid_from <= max(dates),
                self._in_area(table.c.commune_code, communes),
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
            .where(self._in_area(households.c.commune_code, communes))
            .group_by(households.c.commune_code)
        ):
            for i, on in enumerate(dates):
                parts[(commune, on)].households = int(counts[i] or 0)

    def _minority(
        self,
        connection: Connection,
        communes: list[str] | None,
        dates: Sequence[date],
        parts: defaultdict[tuple[str, date], CommuneFigures],
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
                self._in_area(members.c.commune_code, communes),
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
                                and_(head_on(on), self._on(poor.c.valid_from, poor.c.valid_to, on)),
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
        self,
        connection: Connection,
        communes: list[str] | None,
        dates: Sequence[date],
        since: date,
        parts: defaultdict[tuple[str, date], CommuneFigures],
    ) -> None:
        """Livelihood models, and households given housing, from ``since`` to each date
        (unreversed supports only)."""
        given = and_(
            supports.c.reversed == false(),
            supports.c.provided_on >= since,
            supports.c.provided_on <= max(dates),
            self._in_area(supports.c.commune_code, communes),
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

    # Deprivation analysis -------------------------------------------------------------------

    def deprivation_analysis(self, area: str, on: date) -> dict[str, Any]:
        """How many poor and near-poor households are deprived in each indicator, by unit."""
        communes = self._registers.communes_of(area)
        latest = self._latest_survey_rows(communes, [on], ("poor", "near_poor"))
        columns = [
            func.sum(case((latest.c[f"d_{c}"] == true(), 1), else_=0)) for c in DEPRIVATION_CODES
        ]
        statement = (
            select(latest.c.commune_code, latest.c.status, func.count(), *columns)
            .where(latest.c.rank == 1)
            .group_by(latest.c.commune_code, latest.c.status)
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


def _as_date(value: Any) -> date:
    # SQLite hands a literal date back as its ISO text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))
