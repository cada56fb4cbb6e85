"""The HubSpot streams as small declarations, and the neutral shape their objects are read into.

A stream is data: its name (the cursor key), the CRM object type, the
properties to request, the modification property that increments filter on
(``lastmodifieddate`` for contacts, ``hs_lastmodifieddate`` for everything
else: notes §1.4) and the associations its mapping needs. The read loops in
:mod:`~connectors.hubspot.backfill` and :mod:`~connectors.hubspot.search`
are the same for every stream.

SDK objects are turned into :class:`RawObject` at the edge so that the mapping
functions can be tested with plain builders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.timeparse import parse_instant

CONTACT_PROPERTIES: tuple[str, ...] = (
    "email",
    "firstname",
    "lastname",
    "company",
    "hubspot_owner_id",
    "lifecyclestage",
    "hs_lead_status",
    "createdate",
    "lastmodifieddate",
    "hs_email_optout",
    "hs_email_hard_bounce_reason_enum",
    "salesforceleadid",
    "salesforcecontactid",
    "hs_merged_object_ids",
    "hs_email_last_open_date",
    "hs_email_last_click_date",
    "hs_analytics_last_visit_timestamp",
    "first_conversion_date",
    "recent_conversion_date",
    "recent_conversion_event_name",
)
CONVERSION_PROPERTIES: tuple[str, ...] = (
    "first_conversion_date",
    "recent_conversion_date",
    "recent_conversion_event_name",
    "hs_analytics_last_visit_timestamp",
    "lastmodifieddate",
)
_ENGAGEMENT = ("hs_timestamp", "hubspot_owner_id", "hs_lastmodifieddate")


@dataclass(frozen=True, slots=True)
class ObjectStream:
    """One CRM object stream. ``name`` is the cursor key the engine stores."""

    name: str
    object_type: str
    properties: tuple[str, ...]
    associations: tuple[str, ...] = ("contacts",)

    @property
    def modification_property(self) -> str:
        return "lastmodifieddate" if self.object_type == "contacts" else "hs_lastmodifieddate"


def contact_stream(score_property: str) -> ObjectStream:
    props = tuple(dict.fromkeys([*CONTACT_PROPERTIES, score_property]))
    return ObjectStream("contacts", "contacts", props, associations=())


def deal_stream(loss_reason_property: str) -> ObjectStream:
    props = (
        "dealname",
        "dealstage",
        "pipeline",
        "amount",
        "closedate",
        "createdate",
        "hs_lastmodifieddate",
        loss_reason_property,
        "hubspot_owner_id",
    )
    return ObjectStream("deals", "deals", tuple(dict.fromkeys(props)))


ACTIVITY_STREAMS: tuple[ObjectStream, ...] = (
    ObjectStream("emails", "emails", (*_ENGAGEMENT, "hs_email_direction", "hs_email_subject")),
    ObjectStream("calls", "calls", (*_ENGAGEMENT, "hs_call_title", "hs_call_disposition")),
    ObjectStream(
        "meetings",
        "meetings",
        (
            *_ENGAGEMENT,
            "hs_meeting_title",
            "hs_meeting_outcome",
            "hs_meeting_start_time",
            "hs_meeting_end_time",
        ),
    ),
    ObjectStream("notes", "notes", (*_ENGAGEMENT, "hs_note_body")),
    ObjectStream(
        "tasks",
        "tasks",
        (*_ENGAGEMENT, "hs_task_subject", "hs_task_status", "hs_task_completion_date"),
    ),
)
# The fallback for portals without behavioural events: forms and visits from contact properties.
CONVERSIONS_STREAM = ObjectStream(
    "contact_conversions", "contacts", CONVERSION_PROPERTIES, associations=()
)


@dataclass(frozen=True, slots=True)
class RawObject:
    """A CRM object as read, before mapping: id, string properties, archive state, contacts."""

    id: str
    properties: Mapping[str, str | None]
    archived: bool = False
    archived_at: datetime | None = None
    contact_ids: tuple[str, ...] = ()
    updated_at: datetime | None = None

    def get(self, name: str) -> str | None:
        value = self.properties.get(name)
        return value if value not in (None, "") else None


def raw_from_sdk(obj: Any, contact_ids: tuple[str, ...] | None = None) -> RawObject:
    """A ``SimplePublicObject(WithAssociations)`` as a :class:`RawObject`."""
    if contact_ids is None:
        contact_ids = inline_contacts(getattr(obj, "associations", None))
    archived_at = getattr(obj, "archived_at", None)
    updated_at = getattr(obj, "updated_at", None)
    return RawObject(
        id=str(obj.id),
        properties=dict(obj.properties or {}),
        archived=bool(getattr(obj, "archived", False)),
        archived_at=parse_instant(archived_at) if archived_at else None,
        contact_ids=contact_ids,
        updated_at=parse_instant(updated_at) if updated_at else None,
    )


def inline_contacts(associations: Any) -> tuple[str, ...]:
    """Contact ids from a list answer's inlined ``associations`` (keys vary in case/form)."""
    if not associations:
        return ()
    found: list[str] = []
    for key, collection in dict(associations).items():
        if key.lower() not in ("contacts", "contact", "0-1"):
            continue
        for item in getattr(collection, "results", None) or []:
            found.append(str(item.id))
    return tuple(dict.fromkeys(found))
