"""The registers read model's tables: status intervals, escape windows and status changes
(bitemporal: valid over business dates, part of the register over recording time), with the
households and recognitions they are derived from."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Column, Date, Index, Integer, MetaData, String, Table

from domain.standards import Status

OPEN_DATE = date(9999, 12, 31)
CURRENT = 2**62  # superseded_at_us of rows that are still part of the register
REGISTERED_STATUSES: tuple[Status, ...] = ("poor", "near_poor", "average")

metadata = MetaData()

households = Table(
    "rm_households",
    metadata,
    Column("household_id", String(36), primary_key=True),
    Column("code", String(40), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("village", String(200), nullable=False),
    Column("area", String(8), nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("head_member_id", String(36)),
    Column("head_name", String(200)),
    Column("recorded_at_us", BigInteger, nullable=False),
    Index("rm_households_commune", "commune_code", "registered_on"),
)

recognitions = Table(
    "rm_recognitions",
    metadata,
    Column("household_id", String(36), nullable=False),
    Column("recognition_id", String(36), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("sequence", Integer, nullable=False),
    Index("rm_recognitions_household", "household_id"),
)

status_intervals = Table(
    "rm_status_intervals",
    metadata,
    Column("household_id", String(36), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("since", Date, nullable=False),
    Column("recorded_at_us", BigInteger, nullable=False),
    Column("superseded_at_us", BigInteger, nullable=False),
    Index(
        "rm_status_intervals_lookup",
        "status",
        "superseded_at_us",
        "valid_from",
        "valid_to",
        "commune_code",
    ),
    Index("rm_status_intervals_household", "household_id", "superseded_at_us"),
    Index("rm_status_intervals_commune", "commune_code", "status", "superseded_at_us"),
)

escape_windows = Table(
    "rm_escape_windows",
    metadata,
    Column("household_id", String(36), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("until", Date, nullable=False),
    Column("closed_on", Date, nullable=False),
    Column("recorded_at_us", BigInteger, nullable=False),
    Column("superseded_at_us", BigInteger, nullable=False),
    Index("rm_escape_windows_lookup", "superseded_at_us", "opened_on", "until", "commune_code"),
    Index("rm_escape_windows_household", "household_id", "superseded_at_us"),
    Index("rm_escape_windows_commune", "commune_code", "superseded_at_us"),
)

status_changes = Table(
    "rm_status_changes",
    metadata,
    Column("household_id", String(36), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("from_status", String(10), nullable=False),
    Column("to_status", String(10), nullable=False),
    Column("movement", String(24)),
    Column("recorded_at_us", BigInteger, nullable=False),
    Column("superseded_at_us", BigInteger, nullable=False),
    Index("rm_status_changes_lookup", "superseded_at_us", "decided_on", "commune_code"),
    Index("rm_status_changes_household", "household_id", "superseded_at_us"),
)

VERSIONED_TABLES = (status_intervals, escape_windows, status_changes)
