"""Records skipped for bad data: stored with their page, listed by ``errors``, summed in the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import pytest

from connectors.base import (
    Activity,
    Cursor,
    Deal,
    Owner,
    Page,
    Platform,
    PlatformRecord,
    RecordRef,
    RecordType,
    Skip,
)
from sync.pull import pull
from sync.store.migrate import open_store
from sync.store.runlog import failures

HS = Platform.HUBSPOT
SINCE = datetime(2000, 1, 1, tzinfo=UTC)


def _skip(n: int, kind: str) -> Skip:
    return Skip(HS, "contacts", str(n), "createdate", f"value {n} is bad", kind)


class Skipping:
    """A connector whose one record page carries five bad dates and one bad boolean."""

    platform = HS

    def read_records(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[PlatformRecord]]:
        good = [PlatformRecord(RecordRef(RecordType.HUBSPOT_CONTACT, "1"), "a@b.c")]
        skips = (*(_skip(n, "bad_date") for n in range(10, 15)), _skip(20, "bad_boolean"))
        yield Page(good, Cursor("contacts", {"n": 1}), True, skips)

    def read_activities(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Activity]]:
        yield from ()

    def read_deals(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Deal]]:
        yield from ()

    def read_owners(self) -> Iterator[Owner]:
        yield from ()


def test_skips_are_stored_listed_and_summed(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = open_store(sqlite_url)
    caplog.set_level(logging.DEBUG, logger="reengage.pull")
    stats = pull(engine, Skipping())
    pull(engine, Skipping())  # read again: still one entry per record, seen twice
    assert (stats.records, stats.skipped) == (1, 6)
    with engine.connect() as conn:
        listed = failures(conn, SINCE)
    assert {(f.kind, f.record_type, f.record_id, f.attempts) for f in listed} == {
        *(("skipped", "hubspot_contact", str(n), 2) for n in range(10, 15)),
        ("skipped", "hubspot_contact", "20", 2),
    }
    assert {f.error_code for f in listed} == {"bad_date", "bad_boolean"}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 4  # one per kind, per pull
    dates = next(w for w in warnings if "bad_date" in w)
    assert "5 record(s)" in dates and dates.count("hubspot contacts 1") == 3
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG and "skipped" in r.msg]
    assert len(debug) == 12
    engine.dispose()
