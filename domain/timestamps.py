"""Moments as stored: whole microseconds since the epoch (UTC), exact and index-friendly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def microseconds(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def moment_of(stored: int) -> datetime:
    """The moment ``microseconds`` stored, in UTC."""
    return EPOCH + timedelta(microseconds=stored)
