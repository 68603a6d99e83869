"""The CSV helpers under their earlier name; they live in ``api.exports.csv_files``."""

from __future__ import annotations

from api.exports.csv_files import (
    Column,
    Language,
    LanguageQuery,
    csv_response,
    wants_csv,
)
from domain.labels_vi import SOURCE_VI, STATUS_VI

__all__ = [
    "SOURCE_VI",
    "STATUS_VI",
    "Column",
    "Language",
    "LanguageQuery",
    "csv_response",
    "wants_csv",
]
