"""Questions answered from the registers read model, for any area, business date and moment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, func, select, true
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from domain.errors import invalid
from domain.units import PROVINCE_CODE, UnitRegistry
from projections.machinery import microseconds
from projections.register_tables import (
    CURRENT,
    OPEN_DATE,
    escape_windows,
    households,
    status_changes,
    status_intervals,
)

RegisterKind = Literal["poor", "near_poor", "newly_escaped", "average"]
REGISTER_KINDS: tuple[RegisterKind, ...] = ("poor", "near_poor", "newly_escaped", "average")


@dataclass(frozen=True)
class Moment:
    """Which version of the register: the current one, or as it stood at ``known_at``."""

    known_at_us: int | None = None

    @staticmethod
    def of(known_at: datetime | None) -> Moment:
        return Moment(microseconds(known_at) if known_at else None)

    def rows_of(self, table: Any) -> ColumnElement[bool]:
        if self.known_at_us is None:
            return table.c.superseded_at_us == CURRENT  # type: ignore[no-any-return]
        return and_(
            table.c.recorded_at_us <= self.known_at_us,
            table.c.superseded_at_us > self.known_at_us,
        )

    def households_known(self) -> ColumnElement[bool]:
        if self.known_at_us is None:
            # No condition, so that counting households can be an index-only scan.
            return true()
        return households.c.recorded_at_us <= self.known_at_us


class RegisterQueries:
    def __init__(self, engine: Engine, units: UnitRegistry) -> None:
        self._engine = engine
        self._units = units

    # Areas ----------------------------------------------------------------------------------

    def communes_of(self, area: str) -> list[str] | None:
        """The communes inside an area; None for the province (no filter needed)."""
        unit = self._units.get(area)
        if unit is None:
            raise invalid(("query", "area"), f"unknown administrative unit {area!r}")
        if area == PROVINCE_CODE:
            return None
        return self._units.communes_within(area)

    @staticmethod
    def _in_area(column: Any, communes: list[str] | None) -> ColumnElement[bool]:
        if communes is None:
            return column.is_not(None)  # type: ignore[no-any-return]
        return column.in_(communes)  # type: ignore[no-any-return]

    # Registers ------------------------------------------------------------------------------

    def _members_statement(
        self, kind: RegisterKind, communes: list[str] | None, as_of: date, moment: Moment
    ) -> Any:
        # Open intervals end on OPEN_DATE. No fact can be dated after today, so the registers
        # on the very last representable day are those of the day before.
        as_of = min(as_of, OPEN_DATE - timedelta(days=1))
        if kind == "newly_escaped":
            table = escape_windows
            return (
                select(
                    table.c.household_id,
                    table.c.commune_code,
                    table.c.opened_on.label("since"),
                    table.c.until.label("until"),
                )
                .where(moment.rows_of(table))
                .where(table.c.opened_on <= as_of)
                .where(table.c.until >= as_of)
                .where(table.c.closed_on > as_of)
                .where(self._in_area(table.c.commune_code, communes))
            )
        table = status_intervals
        return (
            select(
                table.c.household_id,
                table.c.commune_code,
                table.c.since.label("since"),
                table.c.valid_to.label("until"),
            )
            .where(moment.rows_of(table))
            .where(table.c.status == kind)
            .where(table.c.valid_from <= as_of)
            .where(table.c.valid_to > as_of)
            .where(self._in_area(table.c.commune_code, communes))
        )

    def register(
        self,
        kind: RegisterKind,
        area: str,
        as_of: date,
        known_at: datetime | None,
        limit: int | None,
        offset: int,
    ) -> dict[str, Any]:
        communes = self.communes_of(area)
        moment = Moment.of(known_at)
        members = self._members_statement(kind, communes, as_of, moment).subquery()
        joined = members.join(households, households.c.household_id == members.c.household_id)
        listing = (
            select(
                members.c.household_id,
                households.c.code,
                members.c.commune_code,
                households.c.village,
                households.c.head_name,
                members.c.since,
                members.c.until,
            )
            .select_from(joined)
            .where(moment.households_known())
            .order_by(members.c.commune_code, households.c.code)
            .offset(offset)
        )
        if limit is not None:
            listing = listing.limit(limit)
        counting = select(func.count()).select_from(joined).where(moment.households_known())
        with self._engine.connect() as connection:
            total = int(connection.execute(counting).scalar() or 0)
            rows = connection.execute(listing).all()
        return {
            "kind": kind,
            "area": area,
            "as_of": as_of,
            "total": total,
            "items": [
                {
                    "household_id": row.household_id,
                    "code": row.code,
                    "commune_code": row.commune_code,
                    "village": row.village,
                    "head_name": row.head_name,
                    "since": row.since,
                    "until": row.until if kind == "newly_escaped" else None,
                }
                for row in rows
            ],
        }

    def counts_by_commune(
        self,
        communes: list[str] | None,
        as_of: date,
        moment: Moment,
        kinds: Sequence[RegisterKind] = REGISTER_KINDS,
        with_households: bool = True,
    ) -> dict[str, Counter[str]]:
        """Per commune: households registered, and the size of each register, on a date."""
        counts: dict[str, Counter[str]] = {}
        with self._engine.connect() as connection:
            if with_households:
                registered = connection.execute(
                    select(households.c.commune_code, func.count())
                    .where(households.c.registered_on <= as_of)
                    .where(moment.households_known())
                    .where(self._in_area(households.c.commune_code, communes))
                    .group_by(households.c.commune_code)
                )
                for commune, count in registered:
                    counts.setdefault(commune, Counter())["households"] = int(count)
            for kind in kinds:
                members = self._members_statement(kind, communes, as_of, moment).subquery()
                if moment.known_at_us is not None:
                    members = (
                        select(members)
                        .join(households, households.c.household_id == members.c.household_id)
                        .where(moment.households_known())
                        .subquery()
                    )
                rows = connection.execute(
                    select(members.c.commune_code, func.count()).group_by(members.c.commune_code)
                )
                for commune, count in rows:
                    counts.setdefault(commune, Counter())[kind] = int(count)
        return counts

    def summary(self, area: str, as_of: date, known_at: datetime | None) -> dict[str, Any]:
        communes = self.communes_of(area)
        by_commune = self.counts_by_commune(communes, as_of, Moment.of(known_at))
        fields = ("households", *REGISTER_KINDS)

        def total_for(commune_codes: Sequence[str]) -> dict[str, int]:
            sums: Counter[str] = Counter()
            for code in commune_codes:
                sums.update(by_commune.get(code, Counter()))
            return {name: sums[name] for name in fields}

        inside = communes if communes is not None else [u.code for u in self._units.communes()]
        units = []
        for child in sorted(self._units.children(area), key=lambda u: u.code):
            child_communes = (
                [child.code]
                if child.level == "commune"
                else self._units.communes_within(child.code)
            )
            units.append({"code": child.code, "name": child.name, **total_for(child_communes)})
        return {"area": area, "as_of": as_of, **total_for(inside), "units": units}

    def movements(
        self, area: str, start: date, end: date, known_at: datetime | None
    ) -> dict[str, Any]:
        if end < start:
            raise invalid(("query", "to"), "'to' is before 'from'")
        communes = self.communes_of(area)
        moment = Moment.of(known_at)
        day_before = start - timedelta(days=1)
        lists: tuple[RegisterKind, ...] = ("poor", "near_poor")
        at_start = self.counts_by_commune(communes, day_before, moment, lists, False)
        at_end = self.counts_by_commune(communes, end, moment, lists, False)

        def register_size(counts: dict[str, Counter[str]], kind: str) -> int:
            return sum(c[kind] for c in counts.values())

        changes = status_changes
        statement = (
            select(changes.c.from_status, changes.c.to_status, changes.c.movement, func.count())
            .where(moment.rows_of(changes))
            .where(changes.c.decided_on >= start)
            .where(changes.c.decided_on <= end)
            .where(self._in_area(changes.c.commune_code, communes))
            .group_by(changes.c.from_status, changes.c.to_status, changes.c.movement)
        )
        if moment.known_at_us is not None:
            statement = statement.join(
                households, households.c.household_id == changes.c.household_id
            ).where(moment.households_known())
        poor: Counter[str] = Counter()
        near_poor: Counter[str] = Counter()
        with self._engine.connect() as connection:
            for from_status, to_status, movement, count in connection.execute(statement):
                if movement in ("new_poverty", "re_poverty"):
                    poor[movement] += count
                elif movement == "escaped_poverty":
                    poor["escaped"] += count
                if to_status == "near_poor" and from_status == "poor":
                    near_poor["from_poverty"] += count
                elif to_status == "near_poor":
                    near_poor["new_near_poverty"] += count
                elif from_status == "near_poor" and to_status == "poor":
                    near_poor["to_poverty"] += count
                elif from_status == "near_poor":
                    near_poor["escaped"] += count
        return {
            "area": area,
            "from": start,
            "to": end,
            "poor": {
                "start": register_size(at_start, "poor"),
                "new_poverty": poor["new_poverty"],
                "re_poverty": poor["re_poverty"],
                "escaped": poor["escaped"],
                "end": register_size(at_end, "poor"),
            },
            "near_poor": {
                "start": register_size(at_start, "near_poor"),
                "new_near_poverty": near_poor["new_near_poverty"],
                "from_poverty": near_poor["from_poverty"],
                "escaped": near_poor["escaped"],
                "to_poverty": near_poor["to_poverty"],
                "end": register_size(at_end, "near_poor"),
            },
        }
