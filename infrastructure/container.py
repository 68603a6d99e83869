"""The composition root: everything the program needs, built once from settings."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine

from application.case_files import CaseFiles
from application.logins import LoginThrottle
from application.users import UserDirectory
from domain.units import UnitRegistry, thai_nguyen_units
from infrastructure.clock import today_in_vietnam
from infrastructure.credentials import Passwords, Tokens
from infrastructure.persistence import (
    EventLog,
    HealthProbe,
    event_store_env,
    recorder_of,
    schema_creation,
)
from infrastructure.seals import Sealer
from infrastructure.settings import Settings
from infrastructure.transcodings import DateAsISO
from projections.consistency import Acknowledged, ReadConsistency
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
    # The embedded default, woken by every save; it runs once started.
    in_process: InProcessProjections
    engine: Engine

    def start_in_process_projections(self) -> None:
        """The embedded default: catch up at start and after each command, in a thread."""
        self.in_process.start()
        self.in_process.poke()

    def close(self) -> None:
        self.consistency.stopping.set()  # reads still waiting answer at once
        self.in_process.stop()
        self.case_files.close()
        self.engine.dispose()
        self.users.close()
        recorder_of(self.users).engine.dispose()


def build_container(settings: Settings, today: Callable[[], date] = today_in_vietnam) -> Container:
    units = thai_nguyen_units()
    acknowledged = Acknowledged()
    wake = threading.Event()  # the in-process projections' doorbell, rung after each save
    with schema_creation(settings.database_url):  # the tables these make, one process at a time
        case_files = CaseFiles(
            event_store_env(
                settings.database_url, settings.aggregate_cache_size, seal_key=settings.seal_key
            ),
            units=units,
            today=today,
            transcodings=[DateAsISO()],
            after_save=[wake.set],
            on_written=[acknowledged.note],
        )
        users = UserDirectory(
            event_store_env(settings.database_url, 100, application_name=UserDirectory.name),
            units=units,
            passwords=Passwords(settings.password_memory_kib, settings.password_passes),
        )
        recorder = recorder_of(case_files)
        engine = recorder.engine
        write_lock = recorder.write_lock
        health = HealthProbe(engine, write_lock)
    # Before any traffic: two first writers at once could meet "database is locked".
    recorder.prepare_sqlite()
    assert recorder.sealer is not None  # the settings always hold a key
    event_log = EventLog(recorder)
    log = LogReader(recorder, case_files.mapper)
    projectors = {
        projection.name: Projector(engine, log, projection, write_lock)
        for projection in (RegisterProjection(), FundsProjection(), IndicatorsProjection())
    }
    registers = RegisterQueries(engine, units)
    indicators = IndicatorQueries(engine, registers, units, log)
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
        sealer=recorder.sealer,
        consistency=ReadConsistency(engine, event_log.max_position, list(projectors), acknowledged),
        in_process=InProcessProjections(list(projectors.values()), wake=wake),
        engine=engine,
        users=users,
        tokens=Tokens(settings.token_key, settings.token_lifetime_seconds),
        login_throttle=LoginThrottle(),
    )
