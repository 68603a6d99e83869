"""The indicators read model: what the plan's indicators need beyond the registers — heads'
ethnicity, members' ages and presence, each survey's deprivations, and supports."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatchmethod
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
from projections.machinery import EventFold, Inserts, RowChange, Updates, select_in, topics_of

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


class IndicatorsProjection(EventFold):
    """Rows carry their household's commune, so that one commune's figures are read by index."""

    name = "indicators"
    code_version = 3
    metadata = metadata
    cluster_on: Sequence[str] = ("ri_members_commune", "ri_surveys_commune", "ri_supports_commune")

    def __init__(self) -> None:
        self._commune_of: dict[str, str] = {}

    def process(self, connection: Connection, facts: Sequence[Fact]) -> None:
        registered = {
            str(f.originator_id): f.event.commune_code
            for f in facts
            if isinstance(f.event, H.Registered)
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

    @singledispatchmethod
    def on(self, event: object, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        """Facts of other kinds change nothing here."""

    def _known(self, event: H.Event) -> None:
        """A fact of a household this read model never saw registered fails, like any other."""
        self._commune_of[str(event.originator_id)]

    @on.register
    def _(self, event: H.Registered, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        owner = str(event.originator_id)
        commune = self._commune_of[owner]
        inserts[households.name].append(
            {
                "household_id": owner,
                "commune_code": event.commune_code,
                "registered_on": event.registered_on,
            }
        )
        inserts[members.name].extend(
            _member(owner, commune, m, event.registered_on) for m in event.members
        )

    @on.register
    def _(self, event: H.MemberJoined, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        owner = str(event.originator_id)
        commune = self._commune_of[owner]
        inserts[members.name].append(_member(owner, commune, event.member, event.joined_on))

    @on.register
    def _(self, event: H.MemberLeft, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        self._known(event)
        updates.append(RowChange(members, "member_id", event.member_id, {"left_on": event.left_on}))

    @on.register
    def _(
        self, event: H.MemberDetailsCorrected, fact: Fact, inserts: Inserts, updates: Updates
    ) -> None:
        self._known(event)
        kept = ("birth_date", "ethnicity", "relation")
        changes = {k: v for k, v in event.changes.items() if k in kept}
        if changes:
            updates.append(RowChange(members, "member_id", event.member_id, changes))

    @on.register
    def _(self, event: H.SurveyRecorded, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        owner = str(event.originator_id)
        deprivations = event.deprivations
        inserts[surveys.name].append(
            {
                "survey_id": event.survey_id,
                "household_id": owner,
                "commune_code": self._commune_of[owner],
                "surveyed_on": event.surveyed_on,
                "sequence": event.originator_version,
                "standard": event.standard,
                **{f"d_{code}": deprivations.get(code) for code in DEPRIVATION_CODES},
            }
        )

    @on.register
    def _(self, event: H.SupportRecorded, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        owner = str(event.originator_id)
        inserts[supports.name].append(
            {
                "support_id": event.support_id,
                "household_id": owner,
                "commune_code": self._commune_of[owner],
                "member_id": event.member_id,
                "support_type": event.support_type,
                "provided_on": event.provided_on,
                "model": event.model,
                "certified": event.certified,
                "reversed": False,
            }
        )

    @on.register
    def _(self, event: H.SupportReversed, fact: Fact, inserts: Inserts, updates: Updates) -> None:
        self._known(event)
        updates.append(RowChange(supports, "support_id", event.support_id, {"reversed": True}))

    topics = topics_of(on)
