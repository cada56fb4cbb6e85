"""Fields Salesforce computes on save, and the CampaignMember uniqueness rule.

Kept apart from validation so that seeds (which bring these values along) and writes
(which must compute them) agree: Task ``IsClosed`` follows ``Status``, Opportunity
``IsClosed`` / ``IsWon`` follow the stage, CampaignMember ``HasResponded`` follows its
status, person ``Name`` joins first and last name.
"""

from __future__ import annotations

from datetime import datetime

from sandbox.salesforce.store import Record, Table

CLOSED_TASK_STATUSES = frozenset({"Completed"})
WON_STAGES = frozenset({"Closed Won"})
CLOSED_STAGES = frozenset({"Closed Won", "Closed Lost"})
NOT_RESPONDED_MEMBER_STATUSES = frozenset({"Sent"})
MemberKey = tuple[str, str]


def apply_derived(object_name: str, record: Record, now: datetime) -> None:
    """Recomputes the fields that follow from others after a create or update."""
    if object_name in ("Lead", "Contact", "User"):
        parts = (record.get("FirstName"), record.get("LastName"))
        record["Name"] = " ".join(p for p in parts if p) or None
    elif object_name == "Task":
        record["IsClosed"] = record.get("Status") in CLOSED_TASK_STATUSES
    elif object_name == "Opportunity":
        stage = record.get("StageName")
        record["IsClosed"] = stage in CLOSED_STAGES
        record["IsWon"] = stage in WON_STAGES
    elif object_name == "CampaignMember":
        responded = record.get("Status") not in NOT_RESPONDED_MEMBER_STATUSES
        record["HasResponded"] = responded
        if responded and record.get("FirstRespondedDate") is None:
            record["FirstRespondedDate"] = now.date()


def member_key(record: Record) -> MemberKey | None:
    """(campaign, person) of a CampaignMember, on 15-character ids; None if incomplete."""
    campaign = record.get("CampaignId")
    person = record.get("LeadId") or record.get("ContactId")
    if not campaign or not person:
        return None
    return (str(campaign)[:15], str(person)[:15])


class MemberIndex:
    """Live CampaignMember keys, so a second member for the same person is DUPLICATE_VALUE."""

    def __init__(self) -> None:
        self._keys: dict[MemberKey, str] | None = None

    def invalidate(self) -> None:
        self._keys = None

    def keys(self, table: Table) -> dict[MemberKey, str]:
        if self._keys is None:
            self._keys = {}
            for record in table.records.values():
                key = member_key(record)
                if key is not None and not record.get("IsDeleted"):
                    self._keys[key] = record["Id"]
        return self._keys

    def add(self, table: Table, record: Record) -> None:
        key = member_key(record)
        if key is not None:
            self.keys(table)[key] = record["Id"]

    def discard(self, table: Table, record: Record) -> None:
        key = member_key(record)
        if key is not None and self.keys(table).get(key) == record["Id"]:
            del self.keys(table)[key]
