"""What the dataset generator hands to the emulators: each platform's records in its own shapes.

The generator (``sandbox.dataset``) builds a platform-neutral world
and renders it into one :class:`HubSpotSeed` and one :class:`SalesforceSeed`.
Each emulator loads its seed into its in-memory state (``load_seed``). The
seeds use each platform's own names, so the emulators stay dumb stores:

* HubSpot: object type names as in the CRM v3 paths (``contacts``, ``deals``,
  ``emails``, ``calls``, ``meetings``, ``notes``, ``tasks``); every property
  value is a string or None, as HubSpot sends them (datetimes as ISO 8601 with
  milliseconds and ``Z``, dates as ``YYYY-MM-DD``, booleans as ``"true"`` /
  ``"false"``).
* Salesforce: sObject names (``Lead``, ``Contact``, ``Account``, ``Opportunity``,
  ``OpportunityContactRole``, ``Task``, ``Event``, ``Campaign``,
  ``CampaignMember``, ``User``) with Python values (str, bool, int, float,
  ``datetime`` in UTC, ``date``, None); the emulator serialises them the way
  Salesforce does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class HubSpotObject:
    """One CRM object. ``created_at`` / ``updated_at`` are the object's createdAt / updatedAt."""

    id: str
    properties: dict[str, str | None]
    created_at: datetime
    updated_at: datetime
    archived: bool = False


@dataclass(slots=True)
class HubSpotAssociation:
    """A v4 association between two objects (e.g. ``tasks`` -> ``contacts``), default type."""

    from_type: str
    from_id: str
    to_type: str
    to_id: str


@dataclass(slots=True)
class HubSpotEmailEvent:
    """A marketing email event as ``/email/public/v1/events`` returns it.

    ``type`` is SENT, DELIVERED, OPEN, CLICK, BOUNCE...; ``filtered_event``
    marks HubSpot's bot filter (machine opens and clicks), which a reader must
    not count as engagement.
    """

    id: str
    type: str
    recipient: str
    created: datetime
    email_campaign_id: int
    email_name: str
    filtered_event: bool = False
    url: str | None = None
    bounce_category: str | None = None


@dataclass(slots=True)
class HubSpotTimelineEvent:
    """A behavioural event (``e_visited_page``, ``e_submitted_form``) from the Events API."""

    id: str
    event_type: str
    object_id: str
    occurred_at: datetime
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class HubSpotOwner:
    id: str
    email: str
    first_name: str
    last_name: str
    user_id: int
    archived: bool = False


@dataclass(slots=True)
class HubSpotSeed:
    objects: dict[str, list[HubSpotObject]] = field(default_factory=dict)
    associations: list[HubSpotAssociation] = field(default_factory=list)
    email_events: list[HubSpotEmailEvent] = field(default_factory=list)
    timeline_events: list[HubSpotTimelineEvent] = field(default_factory=list)
    owners: list[HubSpotOwner] = field(default_factory=list)
    # contact ids merged away -> the id they were merged into (GET by old id redirects)
    merged: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class SalesforceSeed:
    """sObject name -> records (field name -> value). Every record has ``Id``,
    ``CreatedDate``, ``SystemModstamp`` and ``IsDeleted`` (True for records
    deleted or merged away, which only ``queryAll`` returns)."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Deleted records and when, for getDeleted (id -> deletedDate).
    deleted: dict[str, datetime] = field(default_factory=dict)


@dataclass(slots=True)
class SandboxDataset:
    hubspot: HubSpotSeed
    salesforce: SalesforceSeed
    # the instant the dataset was generated "as of" (the world's now)
    now: datetime
    seed: int
    persons: int
