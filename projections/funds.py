"""The funds read model: allocations and their balances, the supports ledger, and the facts an
inspector needs to re-judge eligibility as now known (recognitions, surveys, members)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
)
from sqlalchemy.engine import Connection

from domain.funds import FundAllocation
from domain.household import Household
from domain.timestamps import microseconds
from projections.log import Fact
from projections.machinery import EventFold, Inserts, RowChange, Updates, topics_of

metadata = MetaData()

fund_households = Table(
    "rf_households",
    metadata,
    Column("household_id", String(36), primary_key=True),
    Column("code", String(40), nullable=False),
    Column("commune_code", String(10), nullable=False),
)
allocations = Table(
    "rf_allocations",
    metadata,
    Column("allocation_id", String(36), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("programme_line", String(16), nullable=False),
    Column("unit_code", String(10), nullable=False),
    Column("allocated", BigInteger, nullable=False),
    Column("spent", BigInteger, nullable=False),
    Column("decision_no", String(100), nullable=False),
    Column("decided_on", Date, nullable=False),
    Index("rf_allocations_year", "fiscal_year", "unit_code"),
)
supports = Table(
    "rf_supports",
    metadata,
    Column("support_id", String(36), primary_key=True),
    Column("household_id", String(36), nullable=False),
    Column("support_type", String(32), nullable=False),
    Column("programme_line", String(16), nullable=False),
    Column("member_id", String(36)),
    Column("provided_on", Date, nullable=False),
    Column("amount", BigInteger),
    Column("quantity", Float),
    Column("unit", String(50)),
    Column("allocation_id", String(36)),
    Column("model", String(200)),
    Column("certified", Boolean),
    Column("recorded_at_us", BigInteger, nullable=False),
    Column("reversed_on", Date),
    Column("reversal_reason", Text),
    Index("rf_supports_household", "household_id"),
    Index("rf_supports_allocation", "allocation_id"),
    Index("rf_supports_provided", "provided_on"),
)
recognitions = Table(
    "rf_recognitions",
    metadata,
    Column("recognition_id", String(36), primary_key=True),
    Column("household_id", String(36), nullable=False, index=True),
    Column("status", String(10), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("sequence", Integer, nullable=False),
)
surveys = Table(
    "rf_surveys",
    metadata,
    Column("survey_id", String(36), primary_key=True),
    Column("household_id", String(36), nullable=False, index=True),
    Column("surveyed_on", Date, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("standard", String(20), nullable=False),
    Column("area", String(8), nullable=False),
    Column("income_per_capita", BigInteger, nullable=False),
    Column("deprivations", Text, nullable=False),
)
members = Table(
    "rf_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("household_id", String(36), nullable=False, index=True),
    Column("birth_date", Date, nullable=False),
    Column("joined_on", Date, nullable=False),
    Column("left_on", Date),
)

H = Household
A = FundAllocation


def _member_row(household_id: str, member: dict[str, Any], joined_on: date) -> dict[str, Any]:
    return {
        "member_id": member["member_id"],
        "household_id": household_id,
        "birth_date": member["birth_date"],
        "joined_on": joined_on,
        "left_on": None,
    }


class FundsProjection(EventFold):
    name = "funds"
    code_version = 1
    metadata = metadata

    def __init__(self) -> None:
        # Balance changes add up, so a batch writes one update per allocation:
        # allocation → [allocated change, spent change].
        self._balances: dict[str, list[int]] = {}

    def process(self, connection: Connection, facts: Sequence[Fact]) -> None:
        self._balances = {}
        super().process(connection, facts)
        if self._balances:
            connection.execute(
                allocations.update()
                .where(allocations.c.allocation_id == bindparam("allocation"))
                .values(
                    allocated=allocations.c.allocated + bindparam("allocated_change"),
                    spent=allocations.c.spent + bindparam("spent_change"),
                ),
                [
                    {"allocation": a, "allocated_change": allocated, "spent_change": spent}
                    for a, (allocated, spent) in self._balances.items()
                ],
            )

    @singledispatchmethod
    def on(self, event: object, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        """Facts of other kinds change nothing here."""

    @on.register
    def _(self, event: H.Registered, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        owner = str(event.originator_id)
        inserts[fund_households.name].append(
            {"household_id": owner, "code": event.code, "commune_code": event.commune_code}
        )
        inserts[members.name].extend(
            _member_row(owner, m, event.registered_on) for m in event.members
        )

    @on.register
    def _(self, event: H.MemberJoined, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        inserts[members.name].append(
            _member_row(str(event.originator_id), event.member, event.joined_on)
        )

    @on.register
    def _(self, event: H.MemberLeft, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        updates.append(RowChange(members, "member_id", event.member_id, {"left_on": event.left_on}))

    @on.register
    def _(
        self, event: H.MemberDetailsCorrected, fact: Fact, inserts: Inserts, updates: Updates
    ) -> None:
        if "birth_date" in event.changes:
            birth_date = {"birth_date": event.changes["birth_date"]}
            updates.append(RowChange(members, "member_id", event.member_id, birth_date))

    @on.register
    def _(self, event: H.SurveyRecorded, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        inserts[surveys.name].append(
            {
                "survey_id": event.survey_id,
                "household_id": str(event.originator_id),
                "surveyed_on": event.surveyed_on,
                "sequence": event.originator_version,
                "standard": event.standard,
                "area": event.area,
                "income_per_capita": event.income_per_capita,
                "deprivations": json.dumps(event.deprivations, sort_keys=True),
            }
        )

    @on.register
    def _(
        self, event: H.RecognitionRecorded, fact: Fact, inserts: Inserts, updates: Updates
    ) -> None:
        inserts[recognitions.name].append(
            {
                "recognition_id": event.recognition_id,
                "household_id": str(event.originator_id),
                "status": event.status,
                "decided_on": event.decided_on,
                "sequence": event.originator_version,
            }
        )

    @on.register
    def _(
        self, event: H.RecognitionRevoked, fact: Fact, inserts: Inserts, updates: Updates
    ) -> None:
        updates.append(RowChange(recognitions, "recognition_id", event.recognition_id))

    @on.register
    def _(
        self, event: H.RecognitionCorrected, fact: Fact, inserts: Inserts, updates: Updates
    ) -> None:
        changed = {"status": event.status, "decided_on": event.decided_on}
        updates.append(RowChange(recognitions, "recognition_id", event.recognition_id, changed))

    @on.register
    def _(self, event: H.SupportRecorded, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        inserts[supports.name].append(
            {
                "support_id": event.support_id,
                "household_id": str(event.originator_id),
                "support_type": event.support_type,
                "programme_line": event.programme_line,
                "member_id": event.member_id,
                "provided_on": event.provided_on,
                "amount": event.amount,
                "quantity": event.quantity,
                "unit": event.unit,
                "allocation_id": event.allocation_id,
                "model": event.model,
                "certified": event.certified,
                "recorded_at_us": microseconds(event.timestamp),
                "reversed_on": None,
                "reversal_reason": None,
            }
        )

    @on.register
    def _(self, event: H.SupportReversed, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        reversal = {"reversed_on": event.reversed_on, "reversal_reason": event.reason}
        updates.append(RowChange(supports, "support_id", event.support_id, reversal))

    @on.register
    def _(self, event: A.Made, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        inserts[allocations.name].append(
            {
                "allocation_id": str(event.originator_id),
                "source": event.source,
                "fiscal_year": event.fiscal_year,
                "programme_line": event.programme_line,
                "unit_code": event.unit_code,
                "allocated": event.amount,
                "spent": 0,
                "decision_no": event.decision_no,
                "decided_on": event.decided_on,
            }
        )

    @on.register
    def _(self, event: A.Adjusted, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        self._balance(event.originator_id)[0] += event.delta

    @on.register
    def _(self, event: A.FundsDrawn, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        self._balance(event.originator_id)[1] += event.amount

    @on.register
    def _(self, event: A.FundsReturned, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        self._balance(event.originator_id)[1] -= event.amount

    def _balance(self, allocation_id: UUID) -> list[int]:
        return self._balances.setdefault(str(allocation_id), [0, 0])

    topics = topics_of(on)
