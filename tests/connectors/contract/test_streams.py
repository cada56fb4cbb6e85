"""Every page carries its own stream's cursor, and cursors fed back read nothing already read.

The first read of each read method is a full backfill (no cursors). Read again with every
stream's cursor, nothing comes (an unchanged increment); read again with every cursor but
one stream's, exactly that stream's items come again and no other's: had a page of stream A
carried stream B's cursor, A's items would be re-read with B's, or B's cursor would have
moved past items it never read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from connectors.base import Activity, Connector, Cursor, Deal, PlatformRecord

from .subject import READS, Drained, Subject, drain, read, require

ITEM_TYPES: dict[str, type] = {
    "read_records": PlatformRecord,
    "read_activities": Activity,
    "read_deals": Deal,
}


@pytest.fixture(scope="module")
def connector(subject: Subject) -> Iterator[Connector]:
    made = subject.connector()
    yield made
    made.close()


@pytest.fixture(scope="module")
def backfills(subject: Subject, connector: Connector) -> dict[str, Drained]:
    return {
        method: drain(read(connector, method)({}))
        for method in READS
        if method in subject.capabilities
    }


@pytest.mark.parametrize("method", READS)
def test_every_page_carries_a_storable_cursor_and_its_methods_items(
    subject: Subject, backfills: dict[str, Drained], method: str
) -> None:
    """Each page's cursor is a ``Cursor`` with a stream name and a JSON value (it is stored
    as JSON with the page), and its items are what the method reads."""
    require(subject, method)
    drained = backfills[method]
    if method in subject.empty_reads:
        assert drained.all() == [], f"{method} read what the platform does not hold"
    else:
        assert drained.all(), f"{method} read nothing"
    for cursor in drained.every_cursor:
        assert isinstance(cursor, Cursor) and isinstance(cursor.stream, str) and cursor.stream
        assert json.loads(json.dumps(dict(cursor.value))) == dict(cursor.value), cursor
    assert all(isinstance(item, ITEM_TYPES[method]) for item in drained.all())


def test_each_stream_belongs_to_one_read_method(backfills: dict[str, Drained]) -> None:
    streams = [name for drained in backfills.values() for name in drained.cursors]
    assert len(streams) == len(set(streams))


def test_records_span_pages(subject: Subject, backfills: dict[str, Drained]) -> None:
    """The world is big enough for the page-boundary tests (resume) to mean something."""
    require(subject, "read_records")
    assert max(backfills["read_records"].pages.values()) >= 2


@pytest.mark.parametrize("method", READS)
def test_an_unchanged_increment_reads_nothing(
    subject: Subject, connector: Connector, backfills: dict[str, Drained], method: str
) -> None:
    require(subject, method)
    cursors = dict(backfills[method].cursors)
    again = drain(read(connector, method)(cursors))
    assert again.all() == []


@pytest.mark.parametrize("method", READS)
def test_without_one_streams_cursor_exactly_that_stream_is_read_again(
    subject: Subject, backfills: dict[str, Drained], method: str
) -> None:
    require(subject, method)
    first = backfills[method]
    for stream in first.cursors:
        cursors = {name: c for name, c in first.cursors.items() if name != stream}
        connector = subject.connector()  # a run of its own (its own client-side budget)
        again = drain(read(connector, method)(cursors))
        connector.close()
        assert {name for name, items in again.items.items() if items} <= {stream}, stream
        assert again.seen() == Drained(items={stream: first.items[stream]}).seen(), stream
