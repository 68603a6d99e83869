"""Request bodies the tests share: one statement of a small valid household."""

from __future__ import annotations

from typing import Any

PHUC_HA = "05485"  # a commune of Thái Nguyên city (2023 units)


def household_body(code: str, commune_code: str = PHUC_HA) -> dict[str, Any]:
    """A household of one head, registered in 2024: valid under every rule."""
    return {
        "code": code,
        "commune_code": commune_code,
        "village": "Xóm Đồng Kiệm",
        "registered_on": "2024-01-10",
        "members": [
            {
                "name": "Hoàng Văn Chiến",
                "birth_date": "1975-04-04",
                "sex": "male",
                "ethnicity": "02",
                "relation": "head",
            }
        ],
    }
