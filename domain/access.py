"""Roles and what each may do: the contract's role table, stated once."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CASEWORKER = "caseworker"
    APPROVER = "approver"
    ANALYST = "analyst"
    INSPECTOR = "inspector"
    AUDITOR = "auditor"
    FINANCE = "finance"
    ADMIN = "admin"


class Permission(StrEnum):
    RECORD_HOUSEHOLD_FACTS = "record household facts"  # registration, members, surveys, supports…
    DECIDE_RECOGNITIONS = "decide recognitions"  # recognitions, their revocation and correction
    READ_HOUSEHOLDS = "read households"
    READ_HISTORY = "read history"  # history, diff, complete file, verification
    RESTATE = "restate reports"
    READ_REGISTERS = "read registers and indicators"  # registers, reports, indicators, dashboard
    READ_ALLOCATIONS = "read allocations"
    TRACE_FUNDS = "trace funds"  # traces, a household's funds, findings
    READ_FUNDS_SUMMARY = "read funds summary"
    MANAGE_ALLOCATIONS = "make and adjust allocations"
    MANAGE_USERS = "manage users"


_READS = frozenset(
    {
        Permission.READ_HOUSEHOLDS,
        Permission.READ_HISTORY,
        Permission.RESTATE,
        Permission.READ_REGISTERS,
        Permission.READ_ALLOCATIONS,
        Permission.TRACE_FUNDS,
        Permission.READ_FUNDS_SUMMARY,
    }
)

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASEWORKER: frozenset({Permission.RECORD_HOUSEHOLD_FACTS, Permission.READ_HOUSEHOLDS}),
    Role.APPROVER: frozenset({Permission.DECIDE_RECOGNITIONS, Permission.READ_HOUSEHOLDS}),
    Role.ANALYST: frozenset({Permission.READ_REGISTERS}),
    Role.INSPECTOR: frozenset(
        {
            Permission.READ_ALLOCATIONS,
            Permission.TRACE_FUNDS,
            Permission.READ_FUNDS_SUMMARY,
            Permission.READ_HOUSEHOLDS,
        }
    ),
    Role.AUDITOR: _READS,
    Role.FINANCE: frozenset(
        {
            Permission.MANAGE_ALLOCATIONS,
            Permission.READ_ALLOCATIONS,
            Permission.READ_FUNDS_SUMMARY,
        }
    ),
    Role.ADMIN: frozenset(Permission),
}


def may(role: Role | None, permission: Permission) -> bool:
    return role is not None and permission in PERMISSIONS[role]


def roles_that_may(permission: Permission) -> list[Role]:
    return [role for role in Role if permission in PERMISSIONS[role]]
