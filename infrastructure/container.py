"""The composition root: everything the program needs, built once from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from application.case_files import CaseFiles
from domain.units import UnitRegistry, thai_nguyen_units
from infrastructure.clock import today_in_vietnam
from infrastructure.persistence import EventLog, HealthProbe, engine_of, event_store_env
from infrastructure.settings import Settings
from infrastructure.transcodings import DateAsISO


@dataclass
class Container:
    settings: Settings
    units: UnitRegistry
    case_files: CaseFiles
    event_log: EventLog
    health: HealthProbe
    today: Callable[[], date]

    def close(self) -> None:
        self.case_files.close()
        engine_of(self.case_files).dispose()


def build_container(
    settings: Settings, today: Callable[[], date] = today_in_vietnam
) -> Container:
    units = thai_nguyen_units()
    positions: list[EventLog] = []
    case_files = CaseFiles(
        event_store_env(settings.database_url, settings.aggregate_cache_size),
        units=units,
        today=today,
        transcodings=[DateAsISO()],
        position_of=lambda originator_id, version: positions[0].position_of(
            originator_id, version
        ),
    )
    event_log = EventLog(case_files)
    positions.append(event_log)
    return Container(
        settings=settings,
        units=units,
        case_files=case_files,
        event_log=event_log,
        health=HealthProbe(engine_of(case_files)),
        today=today,
    )
