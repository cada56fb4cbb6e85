"""Salesforce rows -> reengage's domain types (SPEC §3), as pure functions over flat rows.

Rows come flat and typed from either reader (REST JSON or Bulk CSV): booleans are
bools, relationship fields are ``Account.Name``, timestamps are strings that
:mod:`connectors.timeparse` turns into aware UTC. Every name and value the
activity rules depend on comes from ``rules.sources.salesforce``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from config.rules import SalesforceSources
from connectors.base import (
    Activity,
    ActivityKind,
    Deal,
    DealStatus,
    Owner,
    Platform,
    PlatformRecord,
    RecordRef,
    RecordType,
)
from connectors.timeparse import parse_date, parse_instant

SF = Platform.SALESFORCE
MIRROR_OF = "hubspot_email_event"
"""``Activity.mirror_of`` of a task that may copy a HubSpot email event (a candidate)."""
_EMAIL_KINDS = (ActivityKind.EMAIL_SENT, ActivityKind.EMAIL_OPEN, ActivityKind.EMAIL_CLICK)
_PREFIX_TYPES = {"00Q": RecordType.SALESFORCE_LEAD, "003": RecordType.SALESFORCE_CONTACT}


def who_ref(record_id: str | None) -> RecordRef | None:
    """A Lead or Contact id as a reference; anything else (an Account, nothing) is None."""
    if not record_id:
        return None
    record_type = _PREFIX_TYPES.get(record_id[:3])
    return None if record_type is None else RecordRef(record_type, record_id)


def _text(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    return None if value in (None, "") else str(value)


def to_record(row: Mapping[str, Any], record_type: RecordType) -> PlatformRecord:
    """A Lead or Contact row as a PlatformRecord (merged-away and deleted rows included)."""
    lead = record_type == RecordType.SALESFORCE_LEAD
    record_id = str(row["Id"])
    return PlatformRecord(
        ref=RecordRef(record_type, record_id),
        email=_text(row, "Email"),
        first_name=_text(row, "FirstName"),
        last_name=_text(row, "LastName"),
        company=_text(row, "Company" if lead else "Account.Name"),
        owner_id=_text(row, "OwnerId"),
        lead_status=_text(row, "Status") if lead else None,
        created_at=parse_instant(row.get("CreatedDate")),
        modified_at=parse_instant(row.get("SystemModstamp")),
        email_opt_out=bool(row.get("HasOptedOutOfEmail")),
        hard_bounce=row.get("EmailBouncedDate") not in (None, ""),
        do_not_call=bool(row.get("DoNotCall")),
        sf_lead_id=record_id if lead else None,
        sf_contact_id=None if lead else record_id,
        converted_contact_id=_text(row, "ConvertedContactId") if row.get("IsConverted") else None,
        master_record_id=_text(row, "MasterRecordId"),
        deleted=bool(row.get("IsDeleted")),
    )


@dataclass(frozen=True)
class ActivityRules:
    """What the activity mapping needs: the rules, the campaigns by id, and now."""

    sources: SalesforceSources
    now: datetime
    campaigns: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def mirror(self) -> re.Pattern[str]:
        return re.compile(self.sources.hubspot_mirror_subject_pattern)


def _mirror_kind(matched: str) -> ActivityKind:
    lowered = matched.lower()
    if "open" in lowered:
        return ActivityKind.EMAIL_OPEN
    if "click" in lowered:
        return ActivityKind.EMAIL_CLICK
    return ActivityKind.EMAIL_SENT


def is_email_task(row: Mapping[str, Any], sources: SalesforceSources) -> bool:
    """A Task that records an email, by ``TaskSubtype`` (Email, ListEmail) or ``Type``."""
    return (
        row.get("TaskSubtype") in sources.email_task_subtypes
        or row.get("Type") in sources.email_task_types
    )


def task_kind(row: Mapping[str, Any], sources: SalesforceSources) -> ActivityKind:
    subtype, kind = row.get("TaskSubtype"), row.get("Type")
    if subtype in sources.email_task_subtypes:
        return ActivityKind.EMAIL_SENT
    if subtype == "Call" or kind == "Call":
        if row.get("CallDisposition") in sources.call_connected_dispositions:
            return ActivityKind.CALL_CONNECTED
        return ActivityKind.CALL_ATTEMPT
    return ActivityKind.EMAIL_SENT if kind in sources.email_task_types else ActivityKind.TASK


def task_activity(row: Mapping[str, Any], rules: ActivityRules) -> Activity | None:
    """A closed Task as its activity; open tasks are not activity (None).

    A closed email task (by subtype or type) or one whose subject reads like the
    integration's may be the HubSpot–Salesforce integration's copy of a HubSpot
    email event: it is marked ``mirror_of`` and timed at its completion, else its
    creation (``ActivityDate`` is a day, too coarse to pair it with its event).
    Whether it is a copy is for :mod:`sync.timeline` to decide, by pairing it
    with the person's HubSpot event; its subject only names the kind when it
    says (``Email Opened: X`` is an open), else it is a send.
    """
    ref = who_ref(_text(row, "WhoId"))
    if ref is None or not row.get("IsClosed"):
        return None
    subject = _text(row, "Subject") or ""
    matched = rules.mirror.match(subject)
    candidate = bool(matched) or is_email_task(row, rules.sources)
    due = None if candidate else row.get("ActivityDate")
    when = parse_instant(row.get("CompletedDateTime") or due) or parse_instant(
        row.get("CreatedDate")
    )
    if when is None:
        return None
    detail: str | None = subject or None
    if matched:
        kind = _mirror_kind(matched.group(0))
        detail = subject[matched.end() :].strip() or subject
    else:
        kind = task_kind(row, rules.sources)
    mirror_of = MIRROR_OF if candidate and kind in _EMAIL_KINDS else None
    return Activity(
        SF, f"task:{row['Id']}", ref, kind, when, detail, mirror_of, bool(row.get("IsDeleted"))
    )


def event_activity(row: Mapping[str, Any], rules: ActivityRules) -> Activity | None:
    """An Event whose end is past is a meeting held; a future one is not activity yet."""
    ref = who_ref(_text(row, "WhoId"))
    start = parse_instant(row.get("StartDateTime"))
    end = parse_instant(row.get("EndDateTime")) or start
    if ref is None or start is None or end is None or end > rules.now:
        return None
    return Activity(
        SF,
        f"event:{row['Id']}",
        ref,
        ActivityKind.MEETING_HELD,
        start,
        _text(row, "Subject"),
        deleted=bool(row.get("IsDeleted")),
    )


def member_activity(row: Mapping[str, Any], rules: ActivityRules) -> Activity | None:
    """A CampaignMember by its campaign's Type: registration, attendance or download."""
    ref = who_ref(_text(row, "ContactId")) or who_ref(_text(row, "LeadId"))
    name, campaign_type = rules.campaigns.get(str(row.get("CampaignId")), (None, None))
    if ref is None or campaign_type is None:
        return None
    src = rules.sources
    responded = bool(row.get("HasResponded"))
    responded_at = parse_instant(row.get("FirstRespondedDate"))
    when: datetime | None
    if campaign_type in src.event_campaign_types:
        if responded and responded_at is not None:
            kind, when = ActivityKind.EVENT_ATTENDANCE, responded_at
        elif row.get("Status") in src.registered_statuses:
            kind, when = ActivityKind.EVENT_REGISTRATION, parse_instant(row.get("CreatedDate"))
        else:
            return None  # invited (Sent) is not activity
    elif campaign_type in src.content_campaign_types and responded and responded_at is not None:
        kind, when = ActivityKind.CONTENT_DOWNLOAD, responded_at
    else:
        return None
    if when is None:
        return None
    return Activity(
        SF,
        f"campaign_member:{row['Id']}:{kind.value}",
        ref,
        kind,
        when,
        name,
        deleted=bool(row.get("IsDeleted")),
    )


def deal_status(row: Mapping[str, Any]) -> DealStatus:
    if row.get("IsWon"):
        return DealStatus.WON
    return DealStatus.LOST if row.get("IsClosed") else DealStatus.OPEN


def to_deal(row: Mapping[str, Any], contact_ids: list[str]) -> Deal:
    """An Opportunity with the Contacts its OpportunityContactRoles name."""
    amount = row.get("Amount")
    return Deal(
        platform=SF,
        deal_id=str(row["Id"]),
        status=deal_status(row),
        stage=_text(row, "StageName"),
        amount=None if amount in (None, "") else float(amount),
        close_date=parse_date(row.get("CloseDate")),
        created_at=parse_instant(row.get("CreatedDate")),
        loss_reason=_text(row, "Loss_Reason__c"),
        records=tuple(
            RecordRef(RecordType.SALESFORCE_CONTACT, c) for c in sorted(set(contact_ids))
        ),
        deleted=bool(row.get("IsDeleted")),
    )


def to_owner(row: Mapping[str, Any]) -> Owner:
    return Owner(
        SF, str(row["Id"]), _text(row, "Name"), _text(row, "Email"), bool(row.get("IsActive"))
    )
