"""One shape per fact: the event class is the source. Each command and request schema that carries
a household's or an allocation's fact names its fields as the event does, with the same types, so
renaming an event's attribute fails here rather than silently breaking a read model."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID

import pytest
from pydantic import BaseModel

from api import schemas
from api.schemas import audit as audit_schemas
from application import commands
from domain import records
from domain.funds import FundAllocation
from domain.household import Household

H = Household
A = FundAllocation

# event → the command that records it and the request schema a client sends for it.
CARRIERS: dict[type[Any], tuple[type[Any], type[BaseModel]]] = {
    H.Registered: (commands.RegisterHousehold, schemas.HouseholdCreate),
    H.MemberJoined: (commands.AddMember, schemas.MemberJoin),
    H.MemberLeft: (commands.RecordDeparture, schemas.Departure),
    H.MemberDetailsCorrected: (commands.CorrectMemberDetails, schemas.MemberCorrection),
    H.SurveyRecorded: (commands.RecordSurvey, schemas.SurveyCreate),
    H.RecognitionRecorded: (commands.RecordRecognition, schemas.RecognitionCreate),
    H.RecognitionRevoked: (commands.RevokeRecognition, schemas.RecognitionRevocation),
    H.RecognitionCorrected: (commands.CorrectRecognition, schemas.RecognitionCorrection),
    H.SupportRecorded: (commands.RecordSupport, schemas.SupportCreate),
    H.SupportReversed: (commands.ReverseSupport, schemas.SupportReversal),
    A.Made: (commands.MakeAllocation, schemas.AllocationCreate),
    A.Adjusted: (commands.AdjustAllocation, schemas.AdjustmentCreate),
}
# Events no command records directly: each follows from another fact, whose shape it shares.
FOLLOWERS: dict[type[Any], type[Any]] = {
    A.FundsDrawn: H.SupportRecorded,
    A.FundsReturned: H.SupportReversed,
}
# Fields that say which aggregate and which version a command writes, not what the fact is.
ADDRESSING = {"expected_version", "context"}


def addressing(event: type[Any]) -> set[str]:
    own = "allocation_id" if issubclass(event, A.Event) else "household_id"
    return ADDRESSING | {own}


# Where the fact's type differs from the command's by design: the event stores it as text, or
# a member as the dict the aggregate keeps (its keys are MemberDetails' fields, checked below).
STORED_AS = {
    UUID: str,
    commands.MemberDetails: dict,
    schemas.MemberIn: dict,
}
MEMBER_FIELDS = {f.name for f in dataclasses.fields(commands.MemberDetails)}


def shape(annotation: Any) -> Any:
    """A type as a fact carries it: constraints, optionality and literal choices set aside."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return shape(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        kinds = {shape(a) for a in get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else frozenset(kinds)
    if origin is Literal:
        return type(get_args(annotation)[0])
    if origin in (list, dict):
        return origin if origin is dict else (list, shape(get_args(annotation)[0]))
    if annotation in (Any, object):
        return Any
    return STORED_AS.get(annotation, annotation)


def event_fields(event: type[Any]) -> dict[str, Any]:
    return {name: shape(t) for name, t in typing.get_type_hints(event).items()}


def command_fields(command: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(command)
    return {f.name: shape(hints[f.name]) for f in dataclasses.fields(command)}


def schema_fields(schema: type[BaseModel]) -> dict[str, Any]:
    return {name: shape(info.annotation) for name, info in schema.model_fields.items()}


def mismatches(fields: dict[str, Any], event: type[Any], member_field: str | None) -> list[str]:
    """Each field against the event's attribute of that name (a member's detail against the
    member the event carries)."""
    carried = event_fields(event)
    members = command_fields(commands.MemberDetails)
    found = []
    for name, kind in fields.items():
        if name in addressing(event):
            continue
        if name in carried:
            if carried[name] != kind:
                found.append(f"{name}: {kind} here, {carried[name]} in {event.__qualname__}")
        elif member_field is not None and name in MEMBER_FIELDS:
            if members[name] != kind:
                found.append(f"{name}: {kind} here, {members[name]} in a member")
        else:
            found.append(f"{name}: not an attribute of {event.__qualname__}")
    return found


def member_field_of(event: type[Any]) -> str | None:
    """Where the event carries member details: a member, its members, or changes to one."""
    carried = event_fields(event)
    return next((n for n in ("member", "members", "changes") if n in carried), None)


@pytest.mark.parametrize("event", list(CARRIERS), ids=lambda e: e.__qualname__)
def test_the_command_names_and_types_its_fact_as_the_event_does(event: type[Any]) -> None:
    command, _ = CARRIERS[event]
    assert mismatches(command_fields(command), event, member_field_of(event)) == []


@pytest.mark.parametrize("event", list(CARRIERS), ids=lambda e: e.__qualname__)
def test_the_request_schema_names_and_types_its_fact_as_the_event_does(event: type[Any]) -> None:
    _, schema = CARRIERS[event]
    assert mismatches(schema_fields(schema), event, member_field_of(event)) == []


def test_a_member_is_sent_as_the_command_carries_it() -> None:
    sent = schema_fields(schemas.MemberIn)
    assert sent == command_fields(commands.MemberDetails)


@pytest.mark.parametrize("event", list(FOLLOWERS), ids=lambda e: e.__qualname__)
def test_a_following_fact_shares_the_shape_of_the_fact_it_follows(event: type[Any]) -> None:
    own, source = event_fields(event), event_fields(FOLLOWERS[event])
    shared = own.keys() & source.keys()
    assert {n for n in shared if own[n] != source[n]} == set()


def test_every_fact_of_a_household_or_an_allocation_is_checked() -> None:
    def kinds(aggregate: type[Any]) -> set[type[Any]]:
        return {
            value
            for value in vars(aggregate).values()
            if isinstance(value, type)
            and issubclass(value, aggregate.Event)  # type: ignore[attr-defined]
            and value not in (aggregate.Event, aggregate.Created)  # type: ignore[attr-defined]
        }

    assert kinds(Household) | kinds(FundAllocation) == set(CARRIERS) | set(FOLLOWERS)


def test_renaming_an_attribute_of_an_event_is_caught() -> None:
    @dataclasses.dataclass(frozen=True)
    class Renamed:
        member_id: str
        departed_on: Any  # was left_on

    assert mismatches(command_fields(commands.RecordDeparture), Renamed, None) == [
        "left_on: not an attribute of "
        "test_renaming_an_attribute_of_an_event_is_caught.<locals>.Renamed"
    ]


# What the aggregate keeps of a fact, and what an answer shows of it: each names and types the
# event's attributes as the event does (the rest of its fields are added by later facts or
# by the store, listed here).
KEPT: dict[type[Any], tuple[type[Any], set[str]]] = {
    records.Support: (H.SupportRecorded, {"recorded_at", "reversed_on", "reversal_reason"}),
    audit_schemas.SupportRecord: (H.SupportRecorded, {"reversed_on", "reversal_reason"}),
}


@pytest.mark.parametrize("kept", list(KEPT), ids=lambda k: k.__qualname__)
def test_what_is_kept_and_shown_of_a_fact_is_named_and_typed_as_its_event(kept: type[Any]) -> None:
    event, added_later = KEPT[kept]
    if isinstance(kept, type) and issubclass(kept, BaseModel):
        fields = schema_fields(kept)
    else:
        fields = command_fields(kept)
    envelope = set(typing.get_type_hints(Household.Event))
    carried = {k: v for k, v in event_fields(event).items() if k not in envelope}
    assert {k: v for k, v in fields.items() if k not in added_later} == carried
