"""Search increments that cannot lose a row: a record modified between two pages of a read,
and more than 10,000 changes on one millisecond, are all read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from config.rules import Rules
from connectors.base import Cursor
from connectors.hubspot.connector import HubSpotConnector
from sandbox.hubspot import HubSpotEmulator
from sandbox.hubspot.wire import iso, to_ms
from sandbox.seed import HubSpotObject

from .support import Drained, connect, drain


@pytest.fixture
def emulator() -> Iterator[HubSpotEmulator]:
    emulator = HubSpotEmulator(ten_second_limit=1000, search_per_second=1000)
    emulator.start()
    yield emulator
    emulator.stop()


def add_contacts(emulator: HubSpotEmulator, moments: list[datetime]) -> list[str]:
    """Contacts last modified at the given instants; their ids in the same order."""
    state = emulator.state
    ids = []
    with state.lock:
        for n, moment in enumerate(moments):
            contact = HubSpotObject(
                state.next_id(),
                {"email": f"p{n}@example.com", "lastmodifieddate": iso(moment)},
                moment,
                moment,
            )
            state.table("contacts").insert(contact)
            ids.append(contact.id)
    return ids


def contacts_increment(connector: HubSpotConnector, since: Cursor) -> Drained:
    """One increment of the contacts stream (deleted contacts: an up-to-date cursor)."""
    quiet = Cursor("contacts_archived", {"mode": "increment", "since": to_ms(datetime.now(UTC))})
    return drain(connector.read_records({"contacts": since, "contacts_archived": quiet}))


def read_ids(read: Drained) -> set[str]:
    return {r.ref.record_id for r in read.items["contacts"]}


def test_a_record_modified_between_two_pages_does_not_hide_another(
    emulator: HubSpotEmulator, rules: Rules
) -> None:
    now = datetime.now(UTC)
    start = now - timedelta(hours=2)
    moments = [start + timedelta(seconds=10 * i) for i in range(450)]  # all > 10 min ago
    ids = add_contacts(emulator, moments)
    state = emulator.state
    searches: list[str] = []

    def touch_first_after_page_one(type_name: str) -> None:
        searches.append(type_name)
        if len(searches) == 1:
            with state.lock:
                first = state.table("contacts").records[ids[0]]
                state.table("contacts").touch(first, datetime.now(UTC))

    state.after_search = touch_first_after_page_one
    connector = connect(emulator, rules)
    since = Cursor("contacts", {"mode": "increment", "since": to_ms(start) - 1000})
    first = contacts_increment(connector, since)
    state.after_search = None
    second = contacts_increment(connector, first.cursors["contacts"])
    assert read_ids(first) | read_ids(second) == set(ids)
    connector.close()


def test_more_than_10000_changes_on_one_millisecond_are_all_read(
    emulator: HubSpotEmulator, rules: Rules
) -> None:
    moment = datetime.now(UTC) - timedelta(hours=1)
    ids = add_contacts(emulator, [moment] * 10_001)
    connector = connect(emulator, rules, search_per_second=1000)
    since = Cursor("contacts", {"mode": "increment", "since": to_ms(moment) - 1000})
    read = contacts_increment(connector, since)
    got = [r.ref.record_id for r in read.items["contacts"]]
    assert set(got) == set(ids)
    assert read.cursors["contacts"].value["since"] > to_ms(moment)
    connector.close()


def test_a_change_search_has_not_indexed_yet_is_read_by_the_next_increment(
    emulator: HubSpotEmulator, rules: Rules
) -> None:
    base = datetime.now(UTC)
    shift = [timedelta(0)]
    state = emulator.state
    state.clock = lambda: base + shift[0]
    state.index_delay_ms = 5_000
    ids = add_contacts(emulator, [base - timedelta(hours=1), base - timedelta(seconds=1)])
    connector = connect(
        emulator, rules, search_margin=timedelta(seconds=10), clock=lambda: base + shift[0]
    )
    since = Cursor("contacts", {"mode": "increment", "since": to_ms(base - timedelta(hours=2))})
    first = contacts_increment(connector, since)
    assert read_ids(first) == {ids[0]}  # the other one is not indexed yet
    shift[0] = timedelta(seconds=30)
    second = contacts_increment(connector, first.cursors["contacts"])
    assert read_ids(second) == {ids[1]}
    connector.close()
