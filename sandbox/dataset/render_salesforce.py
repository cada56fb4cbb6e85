"""Renders the world into a :class:`SalesforceSeed`: users, accounts, people, deals, activities.

Lead ids are numbered by person (extra leads of merges and duplicates after
them), Contact ids by person and Account ids by company, so the HubSpot
render can write the same ids into ``salesforceleadid`` / ``salesforcecontactid``.
Deleted records stay in the seed with ``IsDeleted`` true (``queryAll`` sees
them) and are listed in ``deleted`` with their date (``getDeleted``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from sandbox.dataset.catalog import LOSS_REASONS
from sandbox.dataset.deals import DealState
from sandbox.dataset.ids import sf_ids
from sandbox.dataset.presence import SfKind
from sandbox.dataset.render_hubspot import variant_email
from sandbox.dataset.render_salesforce_activity import campaign_members, events, tasks
from sandbox.dataset.routing import salesforce_mask
from sandbox.dataset.timecols import DAY, to_datetime
from sandbox.dataset.world import World
from sandbox.seed import SalesforceSeed

OPEN_STAGES = ("Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review")


def _base(
    sobject: str, seq: int, created: int, modified: int, deleted: bool = False
) -> dict[str, Any]:
    c, m = to_datetime(created), to_datetime(max(created, modified))
    return {
        "Id": sf_ids(sobject, np.array([seq]))[0],
        "CreatedDate": c,
        "SystemModstamp": m,
        "LastModifiedDate": m,
        "IsDeleted": deleted,
    }


def users(world: World) -> list[dict[str, Any]]:
    o, start = world.owners, world.now - 3 * 365 * DAY
    return [
        _base("User", i, start, start + i * DAY)
        | {
            "Name": f"{o.first[i]} {o.last[i]}",
            "FirstName": o.first[i],
            "LastName": o.last[i],
            "Email": o.email[i],
            "Username": o.email[i],
            "IsActive": bool(o.active[i]),
        }
        for i in range(o.active.size)
    ]


def _person_fields(
    world: World, who: int, owner_ids: list[str], last_activity: np.ndarray
) -> dict[str, Any]:
    p, pr = world.persons, world.presence
    bounced = pr.bounce_at[who] >= 0
    last = last_activity[who]
    return {
        "FirstName": p.first[who],
        "LastName": p.last[who],
        "Email": variant_email(p.email[who], int(pr.sf_variant[who])),
        "OwnerId": owner_ids[p.owner[who]],
        "HasOptedOutOfEmail": bool(pr.optout_sf[who]),
        "DoNotCall": bool(pr.do_not_call[who]),
        "EmailBouncedDate": to_datetime(pr.bounce_at[who]) if bounced else None,
        "EmailBouncedReason": "550 5.1.1 User unknown" if bounced else None,
        "LastActivityDate": to_datetime(last).date() if last >= 0 else None,
        "MasterRecordId": None,
    }


def leads_and_contacts(
    world: World, owner_ids: list[str], last_activity: np.ndarray, deleted: dict[str, datetime]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    p, pr, e = world.persons, world.presence, world.edges
    leads, contacts = [], []
    for who in np.flatnonzero(pr.in_sf).tolist():
        kind, created = pr.sf_kind[who], int(p.created[who])
        fields = _person_fields(world, who, owner_ids, last_activity)
        company = world.companies.name[p.company[who]]
        if kind in (SfKind.LEAD, SfKind.CONVERTED):
            conv = kind == SfKind.CONVERTED
            gone = int(e.sf_deleted_at[who])
            rec = (
                _base(
                    "Lead", who, created, max(gone, int(pr.converted_at[who]), created), gone >= 0
                )
                | fields
            )
            rec |= {
                "Company": company,
                "Status": "Closed - Converted"
                if conv
                else ("Open - Not Contacted", "Working - Contacted", "Closed - Not Converted")[
                    who % 3
                ],
                "LeadSource": ("Web", "Seminar", "Trade Show", "Content", "Partner Referral")[
                    who % 5
                ],
                "IsConverted": bool(conv),
                "ConvertedContactId": sf_ids("Contact", np.array([who]))[0] if conv else None,
                "ConvertedAccountId": sf_ids("Account", np.array([p.company[who]]))[0]
                if conv
                else None,
                "ConvertedDate": to_datetime(pr.converted_at[who]).date() if conv else None,
            }
            if gone >= 0:
                deleted[rec["Id"]] = rec["SystemModstamp"]
            leads.append(rec)
        if kind in (SfKind.CONTACT, SfKind.CONVERTED):
            c_created = int(pr.converted_at[who]) if kind == SfKind.CONVERTED else created
            contacts.append(
                _base("Contact", who, c_created, c_created)
                | fields
                | {"AccountId": sf_ids("Account", np.array([p.company[who]]))[0]}
            )
    return leads, contacts


def _extra_leads(
    world: World, owner_ids: list[str], last_activity: np.ndarray, deleted: dict[str, datetime]
) -> list[dict[str, Any]]:
    p, e = world.persons, world.edges
    out = []
    for j, who in enumerate(e.sf_merged.tolist()):
        seq, created = int(e.sf_merged_seq()[j]), int(p.created[who]) - 30 * DAY
        rec = _base("Lead", seq, created, int(e.sf_merged_at[j]), True) | _person_fields(
            world, who, owner_ids, last_activity
        )
        rec |= {
            "Company": world.companies.name[p.company[who]],
            "Status": "Open - Not Contacted",
            "LeadSource": "Web",
            "IsConverted": False,
            "ConvertedContactId": None,
            "ConvertedAccountId": None,
            "ConvertedDate": None,
            "MasterRecordId": sf_ids("Lead", np.array([who]))[0],
            "LastActivityDate": None,
        }
        deleted[rec["Id"]] = rec["SystemModstamp"]
        out.append(rec)
    for j, who in enumerate(e.dup_lead.tolist()):
        seq, created = int(e.dup_seq()[j]), int(e.dup_created[j])
        rec = _base("Lead", seq, created, created) | _person_fields(
            world, who, owner_ids, last_activity
        )
        rec |= {
            "Email": p.email[who].upper() if j % 2 else p.email[who],
            "Company": world.companies.name[p.company[who]],
            "Status": "Open - Not Contacted",
            "LeadSource": "Trade Show",
            "IsConverted": False,
            "ConvertedContactId": None,
            "ConvertedAccountId": None,
            "ConvertedDate": None,
            "LastActivityDate": None,
        }
        out.append(rec)
    return out


def accounts_and_deals(
    world: World, owner_ids: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    p, pr, d, co = world.persons, world.presence, world.deals, world.companies
    has_contact = np.isin(pr.sf_kind, (SfKind.CONTACT, SfKind.CONVERTED))
    first = np.full(len(co.name), world.now, dtype=np.int64)
    contact_created = np.where(pr.sf_kind == SfKind.CONVERTED, pr.converted_at, p.created)
    np.minimum.at(first, p.company[has_contact], contact_created[has_contact])
    accounts = [
        _base("Account", c, int(first[c]) - DAY, int(first[c]) - DAY)
        | {"Name": co.name[c], "OwnerId": owner_ids[co.owner[c]], "Industry": co.industry[c]}
        for c in np.flatnonzero(first < world.now).tolist()
    ]
    opps, roles = [], []
    for i in np.flatnonzero(pr.in_sf[d.person]).tolist():
        who, state = int(d.person[i]), DealState(d.state[i])
        created, close = int(d.created[i]), int(d.close[i])
        modified = min(max(close, created), world.now)
        stage = {DealState.WON: "Closed Won", DealState.LOST: "Closed Lost"}.get(
            state, OPEN_STAGES[d.stage[i] % 4]
        )
        opp = _base("Opportunity", i, created, modified) | {
            "Name": f"{co.name[p.company[who]]} - subscription",
            "AccountId": sf_ids("Account", np.array([p.company[who]]))[0],
            "OwnerId": owner_ids[p.owner[who]],
            "StageName": stage,
            "IsClosed": state != DealState.OPEN,
            "IsWon": state == DealState.WON,
            "Amount": float(d.amount[i]),
            "CloseDate": to_datetime(close).date(),
            "Loss_Reason__c": LOSS_REASONS[d.loss_reason[i]] if state == DealState.LOST else None,
        }
        opps.append(opp)
        roles.append(
            _base("OpportunityContactRole", i, created, created)
            | {
                "OpportunityId": opp["Id"],
                "ContactId": sf_ids("Contact", np.array([who]))[0],
                "Role": "Decision Maker",
                "IsPrimary": True,
            }
        )
    return accounts, opps, roles


def campaigns(world: World) -> list[dict[str, Any]]:
    cat = world.catalog
    out = []
    for i, (name, typ) in enumerate(zip(cat.campaign_names, cat.campaign_types, strict=True)):
        at = int(cat.campaign_at[i])
        created = min(at - 60 * DAY, world.now - DAY)
        status = (
            "Completed"
            if at < world.now and typ != "Content"
            else ("In Progress" if typ == "Content" else "Planned")
        )
        out.append(
            _base("Campaign", i, created, created)
            | {
                "Name": name,
                "Type": typ,
                "Status": status,
                "IsActive": status != "Completed",
                "StartDate": to_datetime(at).date(),
            }
        )
    return out


def _last_activity(world: World, mask: np.ndarray) -> np.ndarray:
    from sandbox.dataset.acts import Act
    from sandbox.dataset.routing import kinds

    a = world.activities
    done = (
        mask
        & (a.at <= world.now)
        & ~kinds(
            world,
            Act.EVENT_INVITE,
            Act.EVENT_REGISTER,
            Act.EVENT_ATTEND,
            Act.DOWNLOAD,
            Act.TASK_OPEN,
        )
    )
    last = np.full(world.persons.count, -1, dtype=np.int64)
    np.maximum.at(last, a.person[done], a.at[done])
    return last


def render_salesforce(world: World) -> SalesforceSeed:
    n, e = world.persons.count, world.edges
    user_rows = users(world)
    owner_ids = [u["Id"] for u in user_rows]
    lead_seq = np.arange(n + e.sf_merged.size + e.dup_lead.size, dtype=np.int64)
    lead_ids, contact_ids = (
        sf_ids("Lead", lead_seq),
        sf_ids("Contact", np.arange(n, dtype=np.int64)),
    )
    mask = salesforce_mask(world)
    deleted: dict[str, datetime] = {}
    leads, contacts = leads_and_contacts(world, owner_ids, _last_activity(world, mask), deleted)
    leads += _extra_leads(world, owner_ids, _last_activity(world, mask), deleted)
    accounts, opps, roles = accounts_and_deals(world, owner_ids)
    records: dict[str, list[dict[str, Any]]] = {
        "User": user_rows,
        "Account": accounts,
        "Lead": leads,
        "Contact": contacts,
        "Opportunity": opps,
        "OpportunityContactRole": roles,
        "Campaign": campaigns(world),
        "Task": tasks(world, mask, lead_ids, contact_ids, owner_ids),
        "Event": events(world, mask, lead_ids, contact_ids, owner_ids),
        "CampaignMember": campaign_members(world, mask, lead_ids, contact_ids),
    }
    for name in ("Task", "Event", "CampaignMember"):
        for rec in records[name]:
            if rec["IsDeleted"]:
                deleted[rec["Id"]] = rec["SystemModstamp"]
    return SalesforceSeed(records=records, deleted=deleted)
