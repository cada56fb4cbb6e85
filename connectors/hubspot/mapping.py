"""HubSpot objects and events -> reengage's PlatformRecord / Activity / Deal (SPEC §3's table).

Pure functions over :class:`~connectors.hubspot.streams.RawObject` and plain
event dicts; every name, value and pattern comes from ``rules.sources.hubspot``
(:class:`MappingRules`). What is not activity (open tasks, future, cancelled or
no-show meetings, bot-filtered email events, forwarded emails) maps to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.base import (
    Activity,
    ActivityKind,
    Deal,
    DealStatus,
    Platform,
    PlatformRecord,
    RecordRef,
    RecordType,
)
from connectors.hubspot.streams import RawObject
from connectors.values import BadValue, day, finite_float, instant, strict_bool

HS = Platform.HUBSPOT
_EMAIL_EVENT_KINDS = {
    "SENT": ActivityKind.EMAIL_SENT,
    "OPEN": ActivityKind.EMAIL_OPEN,
    "CLICK": ActivityKind.EMAIL_CLICK,
}
_EMAIL_DIRECTIONS = {
    "EMAIL": ActivityKind.EMAIL_SENT,
    "INCOMING_EMAIL": ActivityKind.EMAIL_REPLY,
}


@dataclass(frozen=True, slots=True)
class MappingRules:
    """``rules.sources.hubspot`` plus the score property, as the mapping needs them."""

    connected_dispositions: frozenset[str]
    held_outcomes: frozenset[str]
    download_pattern: re.Pattern[str]
    won_stages: frozenset[str]
    lost_stages: frozenset[str]
    loss_reason_property: str
    score_property: str

    @classmethod
    def from_rules(cls, rules: Any) -> MappingRules:
        src = rules.sources.hubspot
        return cls(
            frozenset(src.call_connected_dispositions),
            frozenset(src.meeting_held_outcomes),
            re.compile(src.download_form_pattern),
            frozenset(src.won_stages),
            frozenset(src.lost_stages),
            src.loss_reason_property,
            rules.segments.high_score_dormant.hubspot_score_property,
        )


def contact_ref(contact_id: str) -> RecordRef:
    return RecordRef(RecordType.HUBSPOT_CONTACT, contact_id)


def email_ref(address: str) -> RecordRef:
    return RecordRef(RecordType.EMAIL_ADDRESS, address.strip().lower())


def merged_ids(raw: RawObject) -> tuple[str, ...]:
    text = raw.get("hs_merged_object_ids") or ""
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _instant(raw: RawObject, name: str) -> datetime | None:
    return instant(raw.get(name), name)


def contact_records(raw: RawObject, rules: MappingRules) -> list[PlatformRecord]:
    """The contact, plus a deleted record for each id merged into it.

    An archived contact with a value that cannot be read is still a deletion: it comes
    through as deleted with its other values left out, so that it never stays live.

    Raises:
        BadValue: a value of a live contact cannot be read (the connector skips it).
    """
    merged = merged_ids(raw)
    try:
        record = _contact(raw, rules, merged)
    except BadValue:
        if not raw.archived:
            raise
        record = PlatformRecord(contact_ref(raw.id), raw.get("email"), deleted=True)
    gone = [PlatformRecord(ref=contact_ref(i), email=None, deleted=True) for i in merged]
    return [record, *gone]


def _contact(raw: RawObject, rules: MappingRules, merged: tuple[str, ...]) -> PlatformRecord:
    return PlatformRecord(
        ref=contact_ref(raw.id),
        email=raw.get("email"),
        first_name=raw.get("firstname"),
        last_name=raw.get("lastname"),
        company=raw.get("company"),
        owner_id=raw.get("hubspot_owner_id"),
        lifecycle_stage=raw.get("lifecyclestage"),
        lead_status=raw.get("hs_lead_status"),
        created_at=_instant(raw, "createdate"),
        modified_at=_instant(raw, "lastmodifieddate") or raw.updated_at,
        email_opt_out=strict_bool(raw.get("hs_email_optout"), "hs_email_optout"),
        hard_bounce=raw.get("hs_email_hard_bounce_reason_enum") is not None,
        score=finite_float(raw.get(rules.score_property), rules.score_property),
        sf_lead_id=raw.get("salesforceleadid"),
        sf_contact_id=raw.get("salesforcecontactid"),
        merged_ids=merged,
        deleted=raw.archived,
    )


def _activity_kind(
    object_type: str, raw: RawObject, rules: MappingRules, now: datetime
) -> tuple[ActivityKind, datetime | None, str | None] | None:
    """(kind, when, detail) of one engagement, None when it is not activity."""
    at = _instant(raw, "hs_timestamp")
    if object_type == "emails":
        kind = _EMAIL_DIRECTIONS.get(raw.get("hs_email_direction") or "")
        return (kind, at, raw.get("hs_email_subject")) if kind else None
    if object_type == "calls":
        connected = raw.get("hs_call_disposition") in rules.connected_dispositions
        kind = ActivityKind.CALL_CONNECTED if connected else ActivityKind.CALL_ATTEMPT
        return kind, at, raw.get("hs_call_title")
    if object_type == "meetings":
        end = _instant(raw, "hs_meeting_end_time") or at
        held = raw.get("hs_meeting_outcome") in rules.held_outcomes
        if not held or end is None or end > now:
            return None
        return ActivityKind.MEETING_HELD, at or end, raw.get("hs_meeting_title")
    if object_type == "notes":
        return ActivityKind.NOTE, at, None
    if object_type == "tasks":
        if raw.get("hs_task_status") != "COMPLETED":
            return None
        done = _instant(raw, "hs_task_completion_date") or at
        return ActivityKind.TASK, done, raw.get("hs_task_subject")
    return None


def engagement_activities(
    object_type: str, raw: RawObject, rules: MappingRules, now: datetime
) -> list[Activity]:
    """One activity per associated contact; none for what is not activity or has no contact."""
    found = _activity_kind(object_type, raw, rules, now)
    if found is None:
        return []
    kind, at, detail = found
    if at is None:
        return []
    return [
        Activity(
            HS,
            f"{object_type}:{raw.id}:{contact}",
            contact_ref(contact),
            kind,
            at,
            detail=detail,
            deleted=raw.archived,
        )
        for contact in raw.contact_ids
    ]


def engagement_deletion(object_type: str, raw: RawObject) -> Activity:
    """An archived engagement as one deleted activity ``{type}:{id}``, the prefix of its
    per-contact activities ``{type}:{id}:{contact}``: the store marks those deleted too.

    By id, not by contact, because whether an archived engagement's associations can still
    be read is not documented (the contact, when known, is kept only as the row's record).
    """
    at = raw.archived_at or raw.updated_at or datetime.fromtimestamp(0, UTC)
    record = contact_ref(raw.contact_ids[0]) if raw.contact_ids else contact_ref("")
    return Activity(HS, f"{object_type}:{raw.id}", record, ActivityKind.NOTE, at, deleted=True)


def deal(raw: RawObject, rules: MappingRules) -> Deal:
    stage = raw.get("dealstage")
    status = (
        DealStatus.WON
        if stage in rules.won_stages
        else DealStatus.LOST
        if stage in rules.lost_stages
        else DealStatus.OPEN
    )
    return Deal(
        HS,
        raw.id,
        status,
        stage=stage,
        amount=finite_float(raw.get("amount"), "amount"),
        close_date=day(raw.get("closedate"), "closedate"),
        created_at=_instant(raw, "createdate"),
        loss_reason=raw.get(rules.loss_reason_property) if status is DealStatus.LOST else None,
        records=tuple(contact_ref(c) for c in raw.contact_ids),
        deleted=raw.archived,
    )


def email_event_activity(event: Mapping[str, Any], campaign_name: str | None) -> Activity | None:
    """A marketing email event SENT / OPEN / CLICK; bot-filtered and other types are dropped."""
    kind = _EMAIL_EVENT_KINDS.get(str(event.get("type")))
    recipient = event.get("recipient")
    if kind is None or event.get("filteredEvent") or not recipient:
        return None
    at = instant(event.get("created"), "created")
    if at is None:
        return None
    detail = campaign_name or (
        str(event["emailCampaignId"]) if event.get("emailCampaignId") else None
    )
    return Activity(HS, f"email-event:{event['id']}", email_ref(str(recipient)), kind, at, detail)


def form_kind(form_name: str | None, rules: MappingRules) -> ActivityKind:
    """A form conversion is a content download when its name matches the download pattern."""
    if form_name and rules.download_pattern.search(form_name):
        return ActivityKind.CONTENT_DOWNLOAD
    return ActivityKind.FORM_SUBMISSION


def timeline_activity(event: Mapping[str, Any], rules: MappingRules) -> Activity | None:
    """``e_visited_page`` -> web_visit; ``e_submitted_form`` -> form_submission / download."""
    event_type = event.get("eventType")
    props = event.get("properties") or {}
    if event_type == "e_visited_page":
        kind, detail = ActivityKind.WEB_VISIT, props.get("hs_page_title") or props.get("hs_url")
    elif event_type == "e_submitted_form":
        detail = props.get("hs_form_title")
        kind = form_kind(detail, rules)
    else:
        return None
    at = instant(event.get("occurredAt"), "occurredAt")
    object_id = event.get("objectId")
    if at is None or not object_id:
        return None
    return Activity(HS, f"event:{event['id']}", contact_ref(str(object_id)), kind, at, detail)


def conversion_activities(raw: RawObject, rules: MappingRules) -> Iterator[Activity]:
    """The fallback where behavioural events are not available: form conversions and the last
    visit from the contact's summary properties (ids keyed by the instant, so re-reads
    are idempotent)."""
    ref = contact_ref(raw.id)
    recent_name = raw.get("recent_conversion_event_name")
    seen: set[int] = set()
    for prop, name in (
        ("recent_conversion_date", recent_name),
        ("first_conversion_date", None),
    ):
        at = _instant(raw, prop)
        if at is not None and (stamp := int(at.timestamp() * 1000)) not in seen:
            seen.add(stamp)
            yield Activity(HS, f"form:{raw.id}:{stamp}", ref, form_kind(name, rules), at, name)
    visit = _instant(raw, "hs_analytics_last_visit_timestamp")
    if visit is not None:
        stamp = int(visit.timestamp() * 1000)
        yield Activity(HS, f"visit:{raw.id}:{stamp}", ref, ActivityKind.WEB_VISIT, visit)
