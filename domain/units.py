"""Administrative units as reference data (domain.md §2), aggregated through a hierarchy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from domain.reference import admin_units_rows
from domain.standards import Area

PROVINCE_CODE = "19"


@dataclass(frozen=True)
class AdminUnit:
    code: str
    name: str
    level: str  # province | district | commune
    unit_type: str  # province | city | rural_district | commune | ward | township
    parent_code: str | None
    area: Area | None  # communes only: xã → rural; phường, thị trấn → urban

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "unit_type": self.unit_type,
            "parent_code": self.parent_code,
            "area": self.area,
        }


class UnitRegistry:
    """Units and their hierarchy. Later unit versions (2024, 2025 mergers) add rows, not code."""

    def __init__(self, units: Iterable[AdminUnit]) -> None:
        self._units = {unit.code: unit for unit in units}
        self._children: dict[str | None, list[AdminUnit]] = {}
        for unit in self._units.values():
            self._children.setdefault(unit.parent_code, []).append(unit)

    def get(self, code: str) -> AdminUnit | None:
        return self._units.get(code)

    def children(self, code: str | None) -> list[AdminUnit]:
        return list(self._children.get(code, []))

    def communes(self) -> list[AdminUnit]:
        return [unit for unit in self._units.values() if unit.level == "commune"]

    def ancestors(self, code: str) -> list[str]:
        """The unit's code and every unit above it, nearest first."""
        chain: list[str] = []
        current = self._units.get(code)
        while current is not None:
            chain.append(current.code)
            current = self._units.get(current.parent_code) if current.parent_code else None
        return chain

    def contains(self, outer: str, inner: str) -> bool:
        return outer in self.ancestors(inner)

    def communes_within(self, code: str) -> list[str]:
        return [unit.code for unit in self.communes() if self.contains(code, unit.code)]


@cache
def thai_nguyen_units() -> UnitRegistry:
    return UnitRegistry(
        AdminUnit(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            unit_type=row["unit_type"],
            parent_code=row["parent_code"] or None,
            area=row["area"] or None,  # type: ignore[arg-type]
        )
        for row in admin_units_rows()
    )
