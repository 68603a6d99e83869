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
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import case, func, select, true
from sqlalchemy.engine import Engine

from domain.indicators import Plan, plan
from domain.units import PROVINCE_CODE, UnitRegistry
from projections.indicator_counts import count, latest_survey_rows
from projections.indicator_figures import (
    CommuneFigures,
    YearFigures,
    add_up,
    figures_view,
    indicator_values,
)
from projections.indicators import DEPRIVATION_CODES, IndicatorsProjection, households
from projections.log import LogReader
from projections.machinery import select_in, tracking_table
from projections.register_queries import RegisterQueries
from projections.registers import RECOGNITION_TOPICS, RegisterProjection

# The read models the figures come from, and the facts that change them.
SOURCES = (RegisterProjection.name, IndicatorsProjection.name)
SOURCE_TOPICS = IndicatorsProjection.topics | RECOGNITION_TOPICS
# Beyond this many changed households since the last request, recount every commune.
MAX_CHANGED_HOUSEHOLDS = 20_000
# Bound on the communes' kept figures (a handful of dates per commune is the usual need).
MAX_KEPT = 50_000

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
                counted = count(
                    self._engine, None if everywhere else sorted(missing), dates, since, detail
                )
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

    # Deprivation analysis -------------------------------------------------------------------

    def deprivation_analysis(self, area: str, on: date) -> dict[str, Any]:
        """How many poor and near-poor households are deprived in each indicator, by unit."""
        communes = self._registers.communes_of(area)
        latest = latest_survey_rows(communes, [on], ("poor", "near_poor"))
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
            y: indicator_values(by_year[y], by_year.get(y - 1), baseline)
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
            "figures": figures_view(by_year[year], baseline),
            "items": items,
        }
