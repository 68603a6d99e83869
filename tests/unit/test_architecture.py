"""The import rules of ARCHITECTURE.md, checked on the source: which layer may import which, and
which frameworks stay out of the inner layers. Every ``import`` counts, inside functions too.

The checker is fed a small tree with violating imports as well, so that it is seen to fail."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain", "application", "projections", "infrastructure", "api")

# Our packages each layer may import (its own included).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "domain": frozenset({"domain"}),
    "application": frozenset({"domain", "application"}),
    "projections": frozenset({"domain", "projections"}),
    "infrastructure": frozenset({"domain", "application", "infrastructure"}),
    "api": frozenset(LAYERS),
}
# The composition root builds the read side too, so it alone may import projections as well.
COMPOSITION_ROOT = "infrastructure/container.py"
COMPOSITION_ROOT_MAY_IMPORT = MAY_IMPORT["infrastructure"] | {"projections"}
# Known couplings, to be removed rather than added to: the event store's schema creation takes
# the read side's schema lock, so that the two never make tables at once.
KNOWN_COUPLINGS = frozenset({("infrastructure/persistence.py", "projections.machinery")})
# Frameworks that stay at the edge: the rules and use cases know no web, database or file format.
EDGE = frozenset({"fastapi", "starlette", "pydantic", "uvicorn", "openpyxl", "jinja2"})
NO_FRAMEWORKS: dict[str, frozenset[str]] = {
    "domain": EDGE | {"sqlalchemy", "psycopg2", "eventsourcing_sqlalchemy"},
    "application": EDGE | {"sqlalchemy", "psycopg2", "eventsourcing_sqlalchemy"},
    "projections": EDGE,
    "infrastructure": EDGE,
    "api": frozenset(),
}


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(root: Path, path: Path) -> Iterator[tuple[int, str]]:
    """Every module the file imports, with its line; relative imports made absolute."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    package = module_name(root, path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                yield node.lineno, ".".join([*base, *([node.module] if node.module else [])])
            else:
                yield node.lineno, node.module or ""


def violations(root: Path) -> list[str]:
    found = []
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            where = path.relative_to(root).as_posix()
            allowed = (
                COMPOSITION_ROOT_MAY_IMPORT if where == COMPOSITION_ROOT else MAY_IMPORT[layer]
            )
            for line, name in imports_of(root, path):
                top = name.split(".")[0]
                if top in LAYERS and top not in allowed:
                    if (where, name) not in KNOWN_COUPLINGS:
                        found.append(f"{where}:{line}: {layer} imports {name}")
                elif top in NO_FRAMEWORKS[layer]:
                    found.append(f"{where}:{line}: {layer} imports the framework {name}")
    return found


def test_every_layer_imports_only_what_it_may() -> None:
    assert violations(ROOT) == []


def test_the_known_couplings_are_still_there_to_remove() -> None:
    # A coupling that is gone is taken off the list, so the list never excuses a new one.
    for where, name in KNOWN_COUPLINGS:
        imported = {n for _, n in imports_of(ROOT, ROOT / where)}
        assert name in imported, f"{where} no longer imports {name}: remove it from the list"


def test_the_guard_fails_on_imports_against_the_rules(tmp_path: Path) -> None:
    files = {
        "domain/__init__.py": "",
        "domain/rules.py": "from api.app import create_app\n",
        "application/__init__.py": "",
        "application/use.py": "def later() -> None:\n    import sqlalchemy\n",
        "projections/__init__.py": "",
        "projections/reads.py": "from application.case_files import CaseFiles\n",
        "projections/fine.py": "from domain.units import PROVINCE_CODE\nfrom . import reads\n",
        "infrastructure/__init__.py": "",
        "infrastructure/clock.py": "from projections.registers import RegisterProjection\n",
        "infrastructure/container.py": "from projections.registers import RegisterProjection\n",
        "api/__init__.py": "",
        "api/routes/__init__.py": "",
        "api/routes/ok.py": "from ..app import x\nfrom projections import y\nimport fastapi\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert violations(tmp_path) == [
        "domain/rules.py:1: domain imports api.app",
        "application/use.py:2: application imports the framework sqlalchemy",
        "projections/reads.py:1: projections imports application.case_files",
        "infrastructure/clock.py:1: infrastructure imports projections.registers",
    ]
    assert [n for _, n in imports_of(tmp_path, tmp_path / "api/routes/ok.py")] == [
        "api.app",
        "projections",
        "fastapi",
    ]
