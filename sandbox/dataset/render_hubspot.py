"""Renders the world into a :class:`HubSpotSeed`: owners, contacts, deals and activities.

Contacts carry the integration's Salesforce ids when linked, HubSpot's own
summary properties (last open / click / visit, conversions) computed from the
activities, the consent flags and ``hubspotscore``. HubSpot holds deals only
for persons not in Salesforce (elsewhere the deal lives in Salesforce).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sandbox.dataset.acts import Act
from sandbox.dataset.deals import DealState
from sandbox.dataset.ids import hs_ids, sf_ids
from sandbox.dataset.presence import SfKind, Variant
from sandbox.dataset.render_hubspot_activity import (
    email_events,
    engagements,
    form_titles,
    timeline_events,
)
from sandbox.dataset.routing import hubspot_mask, kinds
from sandbox.dataset.timecols import to_datetimes, to_iso
from sandbox.dataset.world import World
from sandbox.seed import HubSpotAssociation, HubSpotObject, HubSpotOwner, HubSpotSeed

I64 = npt.NDArray[np.int64]
OPEN_STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "contractsent")


def owners(world: World) -> list[HubSpotOwner]:
    o = world.owners
    ids = hs_ids("owners", np.arange(o.active.size, dtype=np.int64))
    return [
        HubSpotOwner(
            ids[i], o.email[i], o.first[i], o.last[i], 9_000_000 + i, not bool(o.active[i])
        )
        for i in range(len(ids))
    ]


def variant_email(email: str, variant: int) -> str:
    if variant == Variant.CASE:
        local, _, domain = email.partition("@")
        return f"{local.title()}@{domain.capitalize()}"
    if variant == Variant.SPACE:
        return f" {email} "
    return email


def _latest(world: World, mask: npt.NDArray[np.bool_]) -> I64:
    a = world.activities
    out = np.full(world.persons.count, -1, dtype=np.int64)
    np.maximum.at(out, a.person[mask], a.at[mask])
    return out


def _iso_or_none(secs: I64) -> list[str | None]:
    iso = to_iso(np.maximum(secs, 0))
    return [s if t >= 0 else None for s, t in zip(iso, secs.tolist(), strict=True)]


def _summary(world: World, hs: npt.NDArray[np.bool_]) -> dict[str, list[str | None]]:
    """HubSpot's own roll-up properties of each person (NaN-free strings or None)."""
    a = world.activities
    conv = hs & kinds(world, Act.FORM, Act.DOWNLOAD, Act.EVENT_REGISTER)
    first_conv = np.full(world.persons.count, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_conv, a.person[conv], a.at[conv])
    conv_idx = np.flatnonzero(conv)
    last_row = np.full(world.persons.count, -1, dtype=np.int64)
    last_row[a.person[conv_idx]] = conv_idx  # sorted by (person, at): the last write wins
    names: list[str | None] = [None] * world.persons.count
    has = np.flatnonzero(last_row >= 0)
    for who, title in zip(has.tolist(), form_titles(world, last_row[has]), strict=True):
        names[who] = title
    return {
        "hs_email_last_open_date": _iso_or_none(_latest(world, hs & (a.kind == Act.MKT_OPEN))),
        "hs_email_last_click_date": _iso_or_none(_latest(world, hs & (a.kind == Act.MKT_CLICK))),
        "hs_analytics_last_visit_timestamp": _iso_or_none(
            _latest(world, hs & (a.kind == Act.WEB_VISIT))
        ),
        "first_conversion_date": _iso_or_none(
            np.where(first_conv < np.iinfo(np.int64).max, first_conv, -1)
        ),
        "recent_conversion_date": _iso_or_none(_latest(world, conv)),
        "recent_conversion_event_name": names,
    }


def _lifecycle(world: World, who: int, meetings: npt.NDArray[np.bool_]) -> str:
    p = world.persons
    if p.customer[who]:
        return "customer"
    if p.open_deal[who]:
        return "opportunity"
    if meetings[who]:
        return "salesqualifiedlead"
    score = world.presence.hubspot_score[who]
    return "marketingqualifiedlead" if score >= 50 else "lead"


def _links(world: World) -> tuple[list[str | None], list[str | None]]:
    """The integration's ``salesforceleadid`` / ``salesforcecontactid`` of every person."""
    pr, n = world.presence, world.persons.count
    seq = np.arange(n, dtype=np.int64)
    leads, contacts = sf_ids("Lead", seq), sf_ids("Contact", seq)
    lead_id: list[str | None] = [None] * n
    contact_id: list[str | None] = [None] * n
    for who in np.flatnonzero(pr.id_linked).tolist():
        kind = pr.sf_kind[who]
        if kind in (SfKind.LEAD, SfKind.CONVERTED):
            lead_id[who] = leads[who]
        if kind == SfKind.CONTACT or (kind == SfKind.CONVERTED and who % 5 != 0):
            contact_id[who] = contacts[who]
    e = world.edges
    for who, loser, linked in zip(
        e.sf_merged.tolist(),
        sf_ids("Lead", e.sf_merged_seq()),
        e.sf_merged_linked.tolist(),
        strict=True,
    ):
        if linked:
            lead_id[who] = loser
    return lead_id, contact_id


def contacts(
    world: World, contact_ids: list[str], owner_ids: list[str], last_touch: I64
) -> tuple[list[HubSpotObject], dict[str, str]]:
    p, pr, e = world.persons, world.presence, world.edges
    hs_mask = hubspot_mask(world)
    summary = _summary(world, hs_mask)
    lead_id, contact_id = _links(world)
    meetings = np.zeros(p.count, dtype=np.bool_)
    meetings[world.activities.person[world.activities.kind == Act.MEETING_HELD]] = True
    merged_ids = dict(zip(e.hs_merged.tolist(), hs_ids("contacts", e.hs_merged_seq()), strict=True))
    created_iso = to_iso(p.created)
    modified = np.maximum(p.created, np.where(e.hs_archived_at >= 0, e.hs_archived_at, last_touch))
    modified_iso, created_dt, modified_dt = (
        to_iso(modified),
        to_datetimes(p.created),
        to_datetimes(modified),
    )
    statuses = ("NEW", "OPEN", "ATTEMPTED_TO_CONTACT", "CONNECTED", "UNQUALIFIED", "IN_PROGRESS")
    out = []
    for who in np.flatnonzero(pr.in_hs).tolist():
        score = pr.hubspot_score[who]
        props: dict[str, str | None] = {
            "email": variant_email(p.email[who], int(pr.hs_variant[who])),
            "firstname": p.first[who],
            "lastname": p.last[who],
            "company": world.companies.name[p.company[who]],
            "hubspot_owner_id": owner_ids[p.owner[who]],
            "lifecyclestage": _lifecycle(world, who, meetings),
            "hs_lead_status": None if p.customer[who] else statuses[who % len(statuses)],
            "createdate": created_iso[who],
            "lastmodifieddate": modified_iso[who],
            "hs_object_id": contact_ids[who],
            "hs_email_optout": "true" if pr.optout_hs[who] else "false",
            "hs_email_hard_bounce_reason_enum": ("MAILBOX_FULL", "UNKNOWN_USER")[who % 2]
            if pr.bounce_at[who] >= 0
            else None,
            "salesforceleadid": lead_id[who],
            "salesforcecontactid": contact_id[who],
            "hs_merged_object_ids": merged_ids.get(who),
            "hubspotscore": None if np.isnan(score) else str(int(score)),
        }
        for name, values in summary.items():
            props[name] = values[who]
        archived = bool(e.hs_archived_at[who] >= 0)
        out.append(
            HubSpotObject(contact_ids[who], props, created_dt[who], modified_dt[who], archived)
        )
    merged = {loser: contact_ids[who] for who, loser in merged_ids.items()}
    return out, merged


def deals(
    world: World, contact_ids: list[str], owner_ids: list[str]
) -> tuple[list[HubSpotObject], list[HubSpotAssociation]]:
    from sandbox.dataset.catalog import LOSS_REASONS

    d, pr = world.deals, world.presence
    sel = np.flatnonzero(pr.in_hs[d.person] & ~pr.in_sf[d.person])
    ids = hs_ids("deals", sel)
    created, close = to_iso(d.created[sel]), to_iso(d.close[sel])
    modified = to_iso(np.minimum(np.maximum(d.close[sel], d.created[sel]), world.now))
    objs, assoc = [], []
    for j, i in enumerate(sel.tolist()):
        state, who = d.state[i], int(d.person[i])
        stage = {DealState.WON: "closedwon", DealState.LOST: "closedlost"}.get(
            DealState(state), OPEN_STAGES[d.stage[i]]
        )
        props: dict[str, str | None] = {
            "dealname": f"{world.companies.name[world.persons.company[who]]} - subscription",
            "dealstage": stage,
            "pipeline": "default",
            "amount": f"{d.amount[i]:.0f}",
            "closedate": close[j],
            "createdate": created[j],
            "hs_lastmodifieddate": modified[j],
            "closed_lost_reason": LOSS_REASONS[d.loss_reason[i]]
            if state == DealState.LOST
            else None,
            "hubspot_owner_id": owner_ids[world.persons.owner[who]],
            "hs_object_id": ids[j],
        }
        c_dt = to_datetimes(d.created[i : i + 1])[0]
        objs.append(
            HubSpotObject(
                ids[j],
                props,
                c_dt,
                max(c_dt, to_datetimes(d.close[i : i + 1])[0]) if state != DealState.OPEN else c_dt,
            )
        )
        assoc.append(HubSpotAssociation("deals", ids[j], "contacts", contact_ids[who]))
    return objs, assoc


def render_hubspot(world: World) -> HubSpotSeed:
    n = world.persons.count
    contact_ids = hs_ids("contacts", np.arange(n, dtype=np.int64))
    hs_owners = owners(world)
    owner_ids = [o.id for o in hs_owners]
    mask = hubspot_mask(world)
    a = world.activities
    past = mask & (a.at <= world.now)
    last_touch = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_touch, a.person[past], a.at[past])
    contact_objs, merged = contacts(world, contact_ids, owner_ids, last_touch)
    deal_objs, deal_assoc = deals(world, contact_ids, owner_ids)
    objects, assoc = engagements(world, mask, contact_ids, owner_ids)
    objects["contacts"] = contact_objs
    objects["deals"] = deal_objs
    return HubSpotSeed(
        objects=objects,
        associations=deal_assoc + assoc,
        email_events=email_events(world, mask),
        timeline_events=timeline_events(world, mask, contact_ids),
        owners=hs_owners,
        merged=merged,
    )
