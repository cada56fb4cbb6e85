"""Salesforce's view of the activities: Tasks (and the integration's mirrors), Events, members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from sandbox.dataset.acts import Act
from sandbox.dataset.routing import kinds, on_contact, pick, rows
from sandbox.dataset.timecols import DAY, HOUR, to_dates, to_datetimes
from sandbox.dataset.world import World

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
CONNECTED = ("Connected", "Spoke", "Conversation")
NOT_CONNECTED = ("No Answer", "Left Voicemail", "Busy", "Wrong Number")
_MIRROR_PREFIX = {
    Act.MKT_SENT: "Email Sent: ",
    Act.MKT_OPEN: "Email Opened: ",
    Act.MKT_CLICK: "Email Clicked: ",
}
MIRROR_FORMS = ("event", "marketing", "email", "bare")
"""How the integration words a mirrored task's subject. HubSpot documents that
marketing email sends, opens and clicks sync to Salesforce as tasks, not their
wording, which differs by connector version and portal: ``event`` writes
``Email Sent: X`` / ``Email Opened: X`` / ``Email Clicked: X``, ``marketing``
``Marketing Email: X``, ``email`` ``Email: X`` and ``bare`` the email's name
alone. ``Knobs.mirror_form`` picks one, or ``mixed`` cycles through all four;
the TaskSubtype alternates between Email and ListEmail in every form."""


def mirror_subject(form: str, kind: int, name: str, seq: int) -> tuple[str, str]:
    """(Subject, TaskSubtype) of the integration's copy of world activity ``seq``."""
    if form == "mixed":
        form = MIRROR_FORMS[seq % len(MIRROR_FORMS)]
    subtype = "ListEmail" if (seq // len(MIRROR_FORMS)) % 2 else "Email"
    if form == "event":
        return _MIRROR_PREFIX[Act(kind)] + name, subtype
    prefix = {"marketing": "Marketing Email: ", "email": "Email: ", "bare": ""}.get(form)
    if prefix is None:
        raise ValueError(f"mirror_form {form!r}: expected mixed or one of {MIRROR_FORMS}")
    return prefix + name, subtype


def mirrored(world: World) -> Bools:
    """Which world activities the integration copies into Salesforce as closed tasks:
    the marketing email events of persons it mirrors, while their records live."""
    a, pr = world.activities, world.presence
    mirror = kinds(world, Act.MKT_SENT, Act.MKT_OPEN, Act.MKT_CLICK) & pr.mirror[a.person]
    dele = world.edges.sf_deleted_at[a.person]
    return np.asarray(mirror & ((dele < 0) | (a.at < dele)), dtype=bool)


def who_ids(
    world: World, person: I64, at: I64, lead_ids: list[str], contact_ids: list[str]
) -> list[str]:
    """The Lead or Contact of each activity; duplicates get every other later activity."""
    contact = on_contact(world, person, at)
    ids = [
        c if on else ld
        for c, ld, on in zip(
            pick(contact_ids, person), pick(lead_ids, person), contact.tolist(), strict=True
        )
    ]
    e = world.edges
    dup_of = dict(zip(e.dup_lead.tolist(), range(e.dup_lead.size), strict=True))
    dup_ids = lead_ids[world.persons.count + e.sf_merged.size :]
    for j, (who, t) in enumerate(zip(person.tolist(), at.tolist(), strict=True)):
        d = dup_of.get(who)
        if d is not None and t >= e.dup_created[d] and j % 2 and not contact[j]:
            ids[j] = dup_ids[d]
    return ids


def _deleted(world: World, person: I64) -> tuple[Bools, I64]:
    at = world.edges.sf_deleted_at[person]
    return at >= 0, at


def _task_columns(world: World, sel: I64, owner_ids: list[str]) -> dict[str, Any]:
    a = world.activities
    kind = a.kind[sel]
    ref = a.ref[sel].tolist()
    subj, subtype, typ, disp, status, closed = [], [], [], [], [], []
    for k, r, seq in zip(kind.tolist(), ref, sel.tolist(), strict=True):
        is_call = k in (Act.CALL_CONNECTED, Act.CALL_ATTEMPT)
        done = k != Act.TASK_OPEN
        if k in _MIRROR_PREFIX:
            name = world.catalog.email_names[r]
            subject, sub = mirror_subject(world.knobs.mirror_form, k, name, seq)
            subj.append(subject)
            subtype.append(sub)
        elif k == Act.SALES_EMAIL:
            subj.append("Email: Following up")
        else:
            subj.append(
                {
                    Act.NOTE: "Note: call summary",
                    Act.CALL_CONNECTED: "Call",
                    Act.CALL_ATTEMPT: "Call",
                }.get(Act(k), "Follow up")
            )
        if k not in _MIRROR_PREFIX:
            subtype.append("Call" if is_call else ("Email" if k == Act.SALES_EMAIL else "Task"))
        typ.append("Call" if is_call else ("Email" if "Email" in subtype[-1] else "Other"))
        disp.append(
            CONNECTED[r]
            if k == Act.CALL_CONNECTED
            else (NOT_CONNECTED[r] if k == Act.CALL_ATTEMPT else None)
        )
        status.append("Completed" if done else "Not Started")
        closed.append(done)
    return {
        "Subject": subj,
        "TaskSubtype": subtype,
        "Type": typ,
        "CallDisposition": disp,
        "Status": status,
        "IsClosed": closed,
    }


def tasks(
    world: World, mask: Bools, lead_ids: list[str], contact_ids: list[str], owner_ids: list[str]
) -> list[dict[str, Any]]:
    a = world.activities
    own = mask & kinds(
        world,
        Act.SALES_EMAIL,
        Act.CALL_CONNECTED,
        Act.CALL_ATTEMPT,
        Act.NOTE,
        Act.TASK_DONE,
        Act.TASK_OPEN,
    )
    mirror = mirrored(world)
    sel = np.flatnonzero(own | mirror)
    person = a.person[sel]
    offset = np.where(mirror[sel], 60 + (sel % 240), 0)
    done_at = np.minimum(a.at[sel] + offset, world.now)
    is_open = a.kind[sel] == Act.TASK_OPEN
    created = np.where(
        is_open,
        np.maximum(
            np.minimum(a.at[sel] - 3 * DAY, world.now - HOUR), world.persons.created[person] + HOUR
        ),
        done_at,
    )
    deleted, deleted_at = _deleted(world, person)
    modified = np.where(deleted, np.maximum(deleted_at, created), created)
    done_dt = to_datetimes(done_at)
    cols: dict[str, Any] = {
        "Id": None,
        "CreatedDate": to_datetimes(created),
        "SystemModstamp": to_datetimes(modified),
        "LastModifiedDate": None,
        "IsDeleted": deleted.tolist(),
        "WhoId": who_ids(world, person, a.at[sel], lead_ids, contact_ids),
        "WhatId": None,
        "OwnerId": pick(owner_ids, world.persons.owner[person]),
        "Description": None,
        "Priority": "Normal",
        "ActivityDate": to_dates(a.at[sel]),
        "CompletedDateTime": [
            None if o else d for o, d in zip(is_open.tolist(), done_dt, strict=True)
        ],
        "CallType": [
            ("Outbound" if k in (Act.CALL_CONNECTED, Act.CALL_ATTEMPT) else None)
            for k in a.kind[sel].tolist()
        ],
        "Reengage_Task_Key__c": None,
    }
    cols.update(_task_columns(world, sel, owner_ids))
    from sandbox.dataset.ids import sf_ids

    cols["Id"] = sf_ids("Task", sel)
    cols["LastModifiedDate"] = cols["SystemModstamp"]
    return rows(cols, sel.size)


def events(
    world: World, mask: Bools, lead_ids: list[str], contact_ids: list[str], owner_ids: list[str]
) -> list[dict[str, Any]]:
    from sandbox.dataset.ids import sf_ids

    a = world.activities
    sel = np.flatnonzero(mask & kinds(world, Act.MEETING_HELD, Act.MEETING_FUTURE))
    person = a.person[sel]
    start = a.at[sel]
    created = np.maximum(
        np.minimum(start - 2 * DAY, world.now - HOUR), world.persons.created[person] + 60
    )
    deleted, deleted_at = _deleted(world, person)
    modified = to_datetimes(np.where(deleted, np.maximum(deleted_at, created), created))
    start_dt: list[datetime] = to_datetimes(start)
    cols: dict[str, Any] = {
        "Id": sf_ids("Event", sel),
        "CreatedDate": to_datetimes(created),
        "SystemModstamp": modified,
        "LastModifiedDate": modified,
        "IsDeleted": deleted.tolist(),
        "WhoId": who_ids(world, person, start, lead_ids, contact_ids),
        "OwnerId": pick(owner_ids, world.persons.owner[person]),
        "Subject": "Meeting",
        "StartDateTime": start_dt,
        "EndDateTime": to_datetimes(start + HOUR),
        "ActivityDateTime": start_dt,
        "DurationInMinutes": 60,
        "Type": "Meeting",
    }
    return rows(cols, sel.size)


def campaign_members(
    world: World, mask: Bools, lead_ids: list[str], contact_ids: list[str]
) -> list[dict[str, Any]]:
    """One member per (record, campaign): invited (Sent), Registered, Attended or Responded."""
    from sandbox.dataset.ids import sf_ids

    a, cat = world.activities, world.catalog
    sel = np.flatnonzero(
        mask & kinds(world, Act.EVENT_INVITE, Act.EVENT_REGISTER, Act.EVENT_ATTEND, Act.DOWNLOAD)
    )
    kind, person, at = a.kind[sel], a.person[sel], a.at[sel]
    camp = np.where(
        kind == Act.DOWNLOAD,
        cat.asset_campaigns[np.maximum(a.ref[sel], 0) % cat.asset_campaigns.size],
        a.ref[sel],
    )
    side = on_contact(world, person, at).astype(np.int64)
    key = (person * 2 + side) * len(cat.campaign_names) + camp
    order = np.lexsort((at, key))
    key, kind, at, person, camp, side = (
        key[order],
        kind[order],
        at[order],
        person[order],
        camp[order],
        side[order],
    )
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    code = np.select(
        [kind == Act.EVENT_REGISTER, kind == Act.EVENT_ATTEND, kind == Act.DOWNLOAD], [1, 2, 3], 0
    )
    status = np.maximum.reduceat(code, first)
    big = np.iinfo(np.int64).max
    responded_at = np.minimum.reduceat(np.where(code >= 2, at, big), first)
    responded = responded_at < big
    p, s = person[first], side[first]
    deleted, deleted_at = _deleted(world, p)
    created = at[first]
    modified = np.maximum(np.where(responded, responded_at, created), created)
    modified_dt = to_datetimes(np.where(deleted, np.maximum(deleted_at, modified), modified))
    names = ("Sent", "Registered", "Attended", "Responded")
    resp_dates = to_dates(np.where(responded, responded_at, 0))
    cols: dict[str, Any] = {
        "Id": sf_ids("CampaignMember", np.arange(first.size, dtype=np.int64)),
        "CreatedDate": to_datetimes(created),
        "SystemModstamp": modified_dt,
        "LastModifiedDate": modified_dt,
        "IsDeleted": deleted.tolist(),
        "CampaignId": sf_ids("Campaign", camp[first]),
        "LeadId": [None if c else lead_ids[w] for w, c in zip(p.tolist(), s.tolist(), strict=True)],
        "ContactId": [
            contact_ids[w] if c else None for w, c in zip(p.tolist(), s.tolist(), strict=True)
        ],
        "Status": [names[c] for c in status.tolist()],
        "HasResponded": responded.tolist(),
        "FirstRespondedDate": [
            d if r else None for d, r in zip(resp_dates, responded.tolist(), strict=True)
        ],
    }
    return rows(cols, first.size)
