"""scripts/environment.sh, which scripts/serve and scripts/test share: it installs only when
needed. Run in a folder of its own, with a stand-in .venv/bin/python that records each pip
install instead of doing it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = """#!/usr/bin/env bash
if [ "$1" = "-m" ] && [ "$2" = "pip" ] && [ "$3" = "install" ]; then
  echo "$@" >> "$(dirname "$0")/../installs.log"
fi
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(STAND_IN)
    python.chmod(0o755)
    return tmp_path


def ensure(project: Path, target: str) -> str:
    done = subprocess.run(
        ["bash", "-c", f'source "{ROOT}/scripts/environment.sh" && ensure_environment "{target}"'],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def installs(project: Path) -> list[str]:
    log = project / ".venv" / "installs.log"
    return [line for line in log.read_text().splitlines() if "-e" in line] if log.exists() else []


def test_a_second_start_installs_nothing_and_says_so(project: Path) -> None:
    first = ensure(project, ".")
    assert "installing dependencies" in first
    assert installs(project) == ["-m pip install -q -e ."]
    second = ensure(project, ".")
    assert "environment up to date" in second
    assert installs(project) == ["-m pip install -q -e ."]


def test_a_changed_pyproject_installs_again(project: Path) -> None:
    ensure(project, ".")
    (project / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["y"]\n')
    assert "installing dependencies" in ensure(project, ".")
    assert len(installs(project)) == 2


def test_the_development_install_serves_both_scripts_but_not_the_other_way(
    project: Path,
) -> None:
    ensure(project, ".")
    assert "installing dependencies" in ensure(project, ".[dev]")  # the tests need more
    assert "environment up to date" in ensure(project, ".")  # and serve needs no less
    assert "environment up to date" in ensure(project, ".[dev]")
    assert installs(project) == ["-m pip install -q -e .", "-m pip install -q -e .[dev]"]


def test_a_broken_environment_is_made_anew(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ensure(project, ".")
    (project / ".venv" / "bin" / "python").unlink()
    # python3 -m venv makes the stand-in again (a real one would install for real).
    tools = tmp_path_factory.mktemp("tools")
    real = subprocess.run(["bash", "-c", "command -v python3"], capture_output=True, text=True)
    fake = tools / "python3"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then\n'
        '  mkdir -p "$3/bin" && cat > "$3/bin/python" <<\'STAND_IN\'\n' + STAND_IN + "STAND_IN\n"
        '  chmod +x "$3/bin/python"; exit 0\n'
        "fi\n"
        f'exec {real.stdout.strip()} "$@"\n'
    )
    fake.chmod(0o755)
    answer = subprocess.run(
        ["bash", "-c", f'source "{ROOT}/scripts/environment.sh" && ensure_environment "."'],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PATH": f"{tools}:/usr/bin:/bin"},
    )
    assert "creating the environment" in answer.stdout
    assert "installing dependencies" in answer.stdout
    assert installs(project) == ["-m pip install -q -e ."]  # the old log went with the old .venv
