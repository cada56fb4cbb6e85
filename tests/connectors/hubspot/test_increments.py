"""Increments through search: exactly the changed records, and >10,000 changes in one window."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from config.rules import Rules
from connectors.base import (
    Activity,
    Cursor,
    FieldUpdate,
    Page,
    PlatformRecord,
    RecordType,
    WriteStatus,
)
from connectors.hubspot.mapping import contact_ref
from sandbox.hubspot import HubSpotEmulator
from sandbox.seed import HubSpotObject

from .support import connect, dataset, drain, read_everything, start_emulator


@pytest.fixture
def emulator() -> Iterator[HubSpotEmulator]:
    emulator = start_emulator(dataset(300, seed=9), ten_second_limit=250, search_per_second=100)
    yield emulator
    emulator.stop()


def test_increment_after_changes_reads_exactly_the_changed_records(
    emulator: HubSpotEmulator, rules: Rules
) -> None:
    connector = connect(emulator, rules, search_per_second=100)
    before = read_everything(connector, {})
    state = emulator.state
    contacts = sorted(state.objects("contacts", archived=False), key=lambda o: int(o.id))
    changed = [c.id for c in contacts[:20]]
    results = connector.update_fields(
        [
            FieldUpdate(f"u{i}", contact_ref(cid), {"company": "Changed"})
            for i, cid in enumerate(changed)
        ]
    )
    assert {r.status for r in results} == {WriteStatus.APPLIED}
    gone = contacts[-2:]
    call = state.objects("calls", archived=False)[0]
    with state.lock:
        for contact in gone:
            state.table("contacts").archive(contact, datetime.now(UTC))
        call.properties["hs_call_title"] = "Changed"
        state.table("calls").touch(call, datetime.now(UTC))

    after = read_everything(connector, before.cursors)
    live = {r.ref.record_id for r in after.items["contacts"] if not r.deleted}
    assert live == set(changed)
    assert {r.ref.record_id for r in after.items["contacts_archived"]} == {c.id for c in gone}
    assert all(
        isinstance(r, PlatformRecord) and r.deleted for r in after.items["contacts_archived"]
    )
    assert {a.activity_id.split(":")[1] for a in after.items["calls"]} == {call.id}
    for name in (
        "emails",
        "meetings",
        "notes",
        "tasks",
        "deals",
        "email_events_open",
        "web_visits",
    ):
        assert after.items[name] == [], name
    for name, cursor in after.cursors.items():
        assert cursor.value["since"] > before.cursors[name].value["since"], name
    connector.close()


def notes_only(pages: Iterator[Page[Activity]]) -> Iterator[Page[Activity]]:
    """The notes stream's pages; stops once it is complete (the later streams are not read)."""
    for page in pages:
        if page.cursor.stream == "notes":
            yield page
            if page.complete:
                return


def test_more_than_10000_changes_in_one_window_are_all_read(
    emulator: HubSpotEmulator, rules: Rules
) -> None:
    state = emulator.state
    now = datetime.now(UTC)
    start = now - timedelta(minutes=5)
    contact = state.objects("contacts", archived=False)[0].id
    inserted = set()
    with state.lock:
        for i in range(10_300):
            moment = start + timedelta(milliseconds=i * 20)
            note = HubSpotObject(
                state.next_id(),
                {"hs_timestamp": moment.isoformat(), "hs_note_body": f"n{i}"},
                moment,
                moment,
            )
            state.table("notes").insert(note)
            state.associate("notes", note.id, "contacts", contact)
            inserted.add(note.id)
    time.sleep(0.01)
    connector = connect(emulator, rules, search_per_second=100, lookback=timedelta(0))
    since = int(start.timestamp() * 1000)
    quiet = {"mode": "increment", "since": int(time.time() * 1000)}
    cursors = {name: Cursor(name, quiet) for name in ("emails", "calls", "meetings")}
    cursors["notes"] = Cursor("notes", {"mode": "increment", "since": since})
    read = drain(notes_only(connector.read_activities(cursors)))
    ids = [a.activity_id.split(":")[1] for a in read.items["notes"]]
    assert len(ids) == len(set(ids)) == len(inserted)
    assert set(ids) == inserted
    assert all(a.record.record_type is RecordType.HUBSPOT_CONTACT for a in read.items["notes"])
    searches = connector.client.requests["objects.search.do_search"]
    assert searches >= 10_300 // 200  # keyset pages of 200, each query from offset 0
    connector.close()
