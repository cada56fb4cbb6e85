from __future__ import annotations

import hashlib
import pickle
from collections import Counter, defaultdict
from datetime import datetime

import numpy as np
import pytest

from sandbox.dataset import DEFAULT_NOW, Knobs, build_world, generate, render
from sandbox.dataset.ids import sf_ids
from sandbox.dataset.render_salesforce_activity import MIRROR_FORMS, mirrored
from sandbox.dataset.world import World
from sandbox.seed import SandboxDataset

DAY = 86_400
PREFIXES = {
    "Email Sent: ": "event",
    "Email Opened: ": "event",
    "Email Clicked: ": "event",
    "Marketing Email: ": "marketing",
    "Email: ": "email",
}


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(5000, 7, DEFAULT_NOW)


@pytest.fixture(scope="module")
def data(world: World) -> SandboxDataset:
    return render(world)


def _digest(d: SandboxDataset) -> str:
    return hashlib.sha256(pickle.dumps((d.hubspot, d.salesforce))).hexdigest()


def test_deterministic_for_a_seed() -> None:
    assert _digest(generate(1000, seed=3)) == _digest(generate(1000, seed=3))
    assert _digest(generate(1000, seed=3)) != _digest(generate(1000, seed=4))


def test_counts_scale_with_persons() -> None:
    small, large = generate(1000), generate(3000)
    for name in ("Lead", "Task"):
        ratio = len(large.salesforce.records[name]) / len(small.salesforce.records[name])
        assert 2.2 < ratio < 3.8, name
    assert (
        2.2 < len(large.hubspot.objects["contacts"]) / len(small.hubspot.objects["contacts"]) < 3.8
    )


def test_bot_filtered_events_exist(data: SandboxDataset) -> None:
    bots = Counter(e.type for e in data.hubspot.email_events if e.filtered_event)
    assert bots["OPEN"] > 0 and bots["CLICK"] > 0


def test_mirrored_tasks_pair_with_a_hubspot_event_within_minutes(
    world: World, data: SandboxDataset
) -> None:
    """Each mirror (known from the world, not its subject) has its HubSpot event minutes before."""
    events: dict[str, list[datetime]] = defaultdict(list)
    for e in data.hubspot.email_events:
        events[e.email_name].append(e.created)
    ids = set(sf_ids("Task", np.flatnonzero(mirrored(world))))
    tasks = [t for t in data.salesforce.records["Task"] if t["Id"] in ids]
    assert tasks
    for task in tasks[:300]:
        name = next(n for n in events if task["Subject"].endswith(n))
        gaps = [(task["CompletedDateTime"] - t).total_seconds() for t in events[name]]
        assert min(g for g in gaps if g >= 0) <= 300
        assert task["TaskSubtype"] in ("Email", "ListEmail") and task["IsClosed"]


def test_mirrored_tasks_come_in_every_form_the_integration_writes(
    world: World, data: SandboxDataset
) -> None:
    ids = set(sf_ids("Task", np.flatnonzero(mirrored(world))))
    tasks = [t for t in data.salesforce.records["Task"] if t["Id"] in ids]
    forms = Counter(
        next((p for p in PREFIXES if t["Subject"].startswith(p)), "bare") for t in tasks
    )
    assert all(forms[p] > 0 for p in (*PREFIXES, "bare")), forms
    assert Counter(t["TaskSubtype"] for t in tasks).keys() == {"Email", "ListEmail"}


@pytest.mark.parametrize("form", MIRROR_FORMS)
def test_one_mirror_form_per_world(form: str) -> None:
    small = build_world(300, 5, DEFAULT_NOW, Knobs(mirror_form=form))
    ids = set(sf_ids("Task", np.flatnonzero(mirrored(small))))
    subjects = [t["Subject"] for t in render(small).salesforce.records["Task"] if t["Id"] in ids]
    assert subjects
    starts = {f: tuple(p for p, pf in PREFIXES.items() if pf == f) for f in MIRROR_FORMS}
    names = set(small.catalog.email_names)
    for subject in subjects:
        assert subject.startswith(starts[form]) if starts[form] else subject in names


def test_missed_and_future_meetings(data: SandboxDataset) -> None:
    outcomes = Counter(m.properties["hs_meeting_outcome"] for m in data.hubspot.objects["meetings"])
    assert outcomes["NO_SHOW"] and outcomes["CANCELED"] and outcomes["COMPLETED"]
    assert any(e["EndDateTime"] > data.now for e in data.salesforce.records["Event"])


def test_invitations_registrations_and_attendance(data: SandboxDataset) -> None:
    members = data.salesforce.records["CampaignMember"]
    status = Counter((m["Status"], m["HasResponded"]) for m in members)
    assert status[("Sent", False)] and status[("Registered", False)] and status[("Attended", True)]
    assert status[("Responded", True)]  # content downloads
    assert all(m["FirstRespondedDate"] is not None for m in members if m["HasResponded"])


def test_call_dispositions_in_both_platforms(data: SandboxDataset) -> None:
    dispositions = Counter(t["CallDisposition"] for t in data.salesforce.records["Task"])
    assert dispositions["Connected"] and dispositions["No Answer"]
    hs = Counter(c.properties["hs_call_disposition"] for c in data.hubspot.objects["calls"])
    assert hs["f240bbac-87c9-4f6e-bf70-924b57d47db7"] and len(hs) > 1


def test_open_tasks_and_scores(data: SandboxDataset) -> None:
    assert any(not t["IsClosed"] for t in data.salesforce.records["Task"])
    scores = [c.properties["hubspotscore"] for c in data.hubspot.objects["contacts"]]
    assert sum(s is not None for s in scores) > 0.7 * len(scores)
    assert any(s is not None and int(s) >= 50 for s in scores)


def test_consent(data: SandboxDataset) -> None:
    hs = {c.properties["email"].strip().lower(): c for c in data.hubspot.objects["contacts"]}
    sf_out = {
        r["Email"].strip().lower()
        for r in data.salesforce.records["Lead"]
        if r["HasOptedOutOfEmail"]
    }
    hs_out = {e for e, c in hs.items() if c.properties["hs_email_optout"] == "true"}
    sf_all = {r["Email"].strip().lower() for r in data.salesforce.records["Lead"]}
    assert (hs_out - sf_out) & sf_all or (sf_out - hs_out) & set(hs)  # opt-out in one platform only
    assert any(c.properties["hs_email_hard_bounce_reason_enum"] for c in hs.values())
    assert any(r["DoNotCall"] for r in data.salesforce.records["Lead"])


def test_identity_edge_cases(data: SandboxDataset) -> None:
    leads = data.salesforce.records["Lead"]
    assert any(r["IsConverted"] and r["ConvertedContactId"] for r in leads)
    assert any(r["IsDeleted"] and r["MasterRecordId"] for r in leads)
    assert data.hubspot.merged and any(
        c.properties["hs_merged_object_ids"] for c in data.hubspot.objects["contacts"]
    )
    assert any(c.archived for c in data.hubspot.objects["contacts"])
    ages = [(data.now - data.salesforce.deleted[r["Id"]]).days for r in leads if r["IsDeleted"]]
    assert min(ages) < 15 and max(ages) > 15
    live = Counter(
        r["Email"].strip().lower() for r in leads if not r["IsDeleted"] and not r["IsConverted"]
    )
    assert any(n > 1 for n in live.values())
    deleted_ids = {r["Id"] for r in leads if r["IsDeleted"]}
    assert any(
        c.properties["salesforceleadid"] in deleted_ids for c in data.hubspot.objects["contacts"]
    )
    assert any(o.archived for o in data.hubspot.owners) and not all(
        u["IsActive"] for u in data.salesforce.records["User"]
    )


def test_referential_integrity(data: SandboxDataset) -> None:
    rec = data.salesforce.records
    ids = {r["Id"] for name in rec for r in rec[name]}
    for task in rec["Task"] + rec["Event"]:
        assert task["WhoId"] in ids and task["OwnerId"] in ids
    for m in rec["CampaignMember"]:
        assert m["CampaignId"] in ids and (m["LeadId"] or m["ContactId"]) in ids
    for role in rec["OpportunityContactRole"]:
        assert role["OpportunityId"] in ids and role["ContactId"] in ids
    for c in data.hubspot.objects["contacts"]:
        for link in ("salesforceleadid", "salesforcecontactid"):
            assert c.properties[link] is None or c.properties[link] in ids
    hs_ids = {o.id for objs in data.hubspot.objects.values() for o in objs}
    assert all(a.from_id in hs_ids and a.to_id in hs_ids for a in data.hubspot.associations)
    assert set(data.hubspot.merged.values()) <= hs_ids and not set(data.hubspot.merged) & hs_ids


def test_timestamps(data: SandboxDataset) -> None:
    for name, records in data.salesforce.records.items():
        for r in records:
            assert r["CreatedDate"] <= r["SystemModstamp"] <= data.now, name
            assert r["CreatedDate"].tzinfo is not None
    for t in data.salesforce.records["Task"]:
        if t["CompletedDateTime"]:
            assert t["CreatedDate"] <= t["CompletedDateTime"] <= data.now
    for objs in data.hubspot.objects.values():
        assert all(o.created_at <= o.updated_at for o in objs)
    assert all(e.created <= data.now for e in data.hubspot.email_events)


def test_activities_follow_creation(world: World) -> None:
    a = world.activities
    assert np.all(a.at >= world.persons.created[a.person])


def test_dormancy_spread_as_of_now(world: World) -> None:
    last = world.last_engagement()
    p = world.persons
    anchor = np.where(last >= 0, last, p.created)
    days = (world.now - anchor) // DAY
    leads = ~p.customer & ~p.open_deal
    n = leads.sum()
    for lo, hi in ((0, 90), (90, 180), (180, 365), (365, 10_000)):
        assert ((days >= lo) & (days < hi) & leads).sum() > 0.08 * n, (lo, hi)
    assert ((days >= 365) & p.customer).sum() > 0.2 * p.customer.sum()
    comeback = (p.comeback_at >= 0) & (last >= world.now - 21 * DAY)
    assert comeback.sum() > 0.03 * p.count
