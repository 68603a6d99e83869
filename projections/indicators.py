"""The indicators read model: what the plan's indicators need beyond the registers — heads'
ethnicity, members' ages and presence, each survey's deprivations, and supports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    select,
)
from sqlalchemy.engine import Connection

from domain.household import Household as H
from domain.reference import standards_data
from projections.log import Fact
from projections.machinery import Inserts, RowChange, RowFold, Updates, select_in

metadata = MetaData()

DEPRIVATION_CODES: tuple[str, ...] = tuple(
    sorted({code for standard in standards_data() for code in standard["indicators"]})
)

households = Table(
    "ri_households",
    metadata,
    Column("household_id", String(36), primary_key=True),
    Column("commune_code", String(10), nullable=False),
    Column("registered_on", Date, nullable=False),
    Index("ri_households_commune", "commune_code", "registered_on"),
)
members = Table(
    "ri_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("household_id", String(36), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("ethnicity", String(2), nullable=False),
    Column("relation", String(20), nullable=False),
    Column("joined_on", Date, nullable=False),
    Column("left_on", Date),
    Index("ri_members_household", "household_id"),
    Index("ri_members_heads", "relation", "joined_on"),
    Index("ri_members_commune", "commune_code", "relation"),
)
surveys = Table(
    "ri_surveys",
    metadata,
    Column("survey_id", String(36), primary_key=True),
    Column("household_id", String(36), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("surveyed_on", Date, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("standard", String(20), nullable=False),
    # One column per deprivation code: NULL where the survey's standard has no such indicator.
    *(Column(f"d_{code}", Boolean) for code in DEPRIVATION_CODES),
    Index("ri_surveys_household", "household_id", "surveyed_on"),
    Index("ri_surveys_commune", "commune_code", "surveyed_on"),
)
supports = Table(
    "ri_supports",
    metadata,
    Column("support_id", String(36), primary_key=True),
    Column("household_id", String(36), nullable=False),
    Column("commune_code", String(10), nullable=False),
    Column("member_id", String(36)),
    Column("support_type", String(32), nullable=False),
    Column("provided_on", Date, nullable=False),
    Column("model", String(200)),
    Column("certified", Boolean),
    Column("reversed", Boolean, nullable=False),
    Index("ri_supports_type", "support_type", "provided_on"),
    Index("ri_supports_member", "member_id"),
    Index("ri_supports_commune", "commune_code", "support_type"),
)


def _member(
    household_id: str, commune_code: str, member: dict[str, Any], joined_on: Any
) -> dict[str, Any]:
    return {
        "member_id": member["member_id"],
        "household_id": household_id,
        "commune_code": commune_code,
        "birth_date": member["birth_date"],
        "ethnicity": member["ethnicity"],
        "relation": member["relation"],
        "joined_on": joined_on,
        "left_on": None,
    }


class IndicatorsProjection(RowFold):
    """Rows carry their household's commune, so that one commune's figures are read by index."""

    name = "indicators"
    code_version = 3
    metadata = metadata
    cluster_on: Sequence[str] = ("ri_members_commune", "ri_surveys_commune", "ri_supports_commune")
    topics = frozenset(
        {
            H.Registered.TOPIC,
            H.MemberJoined.TOPIC,
            H.MemberLeft.TOPIC,
            H.MemberDetailsCorrected.TOPIC,
            H.SurveyRecorded.TOPIC,
            H.SupportRecorded.TOPIC,
            H.SupportReversed.TOPIC,
        }
    )

    def __init__(self) -> None:
        self._commune_of: dict[str, str] = {}

    def process(self, connection: Connection, facts: Sequence[Fact]) -> None:
        registered = {
            str(f.originator_id): f.data["commune_code"]
            for f in facts
            if f.topic == H.Registered.TOPIC
        }
        earlier = sorted({str(f.originator_id) for f in facts} - registered.keys())
        self._commune_of = registered
        for household_id, commune_code in select_in(
            connection,
            select(households.c.household_id, households.c.commune_code),
            households.c.household_id,
            earlier,
        ):
            self._commune_of[household_id] = commune_code
        super().process(connection, facts)

    def fold(self, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        data = fact.data
        owner = str(fact.originator_id)
        commune = self._commune_of[owner]
        topic = fact.topic
        if topic == H.Registered.TOPIC:
            inserts[households.name].append(
                {
                    "household_id": owner,
                    "commune_code": data["commune_code"],
                    "registered_on": data["registered_on"],
                }
            )
            inserts[members.name].extend(
                _member(owner, commune, m, data["registered_on"]) for m in data["members"]
            )
        elif topic == H.MemberJoined.TOPIC:
            inserts[members.name].append(_member(owner, commune, data["member"], data["joined_on"]))
        elif topic == H.MemberLeft.TOPIC:
            updates.append(
                RowChange(members, "member_id", data["member_id"], {"left_on": data["left_on"]})
            )
        elif topic == H.MemberDetailsCorrected.TOPIC:
            kept = ("birth_date", "ethnicity", "relation")
            changes = {k: v for k, v in data["changes"].items() if k in kept}
            if changes:
                updates.append(RowChange(members, "member_id", data["member_id"], changes))
        elif topic == H.SurveyRecorded.TOPIC:
            deprivations = data["deprivations"]
            inserts[surveys.name].append(
                {
                    "survey_id": data["survey_id"],
                    "household_id": owner,
                    "commune_code": commune,
                    "surveyed_on": data["surveyed_on"],
                    "sequence": fact.version,
                    "standard": data["standard"],
                    **{f"d_{code}": deprivations.get(code) for code in DEPRIVATION_CODES},
                }
            )
        elif topic == H.SupportRecorded.TOPIC:
            inserts[supports.name].append(
                {
                    "support_id": data["support_id"],
                    "household_id": owner,
                    "commune_code": commune,
                    "member_id": data["member_id"],
                    "support_type": data["support_type"],
                    "provided_on": data["provided_on"],
                    "model": data["model"],
                    "certified": data["certified"],
                    "reversed": False,
                }
            )
        elif topic == H.SupportReversed.TOPIC:
            updates.append(
                RowChange(supports, "support_id", data["support_id"], {"reversed": True})
            )
