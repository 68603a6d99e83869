"""Demo logins: one user per role for the whole province and one per role for a demo commune."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from application.case_files import CaseFiles
from application.users import UserDirectory
from domain.access import Role
from domain.units import PROVINCE_CODE

DEMO_ACTOR = "demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    unit_code: str


def demo_commune(case_files: CaseFiles, first_demo_code: str | None) -> str:
    """The commune of the demo's first household (the showcases start there), so that a
    commune login sees data at once."""
    household = case_files.find_by_code(first_demo_code) if first_demo_code else None
    if household is not None:
        return household.commune_code
    return sorted(unit.code for unit in case_files.units.communes())[0]


def ensure_demo_logins(users: UserDirectory, commune_code: str) -> list[DemoLogin]:
    """Make the demo users, or give the ones an earlier start made new passwords: the passwords
    are printed at each start and stored nowhere but as hashes."""
    logins = []
    for unit_code, suffix in ((PROVINCE_CODE, ""), (commune_code, f".{commune_code}")):
        for role in Role:
            username = f"{role.value}{suffix}"
            password = secrets.token_urlsafe(12)
            existing = users.get(username)
            if existing is None:
                users.add(username, password, role, unit_code, DEMO_ACTOR)
            elif existing.created_by == DEMO_ACTOR and not existing.disabled:
                users.change_password(username, password, DEMO_ACTOR)
            else:
                continue  # a real user of that name: left alone
            logins.append(DemoLogin(username, password, role, unit_code))
    return logins


def logins_table(logins: list[DemoLogin]) -> str:
    lines = [
        "Demo logins (new passwords at each start; log in with Authorize at /docs):",
        f"  {'username':<24} {'password':<18} {'role':<11} unit",
    ]
    lines += [
        f"  {x.username:<24} {x.password:<18} {x.role.value:<11} {x.unit_code}" for x in logins
    ]
    return "\n".join(lines)
