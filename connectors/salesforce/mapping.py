"""Salesforce rows -> reengage's domain types (SPEC §3), as pure functions over flat rows.

Rows come flat and typed from either reader (REST JSON or Bulk CSV): booleans are
bools, relationship fields are ``Account.Name``, timestamps are strings that
:mod:`connectors.timeparse` turns into aware UTC; date-only fields are calendar days
(:func:`calendar_day`). Every name and value the
activity rules depend on comes from ``rules.sources.salesforce``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from config.rules_platform import SalesforceSources
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
from connectors.timeparse import parse_date
from connectors.values import BadValue, checked_date, finite_float, instant, strict_bool

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


def _flag(row: Mapping[str, Any], name: str) -> bool:
    """A checkbox: JSON true / false or the text "true" / "false" (Bulk CSV), else BadValue."""
    return strict_bool(row.get(name), name)


def _at(row: Mapping[str, Any], name: str) -> datetime | None:
    return instant(row.get(name), name)


def _as_written(text: str) -> datetime | str:
    """A datetime string with the offset it was written in (``+0000`` and ``Z`` read as
    ``+00:00``); the text itself when it is no datetime."""
    candidate = text.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", candidate):
        candidate = candidate[:-2] + ":" + candidate[-2:]
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return text


def calendar_day(value: str | date | None) -> date | None:
    """A date-only field (``CloseDate``, ``ActivityDate``) as the calendar day it names.

    Salesforce answers ``yyyy-MM-dd``, read as is: no zone is applied, so the day never
    moves. A datetime in its place is read as written when it is midnight in its own
    offset (``2026-11-24T00:00:00+0900`` is the 24th); any other time is the instant of
    midnight UTC seen from some zone (``2026-11-23T16:00:00-0800``), whose UTC day is
    the day, since Salesforce stamps date fields at midnight UTC.

    Raises:
        TimestampError: the value is no date (a record's problem, named by the caller).
    """
    if isinstance(value, str) and "T" in value:
        value = _as_written(value)
    if isinstance(value, datetime):
        if value.time() == time(0) or value.tzinfo is None:
            return value.date()
        return value.astimezone(UTC).date()
    return parse_date(value)


def day_instant(value: str | date | None) -> datetime | None:
    """The instant a date-only field stands for: 00:00 UTC of its day.

    That is the timestamp Salesforce documents for date fields ("always midnight UTC;
    not relevant, do not alter it for time zones"), and the day read back in UTC is
    the day Salesforce shows. A day carries no time: in a zone west of UTC the instant
    falls on the evening before, which only matters to whoever converts it again.
    """
    day = calendar_day(value)
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


def to_record(row: Mapping[str, Any], record_type: RecordType) -> PlatformRecord:
    """A Lead or Contact row as a PlatformRecord (merged-away and deleted rows included).

    A deleted row with another value that cannot be read is still a deletion: it comes
    through as deleted (with its merge master), its other values left out.

    Raises:
        BadValue: a value of a live row cannot be read (the connector skips the row).
    """
    try:
        return _record(row, record_type)
    except BadValue:
        if not _surely(row, "IsDeleted"):
            raise
        ref = RecordRef(record_type, str(row["Id"]))
        master = _text(row, "MasterRecordId")
        return PlatformRecord(ref, _text(row, "Email"), master_record_id=master, deleted=True)


def _surely(row: Mapping[str, Any], name: str) -> bool:
    """A checkbox that reads as true (an unreadable one is not)."""
    try:
        return _flag(row, name)
    except BadValue:
        return False


def _record(row: Mapping[str, Any], record_type: RecordType) -> PlatformRecord:
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
        created_at=_at(row, "CreatedDate"),
        modified_at=_at(row, "SystemModstamp"),
        email_opt_out=_flag(row, "HasOptedOutOfEmail"),
        hard_bounce=row.get("EmailBouncedDate") not in (None, ""),
        do_not_call=_flag(row, "DoNotCall"),
        sf_lead_id=record_id if lead else None,
        sf_contact_id=None if lead else record_id,
        converted_contact_id=_text(row, "ConvertedContactId")
        if _flag(row, "IsConverted")
        else None,
        master_record_id=_text(row, "MasterRecordId"),
        deleted=_flag(row, "IsDeleted"),
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
    Whether it is a copy is for :mod:`sync.identity.timeline` to decide, by pairing it
    with the person's HubSpot event; its subject only names the kind when it
    says (``Email Opened: X`` is an open), else it is a send.
    """
    ref = who_ref(_text(row, "WhoId"))
    if ref is None or not _flag(row, "IsClosed"):
        return None
    subject = _text(row, "Subject") or ""
    matched = rules.mirror.match(subject)
    candidate = bool(matched) or is_email_task(row, rules.sources)
    due = None if candidate else row.get("ActivityDate")
    done = row.get("CompletedDateTime")
    when = instant(done or due, "CompletedDateTime" if done else "ActivityDate") or instant(
        row.get("CreatedDate"), "CreatedDate"
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
        SF, f"task:{row['Id']}", ref, kind, when, detail, mirror_of, _flag(row, "IsDeleted")
    )


def event_activity(row: Mapping[str, Any], rules: ActivityRules) -> Activity | None:
    """An Event whose end is past is a meeting held; a future one is not activity yet."""
    ref = who_ref(_text(row, "WhoId"))
    start = _at(row, "StartDateTime")
    end = _at(row, "EndDateTime") or start
    if ref is None or start is None or end is None or end > rules.now:
        return None
    return Activity(
        SF,
        f"event:{row['Id']}",
        ref,
        ActivityKind.MEETING_HELD,
        start,
        _text(row, "Subject"),
        deleted=_flag(row, "IsDeleted"),
    )


def member_activity(row: Mapping[str, Any], rules: ActivityRules) -> Activity | None:
    """A CampaignMember by its campaign's Type: registration, attendance or download."""
    ref = who_ref(_text(row, "ContactId")) or who_ref(_text(row, "LeadId"))
    name, campaign_type = rules.campaigns.get(str(row.get("CampaignId")), (None, None))
    if ref is None or campaign_type is None:
        return None
    src = rules.sources
    responded = _flag(row, "HasResponded")
    responded_at = checked_date("FirstRespondedDate", day_instant, row.get("FirstRespondedDate"))
    when: datetime | None
    if campaign_type in src.event_campaign_types:
        if responded and responded_at is not None:
            kind, when = ActivityKind.EVENT_ATTENDANCE, responded_at
        elif row.get("Status") in src.registered_statuses:
            kind, when = ActivityKind.EVENT_REGISTRATION, _at(row, "CreatedDate")
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
        deleted=_flag(row, "IsDeleted"),
    )


def deal_status(row: Mapping[str, Any]) -> DealStatus:
    if _flag(row, "IsWon"):
        return DealStatus.WON
    return DealStatus.LOST if _flag(row, "IsClosed") else DealStatus.OPEN


def to_deal(row: Mapping[str, Any], contact_ids: list[str]) -> Deal:
    """An Opportunity with the Contacts its OpportunityContactRoles name."""
    return Deal(
        platform=SF,
        deal_id=str(row["Id"]),
        status=deal_status(row),
        stage=_text(row, "StageName"),
        amount=finite_float(row.get("Amount"), "Amount"),
        close_date=checked_date("CloseDate", calendar_day, row.get("CloseDate")),
        created_at=_at(row, "CreatedDate"),
        loss_reason=_text(row, "Loss_Reason__c"),
        records=tuple(
            RecordRef(RecordType.SALESFORCE_CONTACT, c) for c in sorted(set(contact_ids))
        ),
        deleted=_flag(row, "IsDeleted"),
    )


def to_owner(row: Mapping[str, Any]) -> Owner:
    """A User; one whose ``IsActive`` cannot be read is taken as inactive (its tasks go to
    the fallback owner), since owners are read whole, not as pages that can skip a row."""
    try:
        active = strict_bool(row.get("IsActive"), "IsActive")
    except BadValue:
        active = False
    return Owner(SF, str(row["Id"]), _text(row, "Name"), _text(row, "Email"), active)
