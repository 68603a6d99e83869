"""Projection machinery: follow the log in batches, each batch's rows and its tracked position
committed in one transaction, so every fact takes effect exactly once.

A projection owns its tables and a tracking row (name, position, code version). When its code
version changes it is rebuilt from an empty read model. On PostgreSQL a worker holds an advisory
lock for its projection, so a second copy cannot run at the same time.

A projection that fails (on a fact, or because the database went away) records the failure in
``projection_failures`` for /health, retries with a capped exponential back-off and resumes by
itself once the cause is gone. Its position never moves past a fact it did not fold.

The parts: ``tracking`` (positions, failures, schema locks), ``rows`` (how a batch is written),
``failures`` (what failed and when to retry), ``projector`` (one projection over the log) and
``workers`` (who runs the projectors). What other code uses is named here.
"""

from domain.timestamps import microseconds
from projections.machinery.failures import (
    RETRY_FIRST_SECONDS,
    RETRY_MAX_SECONDS,
    FactFailed,
    Failure,
    WorkerAlreadyRunning,
    describe,
    is_connection_problem,
)
from projections.machinery.projector import INCREMENTAL_BATCH, REBUILD_BATCH, Projector
from projections.machinery.rows import (
    COPY_FROM_ROWS,
    EventFold,
    Inserts,
    Projection,
    RowChange,
    RowFold,
    Updates,
    apply_changes,
    bulk_insert,
    methods,
    select_in,
    topics_of,
)
from projections.machinery.tracking import (
    SCHEMA_LOCK_KEY,
    TRACKING,
    failures_table,
    schema_change,
    tracking_table,
)
from projections.machinery.workers import (
    InProcessProjections,
    ProjectionLock,
    advisory_lock_key,
    exclusive,
    run_worker,
)

__all__ = [
    "COPY_FROM_ROWS",
    "EventFold",
    "INCREMENTAL_BATCH",
    "REBUILD_BATCH",
    "RETRY_FIRST_SECONDS",
    "RETRY_MAX_SECONDS",
    "SCHEMA_LOCK_KEY",
    "TRACKING",
    "FactFailed",
    "Failure",
    "InProcessProjections",
    "Inserts",
    "Projection",
    "ProjectionLock",
    "Projector",
    "RowChange",
    "RowFold",
    "Updates",
    "WorkerAlreadyRunning",
    "advisory_lock_key",
    "apply_changes",
    "bulk_insert",
    "describe",
    "exclusive",
    "failures_table",
    "is_connection_problem",
    "methods",
    "microseconds",
    "run_worker",
    "schema_change",
    "select_in",
    "topics_of",
    "tracking_table",
]
