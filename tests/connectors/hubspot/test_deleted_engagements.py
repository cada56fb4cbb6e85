"""A HubSpot engagement deleted (archived) after it was read stops counting after the next sync."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from config.rules import Rules
from connectors.hubspot.mapping import contact_ref
from sandbox.hubspot import HubSpotEmulator
from sandbox.hubspot.wire import iso
from sandbox.seed import HubSpotObject
from sync.pull import pull
from sync.store.migrate import open_store
from sync.store.persons import last_activity
from sync.store.schema import activities

from .support import Drained, connect, drain


@pytest.fixture
def emulator() -> Iterator[HubSpotEmulator]:
    emulator = HubSpotEmulator(ten_second_limit=1000, search_per_second=1000)
    emulator.start()
    yield emulator
    emulator.stop()


def add_contact(emulator: HubSpotEmulator, email: str, at: datetime) -> HubSpotObject:
    state = emulator.state
    with state.lock:
        person = HubSpotObject(state.next_id(), {"email": email}, at, at)
        state.table("contacts").insert(person)
    return person


def add_call(emulator: HubSpotEmulator, contact: str, at: datetime, disposition: str) -> str:
    state = emulator.state
    with state.lock:
        call = HubSpotObject(
            state.next_id(),
            {"hs_timestamp": iso(at), "hs_call_disposition": disposition, "hs_call_title": "c"},
            at,
            at,
        )
        state.table("calls").insert(call)
        state.associate("calls", call.id, "contacts", contact)
    return call.id


def delete(emulator: HubSpotEmulator, type_name: str, record_id: str) -> int:
    request = urllib.request.Request(
        f"{emulator.url}/crm/v3/objects/{type_name}/{record_id}",
        method="DELETE",
        headers={"Authorization": f"Bearer {emulator.token}"},
    )
    with urllib.request.urlopen(request) as answer:
        return int(answer.status)


def test_a_deleted_engagement_no_longer_counts_after_the_next_sync(
    emulator: HubSpotEmulator, rules: Rules, sqlite_url: str
) -> None:
    now = datetime.now(UTC)
    person = add_contact(emulator, "ann@example.com", now)
    connected = rules.sources.hubspot.call_connected_dispositions[0]
    older = now - timedelta(days=20)
    kept = add_call(emulator, person.id, older, connected)
    gone = add_call(emulator, person.id, now - timedelta(days=2), connected)
    engine = open_store(sqlite_url)
    pull(engine, connect(emulator, rules))
    ref = contact_ref(person.id)
    assert last_activity(engine)[ref] > older + timedelta(days=1)

    assert delete(emulator, "calls", gone) == 204
    pull(engine, connect(emulator, rules))

    with engine.connect() as conn:
        rows = conn.execute(select(activities.c.activity_id, activities.c.deleted)).all()
    live = {activity_id.split(":")[1] for activity_id, deleted in rows if not deleted}
    assert live == {kept}
    assert abs(last_activity(engine)[ref] - older) < timedelta(seconds=1)
    engine.dispose()


def test_the_archived_list_is_scanned_one_page_per_increment_and_misses_no_deletion(
    emulator: HubSpotEmulator, rules: Rules
) -> None:
    now = datetime.now(UTC)
    state = emulator.state
    person = add_contact(emulator, "bo@example.com", now)
    first = add_call(emulator, person.id, now - timedelta(days=3), "Busy")
    long_ago = now - timedelta(days=30)
    old = [add_call(emulator, person.id, long_ago, "Busy") for _ in range(250)]
    with state.lock:
        for call_id in old:
            state.table("calls").archive(state.table("calls").records[call_id], long_ago)
    connector = connect(emulator, rules, lookback=timedelta(0))  # no skew allowance to hide in
    cursors = drain(connector.read_activities({})).cursors
    reported: list[list[str]] = []
    for _ in range(4):
        if len(reported) == 1:
            assert delete(emulator, "calls", first) == 204  # behind the scan's position
        state.reset_counts()
        read = drain(connector.read_activities(cursors), Drained(cursors=dict(cursors)))
        cursors = read.cursors
        reported.append([a.activity_id for a in read.items["calls_archived"]])
        archived_reads = [
            r
            for r in state.request_log
            if r.object_type == "calls" and "archived=true" in r.path.lower()
        ]
        assert len(archived_reads) == 1
    assert reported == [[], [], [], [f"calls:{first}"]]  # 251 archived: a cycle of 3 pages
    connector.close()
