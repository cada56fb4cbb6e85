"""What the emulated platforms hold after a run, read straight from their state.

Nothing here goes through reengage's connectors: lists, campaign members,
record fields and tasks are read from the emulators' own memory
(``HubSpotState`` / ``SalesforceState``), so a test compares what the platforms
hold, not what reengage believes it wrote. The snapshot is plain data, taken at
one moment, so later runs against the same sandbox cannot change it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from config.rules import Rules
from sandbox.sandbox import Sandbox

HUBSPOT_TASK_KEY = "reengage_task_key"
HUBSPOT_HANDOFF = "hs_lead_status"
SALESFORCE_HANDOFF = "Status"


@dataclass(frozen=True)
class TaskSeen:
    """One reengage call task on a platform (``priority`` upper-case, HubSpot MEDIUM = NORMAL)."""

    platform: str
    task_id: str
    key: str
    record_id: str | None
    due: date
    priority: str
    owner: str | None


@dataclass(frozen=True, repr=False)
class PlatformState:
    """One platform's reengage lists, the reengage fields of every record, and its tasks.

    ``members``: list / campaign name -> member record ids; ``fields``: record id ->
    reengage field name -> value as the platform stores it (only fields that hold a
    value); ``handoff``: record id -> the hand-off field's value; ``owners``: record id ->
    its owner; ``active_owners``: the owners (users) who are active.
    """

    members: dict[str, frozenset[str]]
    fields: dict[str, dict[str, Any]]
    handoff: dict[str, Any]
    tasks: tuple[TaskSeen, ...]
    owners: dict[str, str | None]
    active_owners: frozenset[str]

    def task_keys(self) -> Counter[str]:
        return Counter(t.key for t in self.tasks)

    def lists_of(self, record_id: str) -> set[str]:
        return {name for name, ids in self.members.items() if record_id in ids}


@dataclass(frozen=True, repr=False)
class Readback:
    hubspot: PlatformState
    salesforce: PlatformState


def read_back(box: Sandbox, rules: Rules) -> Readback:
    """Both platforms' reengage state, now."""
    return Readback(_hubspot(box, rules), _salesforce(box, rules))


def _hubspot(box: Sandbox, rules: Rules) -> PlatformState:
    state = box.hubspot.state
    names = list(rules.fields.hubspot.model_dump(exclude={"group"}).values())
    with state.lock:
        members = {
            lst.name: frozenset(lst.members)
            for lst in state.lists.values()
            if lst.name.startswith(rules.lists.prefix)
        }
        fields: dict[str, dict[str, Any]] = {}
        handoff: dict[str, Any] = {}
        owners: dict[str, str | None] = {}
        for contact in state.objects("contacts", archived=False):
            values = {n: contact.properties.get(n) for n in names}
            fields[contact.id] = {n: v for n, v in values.items() if v not in (None, "")}
            handoff[contact.id] = contact.properties.get(HUBSPOT_HANDOFF)
            owners[contact.id] = contact.properties.get("hubspot_owner_id")
        active = frozenset(o.id for o in state.owners if not o.archived)
        tasks = tuple(
            _hubspot_task(box, task.id, task.properties)
            for task in state.objects("tasks", archived=False)
            if task.properties.get(HUBSPOT_TASK_KEY)
        )
    return PlatformState(members, fields, handoff, tasks, owners, active)


def _hubspot_task(box: Sandbox, task_id: str, props: dict[str, str | None]) -> TaskSeen:
    contacts = box.hubspot.state.associated("tasks", task_id, "contacts")
    priority = str(props.get("hs_task_priority") or "").upper()
    return TaskSeen(
        platform="hubspot",
        task_id=task_id,
        key=str(props[HUBSPOT_TASK_KEY]),
        record_id=contacts[0] if contacts else None,
        due=_hubspot_date(str(props.get("hs_timestamp") or "")),
        priority="NORMAL" if priority == "MEDIUM" else priority,
        owner=props.get("hubspot_owner_id"),
    )


def _hubspot_date(value: str) -> date:
    """A HubSpot datetime property (epoch ms or ISO-8601) as its UTC date."""
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, UTC).date()
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).date()


def _salesforce(box: Sandbox, rules: Rules) -> PlatformState:
    state = box.salesforce.state
    names = list(rules.fields.salesforce.model_dump(exclude={"task_key"}).values())
    key_field = rules.fields.salesforce.task_key
    with state.lock:
        campaigns = {
            str(c["Id"]): str(c["Name"])
            for c in state.records("Campaign")
            if str(c.get("Name") or "").startswith(rules.lists.prefix)
        }
        found: dict[str, set[str]] = {name: set() for name in campaigns.values()}
        for m in state.records("CampaignMember"):
            name = campaigns.get(str(m.get("CampaignId")))
            if name is not None:
                found[name].add(str(m.get("LeadId") or m.get("ContactId")))
        fields: dict[str, dict[str, Any]] = {}
        handoff: dict[str, Any] = {}
        owners: dict[str, str | None] = {}
        for sobject in ("Lead", "Contact"):
            for record in state.records(sobject):
                rid = str(record["Id"])
                fields[rid] = {n: record.get(n) for n in names if record.get(n) not in (None, "")}
                handoff[rid] = record.get(SALESFORCE_HANDOFF) if sobject == "Lead" else None
                owners[rid] = record.get("OwnerId")
        active = frozenset(str(u["Id"]) for u in state.records("User") if u.get("IsActive"))
        tasks = tuple(
            TaskSeen(
                platform="salesforce",
                task_id=str(t["Id"]),
                key=str(t[key_field]),
                record_id=str(t["WhoId"]) if t.get("WhoId") else None,
                due=t["ActivityDate"],
                priority=str(t.get("Priority") or "").upper(),
                owner=t.get("OwnerId"),
            )
            for t in state.records("Task")
            if t.get(key_field)
        )
    members = {name: frozenset(ids) for name, ids in found.items()}
    return PlatformState(members, fields, handoff, tasks, owners, active)
