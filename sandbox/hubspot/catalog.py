"""What the emulated portal knows before any request: object types, association types and
the standard property definitions of ``sandbox/FIELDS.md``.

Kept apart from the state so that the catalogue reads as a table: where does
``task_to_contact`` come from, which properties are read-only, which type IDs
the Lists API uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OBJECT_TYPES: tuple[str, ...] = (
    "contacts",
    "deals",
    "emails",
    "calls",
    "meetings",
    "notes",
    "tasks",
)

OBJECT_TYPE_IDS: dict[str, str] = {
    "contacts": "0-1",
    "companies": "0-2",
    "deals": "0-3",
    "tasks": "0-27",
    "notes": "0-46",
    "meetings": "0-47",
    "calls": "0-48",
    "emails": "0-49",
}

SINGULAR: dict[str, str] = {
    "contacts": "contact",
    "companies": "company",
    "deals": "deal",
    "emails": "email",
    "calls": "call",
    "meetings": "meeting",
    "notes": "note",
    "tasks": "task",
}

_ALIASES: dict[str, str] = {
    **{name: name for name in OBJECT_TYPES},
    **{type_id: name for name, type_id in OBJECT_TYPE_IDS.items() if name in OBJECT_TYPES},
    **{single: name for name, single in SINGULAR.items() if name in OBJECT_TYPES},
}


def object_type(raw: str) -> str | None:
    """The canonical plural name for a path segment (``contacts``, ``contact``, ``0-1``)."""
    return _ALIASES.get(raw.lower())


def modification_property(type_name: str) -> str:
    """Contacts keep ``lastmodifieddate``; every other object ``hs_lastmodifieddate``."""
    return "lastmodifieddate" if type_name == "contacts" else "hs_lastmodifieddate"


def creation_property(type_name: str) -> str:
    return "createdate" if type_name in ("contacts", "deals") else "hs_createdate"


def default_properties(type_name: str) -> tuple[str, ...]:
    """The properties HubSpot returns when the caller names none."""
    if type_name == "contacts":
        return ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname")
    return (creation_property(type_name), "hs_lastmodifieddate", "hs_object_id")


# HUBSPOT_DEFINED default association type IDs (notes §4), both directions.
ASSOCIATION_TYPE_IDS: dict[tuple[str, str], int] = {
    ("contacts", "deals"): 4,
    ("deals", "contacts"): 3,
    ("contacts", "tasks"): 203,
    ("tasks", "contacts"): 204,
    ("tasks", "deals"): 216,
    ("deals", "tasks"): 215,
    ("contacts", "notes"): 201,
    ("notes", "contacts"): 202,
    ("contacts", "emails"): 197,
    ("emails", "contacts"): 198,
    ("contacts", "calls"): 193,
    ("calls", "contacts"): 194,
    ("contacts", "meetings"): 199,
    ("meetings", "contacts"): 200,
    ("deals", "notes"): 213,
    ("notes", "deals"): 214,
    ("deals", "emails"): 209,
    ("emails", "deals"): 210,
    ("deals", "calls"): 205,
    ("calls", "deals"): 206,
    ("deals", "meetings"): 211,
    ("meetings", "deals"): 212,
}
PAIR_BY_TYPE_ID: dict[int, tuple[str, str]] = {v: k for k, v in ASSOCIATION_TYPE_IDS.items()}


def association_type_id(from_type: str, to_type: str) -> int:
    """The default type ID of a pair; 1 for a pair the table does not name."""
    return ASSOCIATION_TYPE_IDS.get((from_type, to_type), 1)


def association_type_name(from_type: str, to_type: str) -> str:
    """The ``type`` string of inlined associations, e.g. ``task_to_contact``."""
    return f"{SINGULAR[from_type]}_to_{SINGULAR[to_type]}"


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """A property definition as the Properties API describes it."""

    name: str
    type: str  # bool, date, datetime, enumeration, number, phone_number, string
    field_type: str
    group_name: str
    label: str = ""
    options: tuple[str, ...] = ()
    read_only: bool = False
    hubspot_defined: bool = True
    has_unique_value: bool = False
    description: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def _s(name: str, group: str, ro: bool = False) -> PropertySpec:
    return PropertySpec(name, "string", "text", group, read_only=ro)


def _dt(name: str, group: str, ro: bool = False) -> PropertySpec:
    return PropertySpec(name, "datetime", "date", group, read_only=ro)


def _enum(name: str, group: str, *values: str) -> PropertySpec:
    return PropertySpec(name, "enumeration", "select", group, options=values)


def _num(name: str, group: str, ro: bool = False) -> PropertySpec:
    return PropertySpec(name, "number", "number", group, read_only=ro)


def _engagement_common(group: str) -> list[PropertySpec]:
    return [
        _dt("hs_timestamp", group),
        _s("hubspot_owner_id", group),
        _dt("hs_createdate", group, ro=True),
        _dt("hs_lastmodifieddate", group, ro=True),
        _num("hs_object_id", group, ro=True),
    ]


def _contact_properties() -> list[PropertySpec]:
    g = "contactinformation"
    stages = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead")
    statuses = ("NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED")
    return [
        *(_s(n, g) for n in ("email", "firstname", "lastname", "company", "hubspot_owner_id")),
        _enum("lifecyclestage", g, *stages, "opportunity", "customer", "evangelist", "other"),
        _enum("hs_lead_status", g, *statuses, "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"),
        _dt("createdate", g, ro=True),
        _dt("lastmodifieddate", g, ro=True),
        _num("hs_object_id", g, ro=True),
        PropertySpec("hs_email_optout", "bool", "booleancheckbox", g, options=("true", "false")),
        _s("hs_email_hard_bounce_reason_enum", g),
        _s("salesforceleadid", g),
        _s("salesforcecontactid", g),
        _s("hs_merged_object_ids", g, ro=True),
        *(_dt(n, g) for n in ("hs_email_last_open_date", "hs_email_last_click_date")),
        *(_dt(n, g) for n in ("hs_analytics_last_visit_timestamp", "first_conversion_date")),
        _dt("recent_conversion_date", g),
        _s("recent_conversion_event_name", g),
        _num("hubspotscore", g),
    ]


def _deal_properties() -> list[PropertySpec]:
    g = "dealinformation"
    stages = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled")
    return [
        _s("dealname", g),
        _enum(
            "dealstage",
            g,
            *stages,
            "decisionmakerboughtin",
            "contractsent",
            "closedwon",
            "closedlost",
        ),
        _s("pipeline", g),
        _num("amount", g),
        _dt("closedate", g),
        _dt("createdate", g, ro=True),
        _dt("hs_lastmodifieddate", g, ro=True),
        _num("hs_object_id", g, ro=True),
        _s("closed_lost_reason", g),
        _s("hubspot_owner_id", g),
    ]


def _engagement_properties() -> dict[str, list[PropertySpec]]:
    outcomes = ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")
    task_status = ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")
    return {
        "emails": [
            *_engagement_common("email"),
            _enum("hs_email_direction", "email", "EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"),
            _s("hs_email_subject", "email"),
            _s("hs_email_status", "email"),
        ],
        "calls": [
            *_engagement_common("call"),
            *(_s(n, "call") for n in ("hs_call_title", "hs_call_disposition", "hs_call_status")),
        ],
        "meetings": [
            *_engagement_common("meeting"),
            _s("hs_meeting_title", "meeting"),
            *(_dt(n, "meeting") for n in ("hs_meeting_start_time", "hs_meeting_end_time")),
            _enum("hs_meeting_outcome", "meeting", *outcomes),
        ],
        "notes": [*_engagement_common("note"), _s("hs_note_body", "note")],
        "tasks": [
            *_engagement_common("task"),
            *(_s(n, "task") for n in ("hs_task_subject", "hs_task_body")),
            _enum("hs_task_status", "task", *task_status),
            _enum("hs_task_type", "task", "CALL", "EMAIL", "TODO"),
            _enum("hs_task_priority", "task", "NONE", "LOW", "MEDIUM", "HIGH"),
            _dt("hs_task_completion_date", "task"),
        ],
    }


def standard_properties() -> dict[str, list[PropertySpec]]:
    """Every object type's standard properties, as a fresh portal lists them."""
    return {
        "contacts": _contact_properties(),
        "deals": _deal_properties(),
        **_engagement_properties(),
    }


STANDARD_GROUPS: dict[str, tuple[str, ...]] = {
    "contacts": ("contactinformation",),
    "deals": ("dealinformation",),
    "emails": ("email",),
    "calls": ("call",),
    "meetings": ("meeting",),
    "notes": ("note",),
    "tasks": ("task",),
}

# Required on create through the API (notes §2.1); the seed may omit them.
REQUIRED_ON_CREATE: dict[str, tuple[str, ...]] = {
    "tasks": ("hs_timestamp",),
    "notes": ("hs_timestamp",),
    "meetings": ("hs_timestamp",),
    "calls": ("hs_timestamp",),
    "emails": ("hs_timestamp", "hs_email_direction"),
}
