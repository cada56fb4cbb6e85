"""Rows -> domain types, per SPEC §3's table and ``rules.sources.salesforce``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from config.rules_platform import SalesforceSources
from connectors.base import ActivityKind, DealStatus, RecordRef, RecordType
from connectors.salesforce import mapping

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LEAD = "00Q000000000001AAA"
CONTACT = "003000000000001AAA"
RULES = mapping.ActivityRules(
    SalesforceSources(),
    NOW,
    {
        "701W": ("Spring webinar", "Webinar"),
        "701C": ("Pricing guide", "Content"),
        "701E": ("Newsletter", "Email"),
    },
)


def task(**fields: Any) -> dict[str, Any]:
    row = {
        "Id": "00T1",
        "WhoId": LEAD,
        "IsClosed": True,
        "TaskSubtype": "Task",
        "Type": "Other",
        "Subject": "Follow up",
        "CompletedDateTime": "2026-11-20T10:00:00.000+0000",
        "ActivityDate": "2026-11-20",
        "CreatedDate": "2026-11-19T10:00:00.000+0000",
        "IsDeleted": False,
        "CallDisposition": None,
    }
    return row | fields


def member(**fields: Any) -> dict[str, Any]:
    row = {
        "Id": "00v1",
        "CampaignId": "701W",
        "LeadId": LEAD,
        "ContactId": None,
        "Status": "Sent",
        "HasResponded": False,
        "FirstRespondedDate": None,
        "CreatedDate": "2026-10-01T09:00:00.000Z",
        "IsDeleted": False,
    }
    return row | fields


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"TaskSubtype": "Email"}, ActivityKind.EMAIL_SENT),
        ({"TaskSubtype": "ListEmail"}, ActivityKind.EMAIL_SENT),
        ({"Type": "Email"}, ActivityKind.EMAIL_SENT),
        ({"TaskSubtype": "Call", "CallDisposition": "Spoke"}, ActivityKind.CALL_CONNECTED),
        (
            {"TaskSubtype": "Task", "Type": "Call", "CallDisposition": "Connected"},
            ActivityKind.CALL_CONNECTED,
        ),
        ({"TaskSubtype": "Call", "CallDisposition": "No Answer"}, ActivityKind.CALL_ATTEMPT),
        ({"TaskSubtype": "Call"}, ActivityKind.CALL_ATTEMPT),
        ({}, ActivityKind.TASK),
        ({"IsClosed": False}, None),
        ({"WhoId": None}, None),
        ({"WhoId": "001000000000001AAA"}, None),
    ],
    ids=[
        "email",
        "list-email",
        "type-email",
        "call-connected",
        "type-call-connected",
        "call-no-answer",
        "call-no-disposition",
        "other-task",
        "open-task-dropped",
        "no-who",
        "account-who",
    ],
)
def test_tasks(fields: dict[str, Any], kind: ActivityKind | None) -> None:
    activity = mapping.task_activity(task(**fields), RULES)
    assert (activity.kind if activity else None) == kind
    if activity:
        assert activity.occurred_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
        email = kind == ActivityKind.EMAIL_SENT
        assert activity.mirror_of == (mapping.MIRROR_OF if email else None)
        assert activity.activity_id == "task:00T1"


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Email Sent: Nov newsletter", ActivityKind.EMAIL_SENT),
        ("Email Opened: Nov newsletter", ActivityKind.EMAIL_OPEN),
        ("Email Clicked: Nov newsletter", ActivityKind.EMAIL_CLICK),
    ],
    ids=["sent", "opened", "clicked"],
)
def test_mirrored_hubspot_email_tasks_keep_the_kind_they_mirror(
    subject: str, kind: ActivityKind
) -> None:
    activity = mapping.task_activity(task(TaskSubtype="Email", Subject=subject), RULES)
    assert activity is not None
    assert (activity.kind, activity.mirror_of, activity.detail) == (
        kind,
        mapping.MIRROR_OF,
        "Nov newsletter",
    )


@pytest.mark.parametrize(
    "subject", ["Email: Nov newsletter", "Nov newsletter", "Marketing Email: Nov newsletter"]
)
@pytest.mark.parametrize("subtype", ["Email", "ListEmail"])
def test_any_closed_email_task_is_a_mirror_candidate_whatever_its_subject(
    subject: str, subtype: str
) -> None:
    """The subject does not decide: the timeline pairs the candidate, or keeps it real."""
    activity = mapping.task_activity(task(TaskSubtype=subtype, Subject=subject), RULES)
    assert activity is not None
    assert (activity.kind, activity.mirror_of) == (ActivityKind.EMAIL_SENT, mapping.MIRROR_OF)


def test_an_email_task_without_completion_time_is_timed_at_its_creation() -> None:
    """Its due date is a day: too coarse to pair it with the HubSpot event it may copy."""
    row = task(TaskSubtype="Email", Subject="Email: Nov newsletter", CompletedDateTime=None)
    activity = mapping.task_activity(row, RULES)
    assert activity is not None and activity.occurred_at == datetime(2026, 11, 19, 10, tzinfo=UTC)


def test_a_task_without_completion_time_falls_back_to_its_due_date() -> None:
    activity = mapping.task_activity(task(CompletedDateTime=None), RULES)
    assert activity is not None and activity.occurred_at == datetime(2026, 11, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("end", "held"),
    [("2026-11-24T11:00:00.000+0000", True), ("2026-11-24T13:00:00.000+0000", False)],
    ids=["past", "future"],
)
def test_events_count_once_their_end_is_past(end: str, held: bool) -> None:
    row = {
        "Id": "00U1",
        "WhoId": CONTACT,
        "StartDateTime": "2026-11-24T10:00:00.000+0000",
        "EndDateTime": end,
        "Subject": "Demo",
        "IsDeleted": False,
    }
    activity = mapping.event_activity(row, RULES)
    assert (activity is not None) == held
    if activity:
        assert activity.kind == ActivityKind.MEETING_HELD
        assert activity.record == RecordRef(RecordType.SALESFORCE_CONTACT, CONTACT)


@pytest.mark.parametrize(
    ("fields", "kind", "when"),
    [
        ({"Status": "Sent"}, None, None),
        (
            {"Status": "Registered"},
            ActivityKind.EVENT_REGISTRATION,
            datetime(2026, 10, 1, 9, tzinfo=UTC),
        ),
        (
            {"Status": "Attended", "HasResponded": True, "FirstRespondedDate": "2026-10-05"},
            ActivityKind.EVENT_ATTENDANCE,
            datetime(2026, 10, 5, tzinfo=UTC),
        ),
        (
            {
                "CampaignId": "701C",
                "Status": "Responded",
                "HasResponded": True,
                "FirstRespondedDate": "2026-10-06",
            },
            ActivityKind.CONTENT_DOWNLOAD,
            datetime(2026, 10, 6, tzinfo=UTC),
        ),
        ({"CampaignId": "701C", "Status": "Sent"}, None, None),
        (
            {
                "CampaignId": "701E",
                "Status": "Responded",
                "HasResponded": True,
                "FirstRespondedDate": "2026-10-06",
            },
            None,
            None,
        ),
        ({"CampaignId": "701unknown", "Status": "Registered"}, None, None),
    ],
    ids=[
        "invited-is-not-activity",
        "registered",
        "attended",
        "content-download",
        "content-not-responded",
        "email-campaign-ignored",
        "unknown-campaign",
    ],
)
def test_campaign_members(
    fields: dict[str, Any], kind: ActivityKind | None, when: datetime | None
) -> None:
    activity = mapping.member_activity(member(**fields), RULES)
    assert (activity.kind if activity else None) == kind
    if activity:
        assert activity.occurred_at == when
        assert activity.activity_id == f"campaign_member:00v1:{kind}"


def test_a_lead_carries_conversion_merge_consent_and_deletion() -> None:
    row = {
        "Id": LEAD,
        "Email": "Ann@Example.com",
        "FirstName": "Ann",
        "LastName": "Lee",
        "Company": "Acme",
        "OwnerId": "005A",
        "Status": "Closed - Converted",
        "IsConverted": True,
        "ConvertedContactId": CONTACT,
        "HasOptedOutOfEmail": True,
        "DoNotCall": True,
        "EmailBouncedDate": "2026-01-01T00:00:00.000+0000",
        "MasterRecordId": "00Q000000000002AAA",
        "IsDeleted": True,
        "CreatedDate": "2025-01-01T00:00:00.000+0000",
        "SystemModstamp": "2026-11-24T18:10:32.000+0000",
    }
    record = mapping.to_record(row, RecordType.SALESFORCE_LEAD)
    assert record.converted_contact_id == CONTACT and record.sf_lead_id == LEAD
    assert record.email_opt_out and record.do_not_call and record.hard_bounce
    assert record.master_record_id == "00Q000000000002AAA" and record.deleted
    assert record.company == "Acme" and record.lead_status == "Closed - Converted"
    assert record.modified_at == datetime(2026, 11, 24, 18, 10, 32, tzinfo=UTC)


def test_an_unconverted_lead_has_no_converted_contact() -> None:
    row = {"Id": LEAD, "IsConverted": False, "ConvertedContactId": CONTACT}
    assert mapping.to_record(row, RecordType.SALESFORCE_LEAD).converted_contact_id is None


def test_a_contact_takes_its_company_from_the_account() -> None:
    row = {"Id": CONTACT, "Account.Name": "Acme", "EmailBouncedDate": None}
    record = mapping.to_record(row, RecordType.SALESFORCE_CONTACT)
    assert (record.company, record.sf_contact_id, record.hard_bounce) == ("Acme", CONTACT, False)


@pytest.mark.parametrize(
    ("won", "closed", "status"),
    [(True, True, DealStatus.WON), (False, True, DealStatus.LOST), (False, False, DealStatus.OPEN)],
    ids=["won", "lost", "open"],
)
def test_deals(won: bool, closed: bool, status: DealStatus) -> None:
    row = {
        "Id": "006A",
        "IsWon": won,
        "IsClosed": closed,
        "Amount": 1200.0,
        "CloseDate": "2026-03-01",
        "StageName": "Closed Lost",
        "Loss_Reason__c": "Price",
    }
    deal = mapping.to_deal(row, [CONTACT, CONTACT])
    assert deal.status == status and deal.amount == 1200.0 and deal.loss_reason == "Price"
    assert deal.close_date == date(2026, 3, 1)
    assert deal.records == (RecordRef(RecordType.SALESFORCE_CONTACT, CONTACT),)


def test_owners() -> None:
    owner = mapping.to_owner({"Id": "005A", "Name": "Sam", "Email": "s@x.io", "IsActive": False})
    assert (owner.owner_id, owner.name, owner.active) == ("005A", "Sam", False)
