"""The funds read model: allocations and their balances, the supports ledger, and the facts an
inspector needs to re-judge eligibility as now known (recognitions, surveys, members)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

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
from projections.log import Fact
from projections.machinery import Inserts, RowChange, RowFold, Updates, microseconds

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

# topic → (0 allocated | 1 spent, the fact's field, sign)
BALANCE_CHANGES = {
    A.Adjusted.TOPIC: (0, "delta", 1),
    A.FundsDrawn.TOPIC: (1, "amount", 1),
    A.FundsReturned.TOPIC: (1, "amount", -1),
}


def _member_row(household_id: str, member: dict[str, Any], joined_on: Any) -> dict[str, Any]:
    return {
        "member_id": member["member_id"],
        "household_id": household_id,
        "birth_date": member["birth_date"],
        "joined_on": joined_on,
        "left_on": None,
    }


class FundsProjection(RowFold):
    name = "funds"
    code_version = 1
    metadata = metadata
    topics = frozenset(
        {
            H.Registered.TOPIC,
            H.MemberJoined.TOPIC,
            H.MemberLeft.TOPIC,
            H.MemberDetailsCorrected.TOPIC,
            H.SurveyRecorded.TOPIC,
            H.RecognitionRecorded.TOPIC,
            H.RecognitionRevoked.TOPIC,
            H.RecognitionCorrected.TOPIC,
            H.SupportRecorded.TOPIC,
            H.SupportReversed.TOPIC,
            A.Made.TOPIC,
            A.Adjusted.TOPIC,
            A.FundsDrawn.TOPIC,
            A.FundsReturned.TOPIC,
        }
    )

    def process(self, connection: Connection, facts: Sequence[Fact]) -> None:
        inserts: Inserts = {table.name: [] for table in metadata.sorted_tables}
        updates: Updates = []
        # Balance changes add up, so a batch writes one update per allocation.
        balances: dict[str, list[int]] = {}
        for fact in facts:
            if fact.topic in BALANCE_CHANGES:
                column, field, sign = BALANCE_CHANGES[fact.topic]
                change = balances.setdefault(str(fact.originator_id), [0, 0])
                change[column] += sign * fact.data[field]
            else:
                self.fold(fact, inserts, updates)
        self.write(connection, inserts, updates)
        if balances:
            connection.execute(
                allocations.update()
                .where(allocations.c.allocation_id == bindparam("allocation"))
                .values(
                    allocated=allocations.c.allocated + bindparam("allocated_change"),
                    spent=allocations.c.spent + bindparam("spent_change"),
                ),
                [
                    {"allocation": a, "allocated_change": allocated, "spent_change": spent}
                    for a, (allocated, spent) in balances.items()
                ],
            )

    def fold(self, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        data = fact.data
        owner = str(fact.originator_id)
        topic = fact.topic
        if topic == H.Registered.TOPIC:
            inserts[fund_households.name].append(
                {"household_id": owner, "code": data["code"], "commune_code": data["commune_code"]}
            )
            inserts[members.name].extend(
                _member_row(owner, m, data["registered_on"]) for m in data["members"]
            )
        elif topic == H.MemberJoined.TOPIC:
            inserts[members.name].append(_member_row(owner, data["member"], data["joined_on"]))
        elif topic == H.MemberLeft.TOPIC:
            updates.append(
                RowChange(members, "member_id", data["member_id"], {"left_on": data["left_on"]})
            )
        elif topic == H.MemberDetailsCorrected.TOPIC:
            if "birth_date" in data["changes"]:
                updates.append(
                    RowChange(
                        members,
                        "member_id",
                        data["member_id"],
                        {"birth_date": data["changes"]["birth_date"]},
                    )
                )
        elif topic == H.SurveyRecorded.TOPIC:
            inserts[surveys.name].append(
                {
                    "survey_id": data["survey_id"],
                    "household_id": owner,
                    "surveyed_on": data["surveyed_on"],
                    "sequence": fact.version,
                    "standard": data["standard"],
                    "area": data["area"],
                    "income_per_capita": data["income_per_capita"],
                    "deprivations": json.dumps(data["deprivations"], sort_keys=True),
                }
            )
        elif topic == H.RecognitionRecorded.TOPIC:
            inserts[recognitions.name].append(
                {
                    "recognition_id": data["recognition_id"],
                    "household_id": owner,
                    "status": data["status"],
                    "decided_on": data["decided_on"],
                    "sequence": fact.version,
                }
            )
        elif topic == H.RecognitionRevoked.TOPIC:
            updates.append(RowChange(recognitions, "recognition_id", data["recognition_id"]))
        elif topic == H.RecognitionCorrected.TOPIC:
            updates.append(
                RowChange(
                    recognitions,
                    "recognition_id",
                    data["recognition_id"],
                    {"status": data["status"], "decided_on": data["decided_on"]},
                )
            )
        elif topic == H.SupportRecorded.TOPIC:
            inserts[supports.name].append(
                {
                    "support_id": data["support_id"],
                    "household_id": owner,
                    "support_type": data["support_type"],
                    "programme_line": data["programme_line"],
                    "member_id": data["member_id"],
                    "provided_on": data["provided_on"],
                    "amount": data["amount"],
                    "quantity": data["quantity"],
                    "unit": data["unit"],
                    "allocation_id": data["allocation_id"],
                    "model": data["model"],
                    "certified": data["certified"],
                    "recorded_at_us": microseconds(fact.recorded_at),
                    "reversed_on": None,
                    "reversal_reason": None,
                }
            )
        elif topic == H.SupportReversed.TOPIC:
            updates.append(
                RowChange(
                    supports,
                    "support_id",
                    data["support_id"],
                    {"reversed_on": data["reversed_on"], "reversal_reason": data["reason"]},
                )
            )
        elif topic == A.Made.TOPIC:
            inserts[allocations.name].append(
                {
                    "allocation_id": owner,
                    "source": data["source"],
                    "fiscal_year": data["fiscal_year"],
                    "programme_line": data["programme_line"],
                    "unit_code": data["unit_code"],
                    "allocated": data["amount"],
                    "spent": 0,
                    "decision_no": data["decision_no"],
                    "decided_on": data["decided_on"],
                }
            )
