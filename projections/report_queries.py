"""The official reports' figures by unit: one row per unit directly under an area, and a total.

- the movement report: ``RegisterQueries.movements`` for each unit;
- the deprivation analysis: the communes of ``IndicatorQueries.deprivation_analysis`` added
  up through the unit registry;
- the plan's indicators (without their trends) for each unit, and for each year of the period.

The JSON endpoints and the workbooks answer these same dictionaries, so their numbers agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from domain.errors import invalid
from domain.indicators import plan
from domain.labels_vi import DEPRIVATION_NAMES_VI, DIMENSIONS, OTHER_DIMENSION
from domain.units import AdminUnit, UnitRegistry
from projections.indicator_queries import IndicatorQueries
from projections.indicators import DEPRIVATION_CODES
from projections.register_queries import RegisterQueries


def dimensions() -> list[tuple[str, tuple[str, ...]]]:
    """The dimensions over the codes the read model knows; any code not placed goes last."""
    known = set(DEPRIVATION_CODES)
    groups = [(name, tuple(c for c in codes if c in known)) for name, codes in DIMENSIONS]
    placed = {code for _, codes in groups for code in codes}
    others = tuple(code for code in DEPRIVATION_CODES if code not in placed)
    if others:
        groups.append((OTHER_DIMENSION, others))
    return [(name, codes) for name, codes in groups if codes]


def deprivation_order() -> list[str]:
    return [code for _, codes in dimensions() for code in codes]


def unit_items(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """An indicators answer's items without their trends."""
    return [{k: v for k, v in item.items() if k != "trend"} for item in answer["items"]]


class ReportQueries:
    def __init__(
        self, registers: RegisterQueries, indicators: IndicatorQueries, units: UnitRegistry
    ) -> None:
        self._registers = registers
        self._indicators = indicators
        self._units = units

    def unit(self, code: str) -> AdminUnit:
        unit = self._units.get(code)
        if unit is None:
            raise invalid(("query", "area"), f"unknown administrative unit {code!r}")
        return unit

    def report_units(self, area: str) -> list[AdminUnit]:
        """The rows of a report: the units directly under the area, or the area itself (a
        commune)."""
        unit = self.unit(area)
        children = sorted(self._units.children(area), key=lambda u: u.code)
        return children or [unit]

    def _communes_of(self, unit: AdminUnit) -> list[str]:
        return [unit.code] if unit.level == "commune" else self._units.communes_within(unit.code)

    def movements_by_unit(
        self, area: str, start: date, end: date, known_at: datetime | None
    ) -> dict[str, Any]:
        unit = self.unit(area)
        total = self._registers.movements(area, start, end, known_at)
        rows = []
        for child in self.report_units(area):
            answer = self._registers.movements(child.code, start, end, known_at)
            rows.append(
                {
                    "code": child.code,
                    "name": child.name,
                    "poor": answer["poor"],
                    "near_poor": answer["near_poor"],
                }
            )
        return {
            "area": area,
            "name": unit.name,
            "from": start,
            "to": end,
            "units": rows,
            "total": {"poor": total["poor"], "near_poor": total["near_poor"]},
        }

    def deprivations_by_unit(self, area: str, as_of: date) -> dict[str, Any]:
        unit = self.unit(area)
        analysis = self._indicators.deprivation_analysis(area, as_of)
        by_commune: dict[str, dict[str, dict[str, int]]] = analysis["communes"]
        fields = ("households_surveyed", *DEPRIVATION_CODES)

        def added(communes: Iterable[str]) -> dict[str, dict[str, int]]:
            sums: dict[str, Counter[str]] = {"poor": Counter(), "near_poor": Counter()}
            for commune in communes:
                for status, counts in by_commune.get(commune, {}).items():
                    if status in sums:
                        sums[status].update(counts)
            return {status: {f: sums[status][f] for f in fields} for status in sums}

        rows = [
            {"code": child.code, "name": child.name, **added(self._communes_of(child))}
            for child in self.report_units(area)
        ]
        return {
            "area": area,
            "name": unit.name,
            "as_of": as_of,
            "indicators": deprivation_order(),
            "names": {code: DEPRIVATION_NAMES_VI.get(code, code) for code in DEPRIVATION_CODES},
            "units": rows,
            "total": added(by_commune),
        }

    def indicators_by_unit(self, area: str, year: int) -> dict[str, Any]:
        unit = self.unit(area)
        rows = []
        for child in self.report_units(area):
            answer = self._indicators.indicators(child.code, year)
            rows.append(
                {
                    "code": child.code,
                    "name": child.name,
                    "figures": answer["figures"],
                    "items": unit_items(answer),
                }
            )
        return {
            "area": area,
            "name": unit.name,
            "year": year,
            "as_of": date(year, 12, 31),
            "units": rows,
        }

    def indicators_by_year(self, area: str, year: int) -> dict[int, dict[str, Any]]:
        """The area's indicators for each year of the plan up to ``year``."""
        self.unit(area)
        first = min(plan().first_year, year)
        return {y: self._indicators.indicators(area, y) for y in range(first, year + 1)}
