"""HubSpot's view of the activities: email events, behavioural events and CRM engagements."""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

from sandbox.dataset.acts import Act
from sandbox.dataset.catalog import GENERAL_FORMS
from sandbox.dataset.ids import hs_ids, hs_int_ids
from sandbox.dataset.routing import kinds, pick
from sandbox.dataset.timecols import HOUR, MINUTE, to_datetimes, to_iso
from sandbox.dataset.world import World
from sandbox.seed import (
    HubSpotAssociation,
    HubSpotEmailEvent,
    HubSpotObject,
    HubSpotTimelineEvent,
)

I64 = npt.NDArray[np.int64]
CONNECTED = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
NOT_CONNECTED = (
    "73a0d17f-1163-4015-bdd5-ec830791da20",
    "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "9d9162e7-6cf3-4944-bf63-4dff82258764",
    "17b47fee-58de-441e-a44c-c6300d46f273",
)
_EVENT_TYPES = {
    Act.MKT_SENT: ("SENT", False),
    Act.MKT_OPEN: ("OPEN", False),
    Act.MKT_CLICK: ("CLICK", False),
    Act.BOT_OPEN: ("OPEN", True),
    Act.BOT_CLICK: ("CLICK", True),
    Act.BOUNCE: ("BOUNCE", False),
}


def email_events(world: World, mask: npt.NDArray[np.bool_]) -> list[HubSpotEmailEvent]:
    a, cat = world.activities, world.catalog
    sel = np.flatnonzero(mask & kinds(world, *_EVENT_TYPES))
    kind_names = {int(k): v for k, v in _EVENT_TYPES.items()}
    ids = hs_ids("email_events", sel)
    recipients = pick(world.persons.email, a.person[sel])
    created = to_datetimes(a.at[sel])
    campaigns = hs_int_ids("email_campaigns", a.ref[sel])
    names = pick(cat.email_names, a.ref[sel])
    out = []
    for i, k, rcpt, when, camp, name in zip(
        ids, a.kind[sel].tolist(), recipients, created, campaigns, names, strict=True
    ):
        etype, bot = kind_names[k]
        url = "https://www.reengage-demo.example/resources" if etype == "CLICK" else None
        bounce = "HARD_BOUNCE" if etype == "BOUNCE" else None
        out.append(HubSpotEmailEvent(i, etype, rcpt, when, camp, name, bot, url, bounce))
    return out


def _form_titles(world: World, sel: I64) -> list[str]:
    a, cat = world.activities, world.catalog
    titles = []
    for k, r in zip(a.kind[sel].tolist(), a.ref[sel].tolist(), strict=True):
        if k == Act.DOWNLOAD:
            titles.append(cat.asset_forms[r])
        elif k == Act.EVENT_REGISTER:
            titles.append(f"Registration: {cat.campaign_names[r]}")
        else:
            titles.append(GENERAL_FORMS[r])
    return titles


def form_titles(world: World, sel: I64) -> list[str]:
    return _form_titles(world, sel)


def timeline_events(
    world: World, mask: npt.NDArray[np.bool_], contact_ids: list[str]
) -> list[HubSpotTimelineEvent]:
    a = world.activities
    out: list[HubSpotTimelineEvent] = []
    visits = np.flatnonzero(mask & kinds(world, Act.WEB_VISIT))
    pages = ("pricing", "product", "blog/revops-guide", "customers", "integrations")
    for i, who, when, page in zip(
        hs_ids("timeline_events", visits),
        a.person[visits].tolist(),
        to_datetimes(a.at[visits]),
        (visits % len(pages)).tolist(),
        strict=True,
    ):
        props = {
            "hs_url": f"https://www.reengage-demo.example/{pages[page]}",
            "hs_page_title": pages[page],
        }
        out.append(HubSpotTimelineEvent(i, "e_visited_page", contact_ids[who], when, props))
    forms = np.flatnonzero(mask & kinds(world, Act.FORM, Act.DOWNLOAD, Act.EVENT_REGISTER))
    for i, who, when, title in zip(
        hs_ids("timeline_events", forms),
        a.person[forms].tolist(),
        to_datetimes(a.at[forms]),
        _form_titles(world, forms),
        strict=True,
    ):
        props = {"hs_form_id": f"form-{zlib.crc32(title.encode()):08x}", "hs_form_title": title}
        out.append(HubSpotTimelineEvent(i, "e_submitted_form", contact_ids[who], when, props))
    return out


def _engagement_props(
    world: World, kind: Act, sel: I64, ts: list[str], owner: list[str | None]
) -> list[dict[str, str | None]]:
    a = world.activities
    ref = a.ref[sel].tolist()
    if kind in (Act.SALES_EMAIL, Act.REPLY):
        direction = "EMAIL" if kind == Act.SALES_EMAIL else "INCOMING_EMAIL"
        subj = "Following up" if kind == Act.SALES_EMAIL else "Re: Following up"
        return [
            {
                "hs_timestamp": t,
                "hs_email_direction": direction,
                "hs_email_subject": subj,
                "hs_email_status": "SENT",
                "hubspot_owner_id": o,
                "hs_lastmodifieddate": t,
            }
            for t, o in zip(ts, owner, strict=True)
        ]
    if kind in (Act.CALL_CONNECTED, Act.CALL_ATTEMPT):
        disp = [CONNECTED if kind == Act.CALL_CONNECTED else NOT_CONNECTED[r] for r in ref]
        return [
            {
                "hs_timestamp": t,
                "hs_call_title": "Call",
                "hs_call_disposition": d,
                "hs_call_status": "COMPLETED",
                "hubspot_owner_id": o,
                "hs_lastmodifieddate": t,
            }
            for t, d, o in zip(ts, disp, owner, strict=True)
        ]
    if kind == Act.NOTE:
        return [
            {
                "hs_timestamp": t,
                "hs_note_body": "Discussed current tooling and timeline.",
                "hubspot_owner_id": o,
                "hs_lastmodifieddate": t,
            }
            for t, o in zip(ts, owner, strict=True)
        ]
    outcome = {
        Act.MEETING_HELD: "COMPLETED",
        Act.MEETING_NO_SHOW: "NO_SHOW",
        Act.MEETING_CANCELLED: "CANCELED",
        Act.MEETING_FUTURE: "SCHEDULED",
    }
    if kind in outcome:
        ends = to_iso(a.at[sel] + HOUR)
        return [
            {
                "hs_timestamp": t,
                "hs_meeting_title": "Discovery meeting",
                "hs_meeting_start_time": t,
                "hs_meeting_end_time": e,
                "hs_meeting_outcome": outcome[kind],
                "hubspot_owner_id": o,
                "hs_lastmodifieddate": t,
            }
            for t, e, o in zip(ts, ends, owner, strict=True)
        ]
    done = kind == Act.TASK_DONE
    status, completion = ("COMPLETED", ts) if done else ("NOT_STARTED", [None] * len(ts))
    return [
        {
            "hs_timestamp": t,
            "hs_task_subject": "Follow up",
            "hs_task_body": "Check in after the last touch.",
            "hs_task_status": status,
            "hs_task_type": "CALL" if i % 2 else "TODO",
            "hs_task_priority": "MEDIUM",
            "hs_task_completion_date": c,
            "hubspot_owner_id": o,
            "hs_lastmodifieddate": t,
        }
        for i, (t, c, o) in enumerate(zip(ts, completion, owner, strict=True))
    ]


_OBJECT_TYPE = {
    Act.SALES_EMAIL: "emails",
    Act.REPLY: "emails",
    Act.CALL_CONNECTED: "calls",
    Act.CALL_ATTEMPT: "calls",
    Act.NOTE: "notes",
    Act.MEETING_HELD: "meetings",
    Act.MEETING_NO_SHOW: "meetings",
    Act.MEETING_CANCELLED: "meetings",
    Act.MEETING_FUTURE: "meetings",
    Act.TASK_DONE: "tasks",
    Act.TASK_OPEN: "tasks",
}


def engagements(
    world: World, mask: npt.NDArray[np.bool_], contact_ids: list[str], owner_ids: list[str]
) -> tuple[dict[str, list[HubSpotObject]], list[HubSpotAssociation]]:
    a = world.activities
    objects: dict[str, list[HubSpotObject]] = {t: [] for t in set(_OBJECT_TYPE.values())}
    assoc: list[HubSpotAssociation] = []
    for kind, otype in _OBJECT_TYPE.items():
        sel = np.flatnonzero(mask & (a.kind == kind))
        created = np.minimum(a.at[sel], world.now) - np.where(kind == Act.TASK_OPEN, 3 * 86_400, 0)
        created = np.maximum(created, world.persons.created[a.person[sel]] + MINUTE)
        owner: list[str | None] = pick(owner_ids, world.persons.owner[a.person[sel]])  # type: ignore[assignment]
        props = _engagement_props(world, kind, sel, to_iso(a.at[sel]), owner)
        ids = hs_ids(otype, sel)
        made = to_datetimes(created)
        for i, p, c, who in zip(ids, props, made, a.person[sel].tolist(), strict=True):
            p["hs_object_id"] = i
            objects[otype].append(HubSpotObject(i, p, c, c))
            assoc.append(HubSpotAssociation(otype, i, "contacts", contact_ids[who]))
    return objects, assoc
