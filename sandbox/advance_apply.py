"""Writing a week of new world activity into the running emulators, as the renderers would.

The renderers (``dataset.render_*``) turn world activities into seed records;
here the same functions run over a *view* of the world holding only the
week's rows, and their output is inserted into the live states instead of a
seed. Three things differ from a seed load:

* ids: the renderers number records by row; in the view the rows start at 0,
  so email events, behavioural events, Salesforce Tasks and Events are
  renumbered by the week's row offset (the same ids a full re-render would
  give). HubSpot CRM objects take the portal's next ids (``next_id``): the seed's
  ranges end where the emulator's own counter starts, and reengage creates
  tasks there. New CampaignMembers are numbered from ``10**12`` plus the
  week's row offset, clear of the seed's numbering;
* a CampaignMember the person already has (one per campaign and person) is
  updated (status, response) instead of duplicated;
* HubSpot contacts with new activity get the renderer's roll-up properties
  (last open / click / visit, conversions) and a modification date no earlier
  than before, so incremental contact reads see them.

Every new record's modification time is inside the week (an Event the
renderer would date two days before the meeting is dated at the week's start
at the earliest), so an increment from the old ``now`` picks all of it up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from sandbox.dataset.ids import sf_ids
from sandbox.dataset.render_hubspot import _summary as hubspot_summary  # roll-ups
from sandbox.dataset.render_hubspot_activity import (
    email_events,
    engagements,
    timeline_events,
)
from sandbox.dataset.render_salesforce_activity import campaign_members, events, tasks
from sandbox.dataset.routing import hubspot_mask, salesforce_mask
from sandbox.dataset.timecols import to_datetime
from sandbox.dataset.world import World
from sandbox.hubspot.catalog import creation_property
from sandbox.hubspot.state import HubSpotState
from sandbox.hubspot.wire import iso
from sandbox.salesforce.derived import member_key
from sandbox.salesforce.state import SalesforceState

I64 = npt.NDArray[np.int64]
MEMBER_SEQ_BASE = 10**12
_MEMBER_RANK = {"Sent": 0, "Registered": 1, "Attended": 2, "Responded": 3}


@dataclass(frozen=True, slots=True)
class PlatformIds:
    """The ids the renderers give persons and owners, computed once per world."""

    hs_contacts: list[str]
    hs_owners: list[str]
    sf_leads: list[str]
    sf_contacts: list[str]
    sf_owners: list[str]

    @classmethod
    def of(cls, world: World) -> PlatformIds:
        from sandbox.dataset.ids import hs_ids

        n, e, owners = world.persons.count, world.edges, world.owners.active.size
        leads = np.arange(n + e.sf_merged.size + e.dup_lead.size, dtype=np.int64)
        return cls(
            hs_ids("contacts", np.arange(n, dtype=np.int64)),
            hs_ids("owners", np.arange(owners, dtype=np.int64)),
            sf_ids("Lead", leads),
            sf_ids("Contact", np.arange(n, dtype=np.int64)),
            sf_ids("User", np.arange(owners, dtype=np.int64)),
        )


# ----- HubSpot ---------------------------------------------------------------------------


def apply_hubspot(state: HubSpotState, view: World, offset: int, ids: PlatformIds) -> Counter[str]:
    """Adds the view's HubSpot activity to the portal; counts what was added, per kind."""
    mask = hubspot_mask(view)
    added: Counter[str] = Counter()
    mail = email_events(view, mask)
    for event in mail:
        event.id = str(int(event.id) + offset)
    behaviour = timeline_events(view, mask, ids.hs_contacts)
    for item in behaviour:
        item.id = str(int(item.id) + offset)
    objects, links = engagements(view, mask, ids.hs_contacts, ids.hs_owners)
    with state.lock:
        state.email_events.load(mail)
        state.timeline_events.load(behaviour)
        renamed: dict[str, str] = {}
        for type_name, items in objects.items():
            table = state.table(type_name)
            for obj in items:
                renamed[obj.id] = obj.id = state.next_id()
                obj.properties["hs_object_id"] = obj.id
                obj.properties[creation_property(type_name)] = iso(obj.created_at)
                table.insert(obj)
            added[type_name] += len(items)
        for link in links:
            state.associate(link.from_type, renamed[link.from_id], link.to_type, link.to_id)
        added["contacts_touched"] = _touch_contacts(state, view, mask, ids)
    added["email_events"] = len(mail)
    added["timeline_events"] = len(behaviour)
    return added


def _touch_contacts(
    state: HubSpotState, view: World, mask: npt.NDArray[np.bool_], ids: PlatformIds
) -> int:
    """Roll-up properties and modification dates of the contacts with new activity."""
    a = view.activities
    past = mask & (a.at <= view.now)
    last = np.full(view.persons.count, -1, dtype=np.int64)
    np.maximum.at(last, a.person[past], a.at[past])
    summary = hubspot_summary(view, mask)
    table = state.table("contacts")
    touched = 0
    for who in np.flatnonzero(last >= 0).tolist():
        obj = table.get(ids.hs_contacts[who])
        if obj is None:
            continue
        values = {k: v[who] for k, v in summary.items() if v[who] is not None}
        if obj.properties.get("first_conversion_date"):
            values.pop("first_conversion_date", None)
        table.set_values(obj, values)  # type: ignore[arg-type]  # None values were dropped
        table.touch(obj, max(obj.updated_at, to_datetime(int(last[who]))))
        touched += 1
    return touched


# ----- Salesforce ------------------------------------------------------------------------


def _renumber(sobject: str, records: list[dict[str, Any]], offset: int) -> None:
    """Shifts the renderer's row-numbered ids by ``offset`` (base-36 sequence in chars 5-15)."""
    seq = np.array([int(r["Id"][5:15], 36) for r in records], dtype=np.int64)
    for record, new_id in zip(records, sf_ids(sobject, seq + offset), strict=True):
        record["Id"] = new_id


def _not_before(records: list[dict[str, Any]], start: datetime) -> None:
    for record in records:
        for name in ("CreatedDate", "SystemModstamp", "LastModifiedDate"):
            if record[name] < start:
                record[name] = start


def apply_salesforce(
    state: SalesforceState, view: World, offset: int, ids: PlatformIds, start: datetime
) -> Counter[str]:
    """Adds the view's Tasks, Events and campaign responses to the org; counts them."""
    mask = salesforce_mask(view)
    new_tasks = tasks(view, mask, ids.sf_leads, ids.sf_contacts, ids.sf_owners)
    new_events = events(view, mask, ids.sf_leads, ids.sf_contacts, ids.sf_owners)
    members = campaign_members(view, mask, ids.sf_leads, ids.sf_contacts)
    _renumber("Task", new_tasks, offset)
    _renumber("Event", new_events, offset)
    _renumber("CampaignMember", members, MEMBER_SEQ_BASE + offset)
    for batch in (new_tasks, new_events, members):
        _not_before(batch, start)
    added: Counter[str] = Counter()
    with state.lock:
        for sobject, batch in (("Task", new_tasks), ("Event", new_events)):
            table = state.table(sobject)
            for record in batch:
                table.insert(record)
            added[sobject] += len(batch)
        for record in members:
            added[_member(state, record)] += 1
    return added


def _member(state: SalesforceState, record: dict[str, Any]) -> str:
    """Inserts a CampaignMember, or folds it into the person's existing one; says which."""
    table = state.table("CampaignMember")
    key = member_key(record)
    found = state.members.keys(table).get(key) if key else None
    current = table.records.get(found) if found else None
    if current is None:
        table.insert(record)
        state.members.add(table, record)
        return "CampaignMember"
    if _MEMBER_RANK.get(record["Status"], 0) > _MEMBER_RANK.get(current.get("Status") or "", 0):
        current["Status"] = record["Status"]
    if record["HasResponded"] and not current.get("HasResponded"):
        current["HasResponded"] = True
        current["FirstRespondedDate"] = record["FirstRespondedDate"]
    table.restamp(current, max(current["SystemModstamp"], record["SystemModstamp"]))
    return "CampaignMember_updated"
