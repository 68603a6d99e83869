"""The composition root: everything the program needs, built once from settings."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from application.case_files import CaseFiles
from application.logins import LoginThrottle
from application.users import UserDirectory
from domain.units import UnitRegistry, thai_nguyen_units
from infrastructure.clock import today_in_vietnam
from infrastructure.credentials import Passwords, Tokens
from infrastructure.persistence import (
    EventLog,
    HealthProbe,
    engine_of,
    event_store_env,
    schema_creation,
)
from infrastructure.seals import Sealer
from infrastructure.settings import Settings
from infrastructure.transcodings import DateAsISO
from projections.consistency import ReadConsistency
from projections.funds import FundsProjection
from projections.funds_queries import FundsQueries
from projections.indicator_queries import IndicatorQueries
from projections.indicators import IndicatorsProjection
from projections.log import LogReader
from projections.machinery import InProcessProjections, Projector
from projections.register_queries import RegisterQueries
from projections.registers import RegisterProjection
from projections.report_queries import ReportQueries


@dataclass
class Container:
    settings: Settings
    units: UnitRegistry
    case_files: CaseFiles
    event_log: EventLog
    health: HealthProbe
    today: Callable[[], date]
    projectors: dict[str, Projector]
    registers: RegisterQueries
    funds: FundsQueries
    indicators: IndicatorQueries
    reports: ReportQueries
    sealer: Sealer
    consistency: ReadConsistency
    users: UserDirectory
    tokens: Tokens
    login_throttle: LoginThrottle
    in_process: InProcessProjections | None = field(default=None)

    def start_in_process_projections(self) -> None:
        """The embedded default: catch up at start and after each command, in a thread."""
        if self.in_process is not None:
            return
        self.in_process = InProcessProjections(list(self.projectors.values()))
        self.case_files.after_save.append(self.in_process.poke)
        self.in_process.start()
        self.in_process.poke()

    def close(self) -> None:
        self.consistency.stopping.set()  # reads still waiting answer at once
        if self.in_process is not None:
            self.in_process.stop()
            self.case_files.after_save.remove(self.in_process.poke)
            self.in_process = None
        self.case_files.close()
        engine_of(self.case_files).dispose()
        self.users.close()
        engine_of(self.users).dispose()


def build_container(settings: Settings, today: Callable[[], date] = today_in_vietnam) -> Container:
    units = thai_nguyen_units()
    with schema_creation(settings.database_url):  # the tables these make, one process at a time
        case_files = CaseFiles(
            event_store_env(settings.database_url, settings.aggregate_cache_size),
            units=units,
            today=today,
            transcodings=[DateAsISO()],
        )
        users = UserDirectory(
            event_store_env(settings.database_url, 100, UserDirectory.name),
            units=units,
            passwords=Passwords(settings.password_memory_kib, settings.password_passes),
        )
        engine = engine_of(case_files)
        sealer = Sealer(settings.seal_key, case_files.recorder, engine)
        write_lock: threading.Semaphore | None = case_files.recorder.datastore.write_lock  # type: ignore[attr-defined]
        health = HealthProbe(engine, write_lock)
    event_log = EventLog(case_files)
    # The library switches an SQLite file to WAL on its first transaction; done lazily, two
    # first writers at once can meet "database is locked". Do it now, before any traffic.
    case_files.recorder.datastore.init_sqlite_wal_mode()  # type: ignore[attr-defined]
    # These need the event store, which exists only once CaseFiles does.
    case_files.position_of = event_log.position_of
    case_files.sealer = sealer
    log = LogReader(case_files.recorder, case_files.mapper)
    projectors = {
        projection.name: Projector(engine, log, projection, write_lock)
        for projection in (RegisterProjection(), FundsProjection(), IndicatorsProjection())
    }
    registers = RegisterQueries(engine, units)
    indicators = IndicatorQueries(engine, registers, units, log)
    consistency = ReadConsistency(engine, event_log.max_position, list(projectors))
    case_files.on_written.append(consistency.acknowledged.note)
    return Container(
        settings=settings,
        units=units,
        case_files=case_files,
        event_log=event_log,
        health=health,
        today=today,
        projectors=projectors,
        registers=registers,
        funds=FundsQueries(engine, units),
        indicators=indicators,
        reports=ReportQueries(registers, indicators, units),
        sealer=sealer,
        consistency=consistency,
        users=users,
        tokens=Tokens(settings.token_key, settings.token_lifetime_seconds),
        login_throttle=LoginThrottle(),
    )
