"""Supports at the HTTP edge: recording one, with the rules of its type, and reversing it."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import ConfigDict, Field, StrictBool

from api.schemas.households import HouseholdWrite, Written
from api.schemas.vocabulary import (
    NOT_BLANK,
    SUPPORT_TYPE,
    Money,
    Name,
    PastDay,
    RequiredText,
    absent,
    given,
    one_of_types,
    schema_rules,
    when,
)
from domain.limits import MAX_NAME_LENGTH, MAX_QUANTITY, MAX_UNIT_LENGTH, NO_CONTROL_CHARACTERS
from domain.supports import support_catalogue

_KINDS = support_catalogue().values()
# The rules of application.case_files' support checks that a schema can state.
SUPPORT_RULES: tuple[dict[str, Any], ...] = (
    when(one_of_types(k.code for k in _KINDS if k.member == "required"), given("member_id")),
    when(
        one_of_types(k.code for k in _KINDS if k.requires_model),
        {**given("model"), "properties": {"model": {"type": "string", "pattern": NOT_BLANK}}},
    ),
    when(one_of_types(k.code for k in _KINDS if not k.records_certificate), absent("certified")),
    when(given("amount"), given("allocation_id")),
    when(given("allocation_id"), given("amount")),
    when(given("quantity"), {**given("unit"), "properties": {"unit": {"minLength": 1}}}),
)


class SupportCreate(HouseholdWrite):
    """Rules that depend on the support type are in GET /reference/support-types; the
    household's eligibility on `provided_on` is judged by the server (422 not_eligible)."""

    model_config = ConfigDict(
        json_schema_extra=schema_rules(
            rules=SUPPORT_RULES,
            example={
                "support_type": "agricultural_production",
                "provided_on": "2024-03-01",
                "amount": 2_000_000,
                "allocation_id": "3f1c6a52-41f0-4c9e-9d1b-2a3e5b7c9d01",
            },
        )
    )

    support_type: str = Field(max_length=MAX_NAME_LENGTH, json_schema_extra=SUPPORT_TYPE)
    provided_on: PastDay = Field(description="eligibility is judged on this date")
    member_id: str | None = Field(
        default=None,
        max_length=MAX_NAME_LENGTH,
        description="the member it is for, where the support type names one",
    )
    amount: Money | None = None
    quantity: Annotated[float, Field(gt=0, le=MAX_QUANTITY, allow_inf_nan=False)] | None = None
    unit: str | None = Field(
        default=None, max_length=MAX_UNIT_LENGTH, pattern=NO_CONTROL_CHARACTERS
    )
    allocation_id: UUID | None = Field(default=None, description="the allocation that paid it")
    model: str | None = Field(
        default=None,
        max_length=MAX_NAME_LENGTH,
        pattern=NO_CONTROL_CHARACTERS,
        description="required for `livelihood_model`",
    )
    certified: StrictBool | None = None
    idempotency_key: Name | None = Field(
        default=None, description="a repeat with the same key answers the first support (200)"
    )


class SupportWritten(Written):
    support_id: str


class SupportReversal(HouseholdWrite):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"reversed_on": "2024-03-03", "reason": "recorded on the wrong household"}]
        }
    )

    reversed_on: PastDay
    reason: RequiredText
