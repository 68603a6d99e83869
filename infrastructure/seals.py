"""Tamper evidence: every stored fact is sealed, in the transaction that stores it.

A seal is an HMAC (keyed, so whoever can edit the database cannot forge one without the key)
over the fact's household, version, topic and stored bytes, chained to the previous seal in the
log, so that removing any fact with its seal breaks the chain after it. ``verify`` re-reads the
log and names every fact that was altered, removed, inserted or reordered outside the
application.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from domain.timestamps import microseconds, moment_of

metadata = MetaData()
seals = Table(
    "giamngheo_seals",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("originator_id", String(36), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("chain", String(64), nullable=False),
)
verifications = Table(
    "giamngheo_verifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finished_at_us", BigInteger, nullable=False),
    Column("intact", Boolean, nullable=False),
    Column("facts", BigInteger, nullable=False),
    Column("problems", Text, nullable=False),
)

VERIFY_BATCH = 5000


@dataclass(frozen=True)
class Problem:
    household_id: str
    version: int
    position: int
    what: str

    def __str__(self) -> str:
        where = f"household {self.household_id} version {self.version}"
        return f"{where} (position {self.position}): {self.what}"


@dataclass
class Verification:
    facts: int = 0
    problems: list[Problem] = field(default_factory=list)
    finished_at: datetime | None = None
    # The last sealed fact: kept outside the database, it shows later whether facts were cut
    # from the end of the log (the one removal a chain alone cannot show).
    head_position: int = 0
    head_chain: str = ""

    def check_head(self, expected: str, seal_at: dict[int, str]) -> None:
        """``expected`` is a head printed by an earlier run, as POSITION:CHAIN."""
        position_text, _, chain = expected.partition(":")
        position = int(position_text)
        if seal_at.get(position) != chain:
            self.problems.append(
                Problem(
                    "?",
                    0,
                    position,
                    "the earlier head of the log is gone or changed: facts were cut from the end",
                )
            )

    @property
    def intact(self) -> bool:
        return not self.problems


class Sealer:
    def __init__(self, key: bytes, recorder: ApplicationRecorder, engine: Engine) -> None:
        if len(key) < 16:
            raise ValueError("the seal key must be at least 16 bytes")
        self._key = key
        self._recorder = recorder
        self._engine = engine
        metadata.create_all(engine, checkfirst=True)

    def digest(self, originator_id: str, version: int, topic: str, state: bytes | str) -> str:
        # An edit made with other tools may leave text where the application wrote bytes.
        body = state.encode() if isinstance(state, str) else bytes(state)
        message = f"{originator_id}|{version}|{topic}|".encode() + body
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def chain(self, previous: str, digest: str) -> str:
        return hmac.new(self._key, f"{previous}|{digest}".encode(), hashlib.sha256).hexdigest()

    def seal(
        self, session: Session, facts: Sequence[StoredEvent], positions: Sequence[int]
    ) -> None:
        """Writes the seals of just-recorded facts, in the session that records them.

        Writers are serialised by the event store (a table lock on PostgreSQL, a write lock on
        SQLite), so the last seal read here is the one just before these facts.
        """
        if not facts:
            return
        last = session.execute(
            select(seals.c.chain).order_by(seals.c.position.desc()).limit(1)
        ).first()
        previous = last[0] if last else ""
        rows = []
        for fact, position in zip(facts, positions, strict=True):
            household = str(fact.originator_id)
            digest = self.digest(household, fact.originator_version, fact.topic, fact.state)
            previous = self.chain(previous, digest)
            rows.append(
                {
                    "position": position,
                    "originator_id": household,
                    "version": fact.originator_version,
                    "digest": digest,
                    "chain": previous,
                }
            )
        session.execute(seals.insert(), rows)

    # Verification ---------------------------------------------------------------------------

    def verify(self) -> Verification:
        result = Verification()
        chain = ""
        versions: dict[str, int] = {}
        position = 0
        with self._engine.connect() as connection:
            stored_seals = iter(
                connection.execution_options(yield_per=VERIFY_BATCH).execute(
                    select(seals).order_by(seals.c.position)
                )
            )
            seal = next(stored_seals, None)
            while True:
                batch = self._recorder.select_notifications(
                    start=position, limit=VERIFY_BATCH, inclusive_of_start=False
                )
                for notification in batch:
                    while seal is not None and seal.position < notification.id:
                        result.problems.append(
                            Problem(seal.originator_id, seal.version, seal.position, "removed")
                        )
                        seal = next(stored_seals, None)
                    result.facts += 1
                    household = str(notification.originator_id)
                    version = notification.originator_version
                    if seal is None or seal.position != notification.id:
                        result.problems.append(
                            Problem(
                                household,
                                version,
                                notification.id,
                                "not sealed: inserted outside the application",
                            )
                        )
                        continue
                    expected_version = versions.get(household, 0) + 1
                    digest = self.digest(household, version, notification.topic, notification.state)
                    if seal.originator_id != household or seal.version != version:
                        result.problems.append(
                            Problem(
                                seal.originator_id,
                                seal.version,
                                notification.id,
                                f"reordered: now holds household {household} version {version}",
                            )
                        )
                    elif digest != seal.digest:
                        result.problems.append(
                            Problem(household, version, notification.id, "altered")
                        )
                    elif version != expected_version:
                        result.problems.append(
                            Problem(
                                household,
                                version,
                                notification.id,
                                f"out of sequence: expected version {expected_version} "
                                "(a fact of this household before it was removed or reordered)",
                            )
                        )
                    elif seal.chain != self.chain(chain, digest):
                        result.problems.append(
                            Problem(
                                household,
                                version,
                                notification.id,
                                "the seal chain breaks here: a fact recorded just before this "
                                "one was removed together with its seal",
                            )
                        )
                    chain = seal.chain
                    result.head_position, result.head_chain = notification.id, seal.chain
                    versions[household] = version
                    seal = next(stored_seals, None)
                if len(batch) < VERIFY_BATCH:
                    break
                position = batch[-1].id
            while seal is not None:
                result.problems.append(
                    Problem(seal.originator_id, seal.version, seal.position, "removed")
                )
                seal = next(stored_seals, None)
        result.finished_at = datetime.now(UTC)
        self._remember(result)
        return result

    def seal_chain_at(self, position: int) -> dict[int, str]:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(seals.c.chain).where(seals.c.position == position)
            ).first()
        return {position: row[0]} if row else {}

    def _remember(self, result: Verification) -> None:
        assert result.finished_at is not None
        with self._engine.begin() as connection:
            connection.execute(
                verifications.insert().values(
                    finished_at_us=microseconds(result.finished_at),
                    intact=result.intact,
                    facts=result.facts,
                    problems=json.dumps([str(p) for p in result.problems[:100]]),
                )
            )

    def last_verification(self) -> dict[str, Any] | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(verifications).order_by(verifications.c.id.desc()).limit(1)
            ).first()
        if row is None:
            return None
        finished = moment_of(row.finished_at_us)
        return {
            "finished_at": finished.isoformat(timespec="microseconds"),
            "intact": bool(row.intact),
            "facts": int(row.facts),
            "problems": json.loads(row.problems),
        }
