"""Tamper evidence with real storage: every fact is sealed as it is stored, and a direct edit of
the database (outside the application, with a connection of our own) is caught by the sealer and
by the real ``giamngheo verify`` command, naming the household and the version.

Every test runs on SQLite and on PostgreSQL (the ``database_url``/``container`` fixtures).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg2
import pytest
from fastapi.testclient import TestClient

from application.case_files import CaseFiles
from application.commands import (
    MemberDetails,
    RecordRecognition,
    RecordSupport,
    RecordSurvey,
    RegisterHousehold,
)
from domain.household import FactContext
from infrastructure.container import Container
from infrastructure.seals import Problem, Verification
from infrastructure.settings import Settings
from tests.deprivation_codes import ND07

D = date.fromisoformat
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PHUC_HA = "05485"
INCOME = 1_234_000
# Facts per household written by ``record_case``: registered, survey, poor, support, near-poor.
FACTS_PER_HOUSEHOLD = 5
SURVEY, POOR, SUPPORT, NEAR_POOR = 2, 3, 4, 5  # their versions


def by(actor: str) -> FactContext:
    return FactContext(actor=actor, evidence=f"evidence of {actor}")


def record_case(files: CaseFiles, code: str) -> UUID:
    """One household with several facts of different kinds."""
    household, _ = files.register_household(
        RegisterHousehold(
            code=code,
            commune_code=PHUC_HA,
            village="Xóm Khuôn Năm",
            registered_on=D("2022-01-10"),
            members=[
                MemberDetails(
                    name="Ma Văn Quý",
                    birth_date=D("1970-07-07"),
                    sex="male",
                    ethnicity="03",
                    relation="head",
                )
            ],
            context=by("canbo.dangky"),
        )
    )
    hid = household.id
    files.record_survey(
        RecordSurvey(
            household_id=hid,
            surveyed_on=D("2022-10-01"),
            review="annual",
            income_per_capita=INCOME,
            deprivations={code: code in ("employment", "sanitation", "nutrition") for code in ND07},
            context=by("canbo.rasoat"),
        )
    )
    files.record_recognition(
        RecordRecognition(
            household_id=hid,
            status="poor",
            decided_on=D("2022-12-20"),
            decision_no="125/QĐ-UBND",
            context=by("chutich"),
        )
    )
    files.record_support(
        RecordSupport(
            household_id=hid,
            support_type="agricultural_production",
            provided_on=D("2023-03-15"),
            quantity=2.5,
            unit="tạ giống lúa",
            context=by("canbo.hotro"),
        )
    )
    files.record_recognition(
        RecordRecognition(
            household_id=hid,
            status="near_poor",
            decided_on=D("2024-02-29"),
            decision_no="301/QĐ-UBND",
            context=by("chutich"),
        )
    )
    return hid


class RawDatabase:
    """The same database reached with a connection of our own: what someone with database
    access, but not the application or its key, could do."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.is_sqlite = database_url.startswith("sqlite")

    @contextmanager
    def connect(self) -> Iterator[Any]:
        connection: Any
        if self.is_sqlite:
            connection = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=10)
        else:
            connection = psycopg2.connect(self.url)
        try:
            yield connection
            connection.commit()
        finally:
            connection.close()

    def run(self, statement: str, *parameters: Any) -> list[tuple[Any, ...]]:
        """One statement in its own committed transaction; ``?`` marks parameters."""
        if not self.is_sqlite:
            statement = statement.replace("?", "%s")
        with self.connect() as connection:
            cursor = connection.cursor()
            cursor.execute(statement, parameters)
            rows = cursor.fetchall() if cursor.description else []
            cursor.close()
        return [tuple(row) for row in rows]

    def originator(self, household_id: UUID) -> Any:
        return household_id.bytes if self.is_sqlite else str(household_id)

    def fact(self, household_id: UUID, version: int) -> tuple[int, str, bytes]:
        """The fact's position, topic and stored bytes."""
        rows = self.run(
            "SELECT id, topic, state FROM giamngheo_events "
            "WHERE originator_id = ? AND originator_version = ?",
            self.originator(household_id),
            version,
        )
        assert len(rows) == 1, rows
        position, topic, state = rows[0]
        raw = state.encode() if isinstance(state, str) else bytes(state)
        return int(position), str(topic), raw

    def replace_in_state(self, position: int, old: str, new: str) -> None:
        """Edits the stored bytes in SQL, as a console user would."""
        if self.is_sqlite:
            statement = "UPDATE giamngheo_events SET state = replace(state, ?, ?) WHERE id = ?"
        else:
            statement = (
                "UPDATE giamngheo_events SET state = "
                "convert_to(replace(convert_from(state, 'UTF8'), ?, ?), 'UTF8') WHERE id = ?"
            )
        self.run(statement, old, new, position)

    def set_state(self, position: int, state: bytes) -> None:
        value = state if self.is_sqlite else psycopg2.Binary(state)
        self.run("UPDATE giamngheo_events SET state = ? WHERE id = ?", value, position)

    def count(self, table: str) -> int:
        return int(self.run(f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608


def problems_of(result: Verification) -> set[tuple[str, int, str]]:
    """(household, version, the first word of what is wrong) for each problem."""
    return {(p.household_id, p.version, p.what.split(":")[0]) for p in result.problems}


def named(result: Verification, household_id: UUID, version: int) -> list[Problem]:
    return [
        p for p in result.problems if p.household_id == str(household_id) and p.version == version
    ]


@dataclass
class Sealed:
    container: Container
    database: RawDatabase
    households: list[UUID]

    @property
    def victim(self) -> UUID:
        return self.households[1]

    def verify(self) -> Verification:
        return self.container.sealer.verify()


@pytest.fixture
def sealed(container: Container, database_url: str) -> Sealed:
    households = [record_case(container.case_files, f"PH-T{i:03}") for i in range(3)]
    return Sealed(container, RawDatabase(database_url), households)


def run_verify_command(
    database_url: str, key: str, *arguments: str
) -> subprocess.CompletedProcess[str]:
    """The real ``giamngheo verify``, in its own process, configured from the environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIAMNGHEO_")}
    environment.update(GIAMNGHEO_DATABASE_URL=database_url, GIAMNGHEO_SEAL_KEY=key)
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "verify", *arguments],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Intact --------------------------------------------------------------------------------------


def test_every_fact_written_by_the_application_is_sealed_and_the_log_verifies_intact(
    sealed: Sealed,
) -> None:
    facts = sealed.database.count("giamngheo_events")
    # Each household's facts, plus the claim of its code.
    assert facts == len(sealed.households) * (FACTS_PER_HOUSEHOLD + 1)
    assert sealed.database.count("giamngheo_seals") == facts

    result = sealed.verify()

    assert result.intact, [str(p) for p in result.problems]
    assert result.facts == facts
    assert result.finished_at is not None


def test_facts_written_concurrently_are_all_sealed_in_sequence(sealed: Sealed) -> None:
    files = sealed.container.case_files
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        barrier.wait()
        try:
            files.record_support(
                RecordSupport(
                    household_id=sealed.households[index % 2],
                    support_type="agricultural_production",
                    provided_on=D("2024-04-01") + timedelta(days=index),
                    quantity=1,
                    unit="tạ phân bón",
                    context=by(f"canbo.{index}"),
                )
            )
        except BaseException as error:  # reported to the test
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []

    result = sealed.verify()

    assert result.intact, [str(p) for p in result.problems]
    assert result.facts == sealed.database.count("giamngheo_seals")


# Direct edits ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "old", "new"),
    [
        pytest.param(
            SURVEY,
            f'"income_per_capita":{INCOME}',
            f'"income_per_capita":{INCOME + 1_000_000}',
            id="an income raised",
        ),
        pytest.param(POOR, '"status":"poor"', '"status":"none"', id="a status replaced"),
        pytest.param(
            SUPPORT, '"actor":"canbo.hotro"', '"actor":"someone.else"', id="the actor replaced"
        ),
    ],
)
def test_a_fact_changed_in_the_database_is_named_as_altered(
    sealed: Sealed, version: int, old: str, new: str
) -> None:
    position, _, before = sealed.database.fact(sealed.victim, version)
    assert old.encode() in before

    sealed.database.replace_in_state(position, old, new)

    _, _, after = sealed.database.fact(sealed.victim, version)
    assert after != before and new.encode() in after
    result = sealed.verify()
    assert not result.intact
    assert problems_of(result) == {(str(sealed.victim), version, "altered")}
    assert named(result, sealed.victim, version)[0].position == position
    assert f"household {sealed.victim} version {version}" in str(result.problems[0])


def test_a_fact_deleted_from_the_database_is_named_as_removed(sealed: Sealed) -> None:
    position, _, _ = sealed.database.fact(sealed.victim, POOR)

    sealed.database.run("DELETE FROM giamngheo_events WHERE id = ?", position)

    result = sealed.verify()
    assert not result.intact
    assert [p.what for p in named(result, sealed.victim, POOR)] == ["removed"]
    # The next fact no longer follows on from the one before it.
    assert problems_of(result) == {
        (str(sealed.victim), POOR, "removed"),
        (str(sealed.victim), SUPPORT, "out of sequence"),
    }


def test_the_last_fact_deleted_is_named_as_removed(sealed: Sealed) -> None:
    last = sealed.households[-1]
    position, _, _ = sealed.database.fact(last, NEAR_POOR)

    sealed.database.run("DELETE FROM giamngheo_events WHERE id = ?", position)

    result = sealed.verify()
    assert problems_of(result) == {(str(last), NEAR_POOR, "removed")}


def test_two_facts_swapped_within_a_household_are_named_as_reordered(sealed: Sealed) -> None:
    first, _, _ = sealed.database.fact(sealed.victim, SURVEY)
    second, _, _ = sealed.database.fact(sealed.victim, SUPPORT)
    swap = "UPDATE giamngheo_events SET originator_version = ? WHERE id = ?"

    # A temporary version gets past the unique (household, version) index.
    sealed.database.run(swap, 9999, first)
    sealed.database.run(swap, SURVEY, second)
    sealed.database.run(swap, SUPPORT, first)

    result = sealed.verify()
    assert not result.intact
    found = problems_of(result)
    assert {
        (str(sealed.victim), SURVEY, "reordered"),
        (str(sealed.victim), SUPPORT, "reordered"),
    } <= found
    # The facts between and after them no longer follow on; nothing else is named.
    assert {problem[0] for problem in found} == {str(sealed.victim)}
    assert {problem[2] for problem in found} <= {"reordered", "out of sequence"}
    survey_problem = named(result, sealed.victim, SURVEY)[0]
    assert survey_problem.position == first
    assert f"version {SUPPORT}" in survey_problem.what  # what the position holds now


def test_a_fact_inserted_directly_is_named_as_not_sealed(sealed: Sealed) -> None:
    position, _, _ = sealed.database.fact(sealed.victim, SUPPORT)
    new_version = FACTS_PER_HOUSEHOLD + 1

    # A copy of a support, as if given twice.
    sealed.database.run(
        "INSERT INTO giamngheo_events (originator_id, originator_version, topic, state) "
        "SELECT originator_id, ?, topic, state FROM giamngheo_events WHERE id = ?",
        new_version,
        position,
    )

    result = sealed.verify()
    assert not result.intact
    assert result.facts == sealed.database.count("giamngheo_events")
    assert problems_of(result) == {(str(sealed.victim), new_version, "not sealed")}
    assert "inserted outside the application" in result.problems[0].what


def test_a_seal_edited_to_match_an_altered_fact_without_the_key_still_fails(
    sealed: Sealed,
) -> None:
    version = NEAR_POOR
    position, topic, state = sealed.database.fact(sealed.victim, version)
    forged = state.replace(b'"status":"near_poor"', b'"status":"average"')
    assert forged != state
    sealed.database.set_state(position, forged)
    message = f"{sealed.victim}|{version}|{topic}|".encode() + forged
    # Seals chain across the whole log: the seal before this one, whichever household.
    previous = sealed.database.run(
        "SELECT chain FROM giamngheo_seals WHERE position < ? ORDER BY position DESC LIMIT 1",
        position,
    )[0][0]
    reseal = "UPDATE giamngheo_seals SET digest = ?, chain = ? WHERE position = ?"
    guesses: list[Callable[[bytes], str]] = [
        lambda body: hashlib.sha256(body).hexdigest(),  # no key at all
        lambda body: hmac.new(b"", body, hashlib.sha256).hexdigest(),  # an empty key
        lambda body: hmac.new(b"giamngheo", body, hashlib.sha256).hexdigest(),  # a guess
    ]

    for guess in guesses:
        digest = guess(message)
        chain = guess(f"{previous}|{digest}".encode())
        sealed.database.run(reseal, digest, chain, position)
        result = sealed.verify()
        found = problems_of(result)
        assert (str(sealed.victim), version, "altered") in found
        # A forged chain also breaks the seal after it; nothing else is reported.
        assert {what for _, _, what in found} <= {"altered", "the seal chain breaks here"}

    # Control: only the key makes matching seals (this one and every later one, since each
    # chains on the one before), so the key alone guards the log.
    sealer = sealed.container.sealer
    digest = sealer.digest(str(sealed.victim), version, topic, forged)
    chain = sealer.chain(previous, digest)
    sealed.database.run(reseal, digest, chain, position)
    for later, later_digest in sealed.database.run(
        "SELECT position, digest FROM giamngheo_seals WHERE position > ? ORDER BY position",
        position,
    ):
        chain = sealer.chain(chain, later_digest)
        sealed.database.run("UPDATE giamngheo_seals SET chain = ? WHERE position = ?", chain, later)
    assert sealed.verify().intact


def test_a_seal_row_deleted_leaves_its_fact_not_sealed(sealed: Sealed) -> None:
    position, _, _ = sealed.database.fact(sealed.victim, SURVEY)

    sealed.database.run("DELETE FROM giamngheo_seals WHERE position = ?", position)

    result = sealed.verify()
    assert (str(sealed.victim), SURVEY, "not sealed") in problems_of(result)
    assert {p.household_id for p in result.problems} == {str(sealed.victim)}


# The command ---------------------------------------------------------------------------------


def test_giamngheo_verify_exits_0_when_intact_and_names_the_tampered_fact_otherwise(
    sealed: Sealed, database_url: str, settings: Settings
) -> None:
    key = settings.seal_key.decode()
    facts = sealed.database.count("giamngheo_events")

    intact = run_verify_command(database_url, key)

    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "intact" in intact.stdout and str(facts) in intact.stdout

    position, _, _ = sealed.database.fact(sealed.victim, SURVEY)
    sealed.database.replace_in_state(
        position, f'"income_per_capita":{INCOME}', '"income_per_capita":3000000'
    )
    tampered = run_verify_command(database_url, key)

    assert tampered.returncode != 0
    output = tampered.stdout + tampered.stderr
    assert str(sealed.victim) in output
    assert f"household {sealed.victim} version {SURVEY}" in output
    assert "altered" in output
    assert str(sealed.households[0]) not in output


def test_giamngheo_verify_with_another_key_does_not_pass(sealed: Sealed, database_url: str) -> None:
    wrong = run_verify_command(database_url, "not-the-key-that-sealed-these-facts")

    assert wrong.returncode != 0
    assert str(sealed.victim) in wrong.stdout + wrong.stderr


def test_health_shows_the_last_verification(
    sealed: Sealed, client: TestClient, database_url: str, settings: Settings
) -> None:
    assert client.get("/health").json().get("verification") is None
    facts = sealed.database.count("giamngheo_events")

    sealed.verify()
    answer = client.get("/health")
    assert answer.status_code == 200, answer.text
    shown = answer.json()["verification"]
    assert shown["intact"] is True
    assert shown["facts"] == facts
    assert shown["problems"] == []
    assert shown["finished_at"]

    position, _, _ = sealed.database.fact(sealed.victim, POOR)
    sealed.database.replace_in_state(position, '"status":"poor"', '"status":"none"')
    sealed.verify()
    shown = client.get("/health").json()["verification"]
    assert shown["intact"] is False
    assert shown["facts"] == facts
    assert any(f"household {sealed.victim} version {POOR}" in p for p in shown["problems"])

    # The command's run is the last one too.
    assert run_verify_command(database_url, settings.seal_key.decode()).returncode != 0
    latest = client.get("/health").json()["verification"]
    assert latest["intact"] is False
    assert latest["finished_at"] > shown["finished_at"]


def test_a_households_latest_fact_deleted_together_with_its_seal_is_caught(
    sealed: Sealed,
) -> None:
    # E.g. someone removes the decision that took the household off the poor list, and its
    # seal with it. Later facts of other households were sealed after it.
    position, _, _ = sealed.database.fact(sealed.victim, NEAR_POOR)
    later, _, _ = sealed.database.fact(sealed.households[-1], NEAR_POOR)
    assert later > position

    sealed.database.run("DELETE FROM giamngheo_events WHERE id = ?", position)
    sealed.database.run("DELETE FROM giamngheo_seals WHERE position = ?", position)

    result = sealed.verify()
    assert not result.intact


def test_facts_cut_from_the_end_of_the_log_are_caught_against_a_head_kept_outside(
    sealed: Sealed, database_url: str, settings: Settings
) -> None:
    key = settings.seal_key.decode()
    first = run_verify_command(database_url, key)
    head = next(line for line in first.stdout.splitlines() if line.startswith("head: "))
    kept_outside = head.removeprefix("head: ")
    assert run_verify_command(database_url, key, "--expect-head", kept_outside).returncode == 0

    last = int(kept_outside.partition(":")[0])
    sealed.database.run("DELETE FROM giamngheo_events WHERE id = ?", last)
    sealed.database.run("DELETE FROM giamngheo_seals WHERE position = ?", last)

    assert run_verify_command(database_url, key).returncode == 0  # the chain alone cannot tell
    cut = run_verify_command(database_url, key, "--expect-head", kept_outside)
    assert cut.returncode != 0
    assert "cut from the end" in cut.stdout + cut.stderr
