"""SDK-neutral objects and events -> PlatformRecord / Activity / Deal (SPEC §3's table)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from config.rules import load_rules
from connectors.base import ActivityKind, DealStatus, RecordRef, RecordType
from connectors.hubspot import mapping
from connectors.hubspot.mapping import MappingRules
from connectors.hubspot.streams import RawObject

RULES = MappingRules.from_rules(load_rules())
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CONNECTED = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
NO_ANSWER = "73a0d17f-1163-4015-bdd5-ec830791da20"
PAST = "2026-10-01T10:00:00.000Z"
FUTURE = "2026-12-01T10:00:00.000Z"


def raw(object_id: str = "11", contacts: tuple[str, ...] = ("501",), **props: str) -> RawObject:
    return RawObject(object_id, dict(props), contact_ids=contacts)


def engagement(**props: str) -> RawObject:
    return raw("11", ("501",), **props)


def contact(**props: str) -> RawObject:
    base = {"email": "Ann@Example.com ", "createdate": "2024-01-02T03:04:05.000Z"}
    return RawObject("501", {**base, **props})


def test_contact_fields() -> None:
    record, *rest = mapping.contact_records(
        contact(
            firstname="Ann",
            hs_email_optout="true",
            hs_email_hard_bounce_reason_enum="MAILBOX_FULL",
            hubspotscore="55",
            salesforceleadid="00Q1",
            lastmodifieddate="1764000000000",
        ),
        RULES,
    )
    assert rest == []
    assert record.ref == RecordRef(RecordType.HUBSPOT_CONTACT, "501")
    assert (record.email, record.first_name) == ("Ann@Example.com ", "Ann")
    assert record.email_opt_out and record.hard_bounce
    assert record.score == 55.0 and record.sf_lead_id == "00Q1"
    assert record.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert record.modified_at is not None and record.modified_at.tzinfo is not None


def test_merged_contacts_come_through_as_deleted() -> None:
    survivor, *gone = mapping.contact_records(contact(hs_merged_object_ids="7;8"), RULES)
    assert survivor.merged_ids == ("7", "8")
    assert [(g.ref.record_id, g.deleted) for g in gone] == [("7", True), ("8", True)]


def test_archived_contact_is_deleted() -> None:
    archived = RawObject("9", {"email": "x@y.z"}, archived=True)
    assert mapping.contact_records(archived, RULES)[0].deleted


@pytest.mark.parametrize(
    ("object_type", "props", "expected"),
    [
        ("emails", {"hs_email_direction": "EMAIL"}, ActivityKind.EMAIL_SENT),
        ("emails", {"hs_email_direction": "INCOMING_EMAIL"}, ActivityKind.EMAIL_REPLY),
        ("emails", {"hs_email_direction": "FORWARDED_EMAIL"}, None),
        ("calls", {"hs_call_disposition": CONNECTED}, ActivityKind.CALL_CONNECTED),
        ("calls", {"hs_call_disposition": NO_ANSWER}, ActivityKind.CALL_ATTEMPT),
        ("meetings", {"hs_meeting_outcome": "COMPLETED"}, ActivityKind.MEETING_HELD),
        ("meetings", {"hs_meeting_outcome": "NO_SHOW"}, None),
        ("meetings", {"hs_meeting_outcome": "CANCELED"}, None),
        (
            "meetings",
            {"hs_meeting_outcome": "COMPLETED", "hs_meeting_end_time": FUTURE},
            None,
        ),
        ("notes", {"hs_note_body": "hi"}, ActivityKind.NOTE),
        ("tasks", {"hs_task_status": "COMPLETED"}, ActivityKind.TASK),
        ("tasks", {"hs_task_status": "NOT_STARTED"}, None),
    ],
    ids=[
        "email-sent",
        "email-reply",
        "email-forwarded",
        "call-connected",
        "call-attempt",
        "meeting-held",
        "meeting-no-show",
        "meeting-cancelled",
        "meeting-future",
        "note",
        "task-completed",
        "task-open",
    ],
)
def test_engagement_kinds(
    object_type: str, props: dict[str, str], expected: ActivityKind | None
) -> None:
    found = mapping.engagement_activities(
        object_type, engagement(hs_timestamp=PAST, **props), RULES, NOW
    )
    assert [a.kind for a in found] == ([expected] if expected else [])


def test_one_activity_per_associated_contact_none_without_contact() -> None:
    two = raw(contacts=("1", "2"), hs_timestamp=PAST, hs_note_body="x")
    found = mapping.engagement_activities("notes", two, RULES, NOW)
    assert [a.record.record_id for a in found] == ["1", "2"]
    assert len({a.activity_id for a in found}) == 2
    assert (
        mapping.engagement_activities("notes", raw(contacts=(), hs_timestamp=PAST), RULES, NOW)
        == []
    )


@pytest.mark.parametrize(
    ("stage", "status", "reason"),
    [
        ("closedwon", DealStatus.WON, None),
        ("closedlost", DealStatus.LOST, "Price"),
        ("contractsent", DealStatus.OPEN, None),
    ],
    ids=["won", "lost", "open"],
)
def test_deals(stage: str, status: DealStatus, reason: str | None) -> None:
    found = mapping.deal(
        raw(dealstage=stage, amount="1200.5", closedate="2025-03-04", closed_lost_reason="Price"),
        RULES,
    )
    assert (found.status, found.loss_reason, found.amount) == (status, reason, 1200.5)
    assert found.close_date is not None and found.close_date.isoformat() == "2025-03-04"
    assert found.records == (RecordRef(RecordType.HUBSPOT_CONTACT, "501"),)


def email_event(**over: Any) -> dict[str, Any]:
    event = {
        "id": "ev1",
        "type": "OPEN",
        "recipient": " Ann@Example.COM",
        "created": 1_764_000_000_000,
        "emailCampaignId": 7,
        "filteredEvent": False,
    }
    event.update(over)
    return event


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"type": "SENT"}, ActivityKind.EMAIL_SENT),
        ({"type": "OPEN"}, ActivityKind.EMAIL_OPEN),
        ({"type": "CLICK"}, ActivityKind.EMAIL_CLICK),
        ({"type": "OPEN", "filteredEvent": True}, None),
        ({"type": "DELIVERED"}, None),
        ({"type": "BOUNCE"}, None),
    ],
    ids=["sent", "open", "click", "bot-filtered", "delivered", "bounce"],
)
def test_email_events(over: dict[str, Any], expected: ActivityKind | None) -> None:
    found = mapping.email_event_activity(email_event(**over), "Spring news")
    assert (found.kind if found else None) == expected
    if found:
        assert found.record == RecordRef(RecordType.EMAIL_ADDRESS, "ann@example.com")
        assert found.detail == "Spring news" and found.activity_id == "email-event:ev1"


@pytest.mark.parametrize(
    ("event_type", "props", "expected"),
    [
        ("e_visited_page", {"hs_page_title": "Pricing"}, ActivityKind.WEB_VISIT),
        ("e_submitted_form", {"hs_form_title": "Contact us"}, ActivityKind.FORM_SUBMISSION),
        ("e_submitted_form", {"hs_form_title": "Whitepaper: AI"}, ActivityKind.CONTENT_DOWNLOAD),
        (
            "e_submitted_form",
            {"hs_form_title": "製品資料ダウンロード"},
            ActivityKind.CONTENT_DOWNLOAD,
        ),
        ("e_other", {}, None),
    ],
    ids=["visit", "form", "download-en", "download-ja", "other"],
)
def test_behavioural_events(
    event_type: str, props: dict[str, str], expected: ActivityKind | None
) -> None:
    event = {
        "id": "x1",
        "eventType": event_type,
        "objectId": "501",
        "occurredAt": "2026-10-01T10:00:00Z",
        "properties": props,
    }
    found = mapping.timeline_activity(event, RULES)
    assert (found.kind if found else None) == expected


def test_conversion_properties_fallback() -> None:
    found = list(
        mapping.conversion_activities(
            contact(
                first_conversion_date="2025-01-01T00:00:00.000Z",
                recent_conversion_date="2026-01-01T00:00:00.000Z",
                recent_conversion_event_name="eBook download",
                hs_analytics_last_visit_timestamp="2026-02-01T00:00:00.000Z",
            ),
            RULES,
        )
    )
    assert [a.kind for a in found] == [
        ActivityKind.CONTENT_DOWNLOAD,
        ActivityKind.FORM_SUBMISSION,
        ActivityKind.WEB_VISIT,
    ]
    same = contact(
        first_conversion_date="2026-01-01T00:00:00.000Z",
        recent_conversion_date="2026-01-01T00:00:00.000Z",
    )
    assert len(list(mapping.conversion_activities(same, RULES))) == 1
