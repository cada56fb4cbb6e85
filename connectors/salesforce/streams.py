"""The Salesforce streams reengage reads, as declarations (STYLE: streams as data).

A stream names its sObject and the fields it selects. ``optional`` fields are
read only when the org's describe lists them (``Loss_Reason__c`` is a custom field
some orgs lack); every other field must exist, or the run stops with a
configuration error naming it. ``get_deleted`` streams also ask ``getDeleted`` for
deletions the recycle bin no longer shows. ``stamp`` is the replication field.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM = ("Id", "SystemModstamp", "IsDeleted")
PERSON = (
    "FirstName",
    "LastName",
    "Email",
    "OwnerId",
    "CreatedDate",
    "HasOptedOutOfEmail",
    "DoNotCall",
    "EmailBouncedDate",
    "LastActivityDate",
    "MasterRecordId",
)


@dataclass(frozen=True, slots=True)
class Stream:
    name: str
    sobject: str
    fields: tuple[str, ...]
    optional: tuple[str, ...] = ()
    get_deleted: bool = False
    stamp: str = "SystemModstamp"


LEADS = Stream(
    "leads",
    "Lead",
    (*SYSTEM, *PERSON, "Company", "Status", "LeadSource", "IsConverted", "ConvertedContactId"),
    get_deleted=True,
)
CONTACTS = Stream(
    "contacts", "Contact", (*SYSTEM, *PERSON, "AccountId", "Account.Name"), get_deleted=True
)
ACCOUNTS = Stream("accounts", "Account", (*SYSTEM, "Name", "OwnerId", "Industry"))
OPPORTUNITIES = Stream(
    "opportunities",
    "Opportunity",
    (
        *SYSTEM,
        "Name",
        "StageName",
        "IsClosed",
        "IsWon",
        "Amount",
        "CloseDate",
        "CreatedDate",
        "AccountId",
    ),
    optional=("Loss_Reason__c",),
    get_deleted=True,
)
CONTACT_ROLES = Stream(
    "opportunity_contact_roles",
    "OpportunityContactRole",
    (*SYSTEM, "OpportunityId", "ContactId", "IsPrimary"),
)
TASKS = Stream(
    "tasks",
    "Task",
    (
        *SYSTEM,
        "WhoId",
        "Subject",
        "Status",
        "IsClosed",
        "TaskSubtype",
        "Type",
        "CallDisposition",
        "ActivityDate",
        "CompletedDateTime",
        "CreatedDate",
    ),
)
EVENTS = Stream(
    "events", "Event", (*SYSTEM, "WhoId", "Subject", "StartDateTime", "EndDateTime", "CreatedDate")
)
CAMPAIGNS = Stream("campaigns", "Campaign", (*SYSTEM, "Name", "Type", "Status"))
CAMPAIGN_MEMBERS = Stream(
    "campaign_members",
    "CampaignMember",
    (
        *SYSTEM,
        "CampaignId",
        "LeadId",
        "ContactId",
        "Status",
        "HasResponded",
        "FirstRespondedDate",
        "CreatedDate",
    ),
)
USERS = Stream("users", "User", ("Id", "SystemModstamp", "Name", "Email", "IsActive"))

RECORD_STREAMS = (LEADS, CONTACTS)
ACTIVITY_STREAMS = (TASKS, EVENTS, CAMPAIGN_MEMBERS)
ALL_STREAMS = (
    LEADS,
    CONTACTS,
    ACCOUNTS,
    OPPORTUNITIES,
    CONTACT_ROLES,
    TASKS,
    EVENTS,
    CAMPAIGNS,
    CAMPAIGN_MEMBERS,
    USERS,
)
