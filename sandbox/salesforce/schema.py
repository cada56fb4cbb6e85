"""The emulated org's metadata: which sObjects exist and which fields each one has.

Names follow ``sandbox/FIELDS.md``. Field names are matched without regard to
case, as Salesforce does, and always answered in their canonical spelling. Custom fields
(``__c``) can be added at run time (Tooling API), after which describe, SOQL and writes
all see them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

STRING_TYPES = frozenset(
    {"id", "string", "picklist", "reference", "email", "textarea", "phone", "url"}
)
NUMBER_TYPES = frozenset({"double", "currency", "int", "percent"})


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field as describe reports it; ``default`` is what a new record gets when unset."""

    name: str
    type: str
    label: str = ""
    custom: bool = False
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    picklist: tuple[str, ...] = ()
    reference_to: tuple[str, ...] = ()
    length: int = 255
    default: object = None
    formula: str = ""  # a formula field: computed on every read, never stored or written
    compute: Callable[[dict[str, Any]], Any] | None = None

    def value(self, record: dict[str, Any]) -> Any:
        """The field's value on a record: computed for a formula field, else stored."""
        if self.compute is not None:
            return self.compute(record)
        return record.get(self.name, self.default)

    @property
    def value_class(self) -> str:
        """The family SOQL compares in: string, number, boolean, date or datetime."""
        if self.type in STRING_TYPES:
            return "string"
        if self.type in NUMBER_TYPES:
            return "number"
        return self.type

    @property
    def required(self) -> bool:
        """A create must give a value: not nillable, settable, and without a default."""
        return not self.nillable and self.createable and self.default is None

    @property
    def relationship_name(self) -> str | None:
        """``OwnerId`` -> ``Owner``, ``Thing__c`` -> ``Thing__r``; None for non-references."""
        if self.type != "reference":
            return None
        if self.name.endswith("__c"):
            return self.name[:-3] + "__r"
        return self.name[:-2] if self.name.endswith("Id") else None


@dataclass(slots=True)
class ObjectDef:
    """An sObject type: its key prefix (first 3 id characters) and its fields by lower-case name."""

    name: str
    key_prefix: str
    label: str
    fields: dict[str, FieldDef] = field(default_factory=dict)

    def add(self, definition: FieldDef) -> None:
        self.fields[definition.name.lower()] = definition

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field behind a relationship name (``Owner`` -> ``OwnerId``)."""
        lowered = name.lower()
        for definition in self.fields.values():
            rel = definition.relationship_name
            if rel is not None and rel.lower() == lowered:
                return definition
        return None


def _f(name: str, type_: str, **options: object) -> FieldDef:
    label = str(options.pop("label", "")) or name
    return FieldDef(name=name, type=type_, label=label, **options)  # type: ignore[arg-type]


def _ro(name: str, type_: str, **options: object) -> FieldDef:
    return _f(name, type_, createable=False, updateable=False, **options)


def _ref(name: str, *targets: str, **options: object) -> FieldDef:
    return _f(name, "reference", reference_to=targets, length=18, **options)


def _flag(name: str, **options: object) -> FieldDef:
    return _f(name, "boolean", nillable=False, default=False, **options)


def _system_fields() -> list[FieldDef]:
    return [
        _ro("Id", "id", nillable=False, length=18),
        _ro("CreatedDate", "datetime", nillable=False),
        _ro("LastModifiedDate", "datetime", nillable=False),
        _ro("SystemModstamp", "datetime", nillable=False),
        _ro("IsDeleted", "boolean", nillable=False, default=False),
    ]


def _person_fields() -> list[FieldDef]:
    return [
        _f("FirstName", "string", length=40),
        _f("LastName", "string", nillable=False, length=80),
        _ro("Name", "string", length=121),
        _f("Email", "email", length=80),
        _ref("OwnerId", "User", nillable=False, label="Owner ID"),
        _flag("HasOptedOutOfEmail", label="Email Opt Out"),
        _flag("DoNotCall"),
        _f("EmailBouncedDate", "datetime"),
        _f("EmailBouncedReason", "string"),
        _ro("LastActivityDate", "date"),
        _ro("MasterRecordId", "reference", reference_to=(), length=18),
    ]


LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
STAGES = (
    "Prospecting",
    "Qualification",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
MEMBER_STATUSES = ("Sent", "Registered", "Attended", "Responded")


def _standard() -> dict[str, tuple[str, list[FieldDef]]]:
    return {
        "User": (
            "005",
            [
                _f("FirstName", "string"),
                _f("LastName", "string", nillable=False),
                _ro("Name", "string"),
                _f("Email", "email", nillable=False),
                _f("Username", "string", nillable=False),
                _flag("IsActive"),
            ],
        ),
        "Account": (
            "001",
            [
                _f("Name", "string", nillable=False),
                _ref("OwnerId", "User", nillable=False),
                _f("Industry", "picklist"),
            ],
        ),
        "Lead": (
            "00Q",
            [
                *_person_fields(),
                _f("Company", "string", nillable=False),
                _f(
                    "Status",
                    "picklist",
                    nillable=False,
                    picklist=LEAD_STATUSES,
                    default=LEAD_STATUSES[0],
                ),
                _f("LeadSource", "picklist"),
                _ro("IsConverted", "boolean", nillable=False, default=False),
                _ro("ConvertedContactId", "reference", reference_to=("Contact",), length=18),
                _ro("ConvertedAccountId", "reference", reference_to=("Account",), length=18),
                _ro("ConvertedDate", "date"),
            ],
        ),
        "Contact": ("003", [*_person_fields(), _ref("AccountId", "Account")]),
        "Opportunity": (
            "006",
            [
                _f("Name", "string", nillable=False),
                _ref("AccountId", "Account"),
                _ref("OwnerId", "User", nillable=False),
                _f("StageName", "picklist", nillable=False, picklist=STAGES),
                _ro("IsClosed", "boolean", nillable=False, default=False),
                _ro("IsWon", "boolean", nillable=False, default=False),
                _f("Amount", "currency"),
                _f("CloseDate", "date", nillable=False),
                _f("Loss_Reason__c", "string", custom=True, label="Loss Reason"),
            ],
        ),
        "OpportunityContactRole": (
            "00K",
            [
                _ref("OpportunityId", "Opportunity", nillable=False, updateable=False),
                _ref("ContactId", "Contact", nillable=False),
                _f("Role", "picklist"),
                _flag("IsPrimary"),
            ],
        ),
        "Task": (
            "00T",
            [
                _ref("WhoId", "Contact", "Lead"),
                _ref("WhatId", "Account", "Opportunity", "Campaign"),
                _ref("OwnerId", "User", nillable=False, label="Assigned To ID"),
                _f("Subject", "string"),
                _f("Description", "textarea", length=32000),
                _f(
                    "Status",
                    "picklist",
                    nillable=False,
                    picklist=("Not Started", "In Progress", "Completed"),
                    default="Not Started",
                ),
                _ro("IsClosed", "boolean", nillable=False, default=False),
                _f(
                    "Priority",
                    "picklist",
                    nillable=False,
                    picklist=("High", "Normal", "Low"),
                    default="Normal",
                ),
                _f("ActivityDate", "date", label="Due Date Only"),
                _f("CompletedDateTime", "datetime"),
                _f(
                    "TaskSubtype",
                    "picklist",
                    updateable=False,
                    picklist=("Task", "Email", "ListEmail", "Call"),
                ),
                _f("Type", "picklist", picklist=("Call", "Email", "Other")),
                _f("CallDisposition", "string"),
                _f("CallType", "picklist"),
            ],
        ),
        "Event": (
            "00U",
            [
                _ref("WhoId", "Contact", "Lead"),
                _ref("OwnerId", "User", nillable=False),
                _f("Subject", "string"),
                _f("StartDateTime", "datetime"),
                _f("EndDateTime", "datetime"),
                _f("ActivityDateTime", "datetime"),
                _f("DurationInMinutes", "int"),
                _f("Type", "picklist", picklist=("Meeting",)),
            ],
        ),
        "Campaign": (
            "701",
            [
                _f("Name", "string", nillable=False),
                _f("Type", "picklist"),
                _f("Status", "picklist"),
                _flag("IsActive"),
                _f("StartDate", "date"),
            ],
        ),
        "CampaignMember": (
            "00v",
            [
                _ref("CampaignId", "Campaign", nillable=False, updateable=False),
                _ref("LeadId", "Lead", updateable=False),
                _ref("ContactId", "Contact", updateable=False),
                _f("Status", "picklist", picklist=MEMBER_STATUSES, default="Sent"),
                _ro("HasResponded", "boolean", nillable=False, default=False),
                _ro("FirstRespondedDate", "date"),
            ],
        ),
    }


class Schema:
    """Every sObject type of the org, looked up without regard to case."""

    def __init__(self, objects: Iterable[ObjectDef] | None = None) -> None:
        self._lock = threading.Lock()
        self.objects: dict[str, ObjectDef] = {}
        for definition in objects if objects is not None else standard_objects():
            self.objects[definition.name.lower()] = definition

    def get(self, name: str) -> ObjectDef | None:
        return self.objects.get(name.lower())

    def by_prefix(self, record_id: str) -> ObjectDef | None:
        """The object type an id belongs to, from its key prefix."""
        prefix = record_id[:3]
        return next((o for o in self.objects.values() if o.key_prefix == prefix), None)

    def add_field(self, object_name: str, definition: FieldDef) -> None:
        """Adds a custom field; callers check that it does not exist yet."""
        target = self.get(object_name)
        if target is None:
            raise KeyError(object_name)
        with self._lock:
            target.add(definition)


def standard_objects() -> list[ObjectDef]:
    """Fresh definitions of the objects FIELDS.md lists (a new copy per org)."""
    result = []
    for name, (prefix, fields) in _standard().items():
        definition = ObjectDef(name=name, key_prefix=prefix, label=name)
        for item in (*_system_fields(), *fields):
            definition.add(item)
        result.append(definition)
    return result
