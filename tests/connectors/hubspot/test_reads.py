"""Backfill of a generated dataset against the emulator: everything read, faults survived.
(A clean stop at the daily cap and the resumption from the cursors: the contract suite,
``tests/connectors/contract/test_resume.py``.)"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import pytest

from config.rules import Rules
from connectors.base import Activity, Cursor, PlatformRecord
from connectors.errors import AuthError
from sandbox.dataset import DEFAULT_NOW
from sandbox.hubspot import HubSpotEmulator
from sandbox.seed import SandboxDataset

from .support import Drained, connect, dataset, drain, read_everything, start_emulator

ENGAGEMENTS = ("emails", "calls", "meetings", "notes", "tasks")
DATA_NOW = DEFAULT_NOW


def world_clock() -> datetime:
    """The dataset's own now: meetings after it are in the future."""
    return DATA_NOW


@pytest.fixture(scope="module")
def data() -> SandboxDataset:
    return dataset()


@pytest.fixture(scope="module")
def emulator(data: SandboxDataset) -> Iterator[HubSpotEmulator]:
    emulator = start_emulator(data, ten_second_limit=250, search_per_second=5)
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def clean_read(emulator: HubSpotEmulator, rules: Rules) -> tuple[Drained, Counter[str]]:
    connector = connect(emulator, rules, clock=world_clock)
    try:
        return read_everything(connector, {}), connector.stats
    finally:
        connector.close()


@pytest.fixture(scope="module")
def clean(clean_read: tuple[Drained, Counter[str]]) -> Drained:
    return clean_read[0]


def activity_keys(drained: Drained) -> set[tuple[str, str, str]]:
    return {
        (a.activity_id, a.kind.value, a.record.record_id)
        for a in drained.all()
        if isinstance(a, Activity)
    }


def test_backfill_reads_every_contact_deal_and_engagement(
    emulator: HubSpotEmulator, clean: Drained
) -> None:
    state = emulator.state
    live = {o.id for o in state.objects("contacts", archived=False)}
    archived = {o.id for o in state.objects("contacts", archived=True)}
    contacts = {r.ref.record_id for r in clean.items["contacts"] if not r.deleted}
    deleted = {r.ref.record_id for r in clean.all() if isinstance(r, PlatformRecord) and r.deleted}
    assert contacts == live
    assert deleted == archived | set(state.merged)
    deals = {d.deal_id for d in clean.items["deals"]}
    assert deals == {o.id for o in state.objects("deals", archived=False)}
    for name in ENGAGEMENTS:
        read_ids = {a.activity_id.split(":")[1] for a in clean.items[name]}
        assert read_ids <= {o.id for o in state.objects(name, archived=False)}, name
    assert all(c.value["mode"] == "increment" for c in clean.cursors.values())


def test_backfill_reads_every_engagement_object(
    emulator: HubSpotEmulator, clean_read: tuple[Drained, Counter[str]]
) -> None:
    stats = clean_read[1]
    for name in ENGAGEMENTS:
        assert stats[name] == len(emulator.state.objects(name, archived=False)), name
    events = emulator.state.email_events.events
    for kind in ("SENT", "OPEN", "CLICK"):  # asked with excludeFilteredEvents: no bot events
        expected = sum(1 for e in events if e.type == kind and not e.filtered_event)
        assert stats[f"email_events_{kind.lower()}"] == expected, kind
    timeline = Counter(e.event_type for e in emulator.state.timeline_events.events)
    assert stats["web_visits"] == timeline["e_visited_page"]
    assert stats["form_events"] == timeline["e_submitted_form"]


def test_bot_filtered_events_and_meetings_not_held_are_not_activity(
    emulator: HubSpotEmulator, clean: Drained
) -> None:
    events = emulator.state.email_events.events
    human_opens = sum(1 for e in events if e.type == "OPEN" and not e.filtered_event)
    assert human_opens < sum(1 for e in events if e.type == "OPEN")  # the dataset has bot opens
    assert len(clean.items["email_events_open"]) == human_opens
    now = DATA_NOW.isoformat().replace("+00:00", ".000Z")
    held = 0
    for meeting in emulator.state.objects("meetings", archived=False):
        end = meeting.properties.get("hs_meeting_end_time") or meeting.properties["hs_timestamp"]
        if meeting.properties.get("hs_meeting_outcome") == "COMPLETED" and str(end) <= now:
            held += len(emulator.state.associated("meetings", meeting.id, "contacts"))
    assert 0 < len(clean.items["meetings"]) == held


def test_faults_do_not_change_the_result(
    emulator: HubSpotEmulator, rules: Rules, clean: Drained
) -> None:
    faults = emulator.faults
    faults.burst_every, faults.burst_length = 40, 2
    faults.error_rate, faults.drop_rate = 0.05, 0.03
    try:
        connector = connect(emulator, rules, clock=world_clock)
        faulty = read_everything(connector, {})
    finally:
        counts = dict(faults.counts)
        faults.reset()
    assert counts.get("rate_limited", 0) > 0
    assert counts.get("server_error", 0) > 0 and counts.get("drop", 0) > 0
    assert activity_keys(faulty) == activity_keys(clean)
    assert {r.ref for r in faulty.all() if isinstance(r, PlatformRecord)} == {
        r.ref for r in clean.all() if isinstance(r, PlatformRecord)
    }


def test_bad_token_is_an_auth_error_without_the_token(
    emulator: HubSpotEmulator, rules: Rules
) -> None:
    token = "pat-na1-not-the-right-one"
    connector = connect(emulator, rules, token=token, clock=world_clock)
    with pytest.raises(AuthError) as caught:
        next(iter(connector.read_records({})))
    assert "token" in caught.value.user_message
    assert token not in str(caught.value) and token not in (caught.value.detail or "")


def test_owners_active_and_inactive(emulator: HubSpotEmulator, rules: Rules) -> None:
    owners = list(connect(emulator, rules, clock=world_clock).read_owners())
    seeded = {o.id: o for o in emulator.state.owners}
    assert {o.owner_id for o in owners} == set(seeded)
    assert {o.owner_id for o in owners if not o.active} == {
        o.id for o in seeded.values() if o.archived
    }
    assert any(not o.active for o in owners)


def test_without_behavioural_events_forms_come_from_contact_properties(
    emulator: HubSpotEmulator, rules: Rules
) -> None:
    connector = connect(emulator, rules, clock=world_clock, behavioral_events=False)
    quiet = {"mode": "increment", "since": int(DATA_NOW.timestamp() * 1000)}
    skip = ["emails", "calls", "meetings", "notes", "tasks"]
    skip += [f"email_events_{k}" for k in ("sent", "open", "click")]
    read = drain(connector.read_activities({name: Cursor(name, quiet) for name in skip}))
    found = read.items["contact_conversions"]
    kinds = Counter(a.kind.value for a in found)
    assert kinds["form_submission"] and kinds["web_visit"] and kinds["content_download"]
    assert "web_visits" not in read.items and "form_events" not in read.items
    with_forms = [
        o
        for o in emulator.state.objects("contacts", archived=False)
        if o.properties.get("recent_conversion_date")
    ]
    assert {a.record.record_id for a in found if a.kind.value != "web_visit"} == {
        o.id for o in with_forms
    }
