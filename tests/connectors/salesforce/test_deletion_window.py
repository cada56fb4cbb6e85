"""getDeleted windows: a run too soon after the last one is not a failure, and a deletion
in the last, truncated, minute of one run's window is reported by a later run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.errors import RecordError
from connectors.salesforce.deletions import ask_window, next_since, read_deleted
from connectors.salesforce.increments import StreamState
from connectors.salesforce.streams import LEADS
from sandbox.salesforce import SalesforceEmulator

from .conftest import Clock, MakeConnector
from .test_reads import Cursors, drain, follow


def purge(org: SalesforceEmulator, lead_id: str, when: datetime) -> None:
    """Deleted and purged from the recycle bin at ``when``: only getDeleted still knows it."""
    with org.state.lock:
        del org.state.table("Lead").records[lead_id]
        org.state.deleted_log[lead_id] = when


def test_a_deletion_in_the_last_partial_minute_is_reported_by_a_later_run(
    org: SalesforceEmulator, make_connector: MakeConnector, clock: Clock
) -> None:
    connector = make_connector()
    cursors: Cursors = {}
    clock.now = clock.now.replace(second=0, microsecond=0)
    drain(connector.read_records({}), cursors)  # the backfill, at hh:mm:0x
    first, second = (r["Id"] for r in org.state.records("Lead")[:2])
    purge(org, first, clock.now)
    assert follow(connector, cursors) == {}  # seconds later: the window is too short yet
    # getDeleted is asked at most hourly (ReadOptions.deleted_every), hence the hours
    clock.now = clock.now.replace(second=0) + timedelta(hours=1, minutes=3, seconds=40)
    purge(org, second, clock.now)  # in the minute the next run's window ends in
    seen = follow(connector, cursors)
    assert list(seen) == [first]  # the window ends at the start of this minute
    clock.now += timedelta(hours=1)
    seen = follow(connector, cursors)
    assert list(seen) == [second] and seen[second].deleted


class Refusing:
    """A platform that refuses every getDeleted window, as Salesforce does a short one."""

    def __init__(self) -> None:
        self.calls = 0

    def call(self, fn: Callable[[Any], Any], **_: Any) -> Any:
        self.calls += 1
        raise RecordError(
            "Salesforce answered 400 INVALID_REPLICATION_DATE: too short",
            platform="salesforce",
            status=400,
            code="INVALID_REPLICATION_DATE",
        )


def test_a_short_window_the_platform_refuses_anyway_is_nothing_yet() -> None:
    since = datetime(2026, 11, 24, 12, 0, 30, tzinfo=UTC)
    state = StreamState(
        phase="rest", ts="2026-11-24T11:00:00+00:00", id="00Q1", deleted_since=since.isoformat()
    )
    client = Refusing()
    pages = list(read_deleted(client, LEADS, ["Id"], state, since + timedelta(minutes=3)))  # type: ignore[arg-type]
    assert client.calls == 1
    assert pages == [([], state)]  # nothing read; the window starts at the same place next run


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-24T{text}+00:00")


@pytest.mark.parametrize(
    ("since", "now", "window"),
    [
        ("12:00:30", "12:00:50", None),  # same minute
        ("12:00:10", "12:01:59", None),  # 12:00 -> 12:01: one minute is not enough
        ("12:00:59", "12:02:00", ("12:00:00", "12:02:00")),  # 61 s, two whole minutes
        ("11:55:20", "12:00:59", ("11:55:00", "12:00:00")),  # the partial minute is left out
        ("12:00:00", "11:59:00", None),  # a clock that went back
    ],
)
def test_ask_window_drops_seconds_and_skips_a_minute_or_less(
    since: str, now: str, window: tuple[str, str] | None
) -> None:
    expected = None if window is None else (at(window[0]), at(window[1]))
    assert ask_window(at(since), at(now)) == expected


@pytest.mark.parametrize(
    ("covered", "after"),
    [
        ("2026-11-24T12:00:00.000+0000", "12:00:00"),  # as Salesforce answers
        ("2026-11-24T11:58:00.000+0000", "11:58:00"),  # a long transaction held it back
        ("2026-11-24T12:00:59.000+0000", "12:00:00"),  # past our end: the partial minute stays
        ("2026-11-24T13:00:00Z", "12:00:00"),  # a platform ahead of us
        ("2026-11-24T11:00:00Z", "11:55:00"),  # before our start: no moving backwards
        (None, "12:00:00"),  # none sent
        ("soon", "12:00:00"),  # unreadable
    ],
)
def test_next_since_is_latest_date_covered_within_the_window(
    covered: str | None, after: str
) -> None:
    assert next_since(covered, at("11:55:00"), at("12:00:00")) == at(after)


def rest_state(since: datetime) -> StreamState:
    return StreamState(phase="rest", ts="2026-11-24T11:00:00+00:00", id="00Q1",
                       deleted_since=since.isoformat())  # fmt: skip


def test_a_long_window_the_platform_refuses_schedules_a_full_reread(caplog: Any) -> None:
    since = at("10:00:30")
    pages = list(read_deleted(Refusing(), LEADS, ["Id"], rest_state(since), at("12:00:00")))  # type: ignore[arg-type]
    assert pages == [([], StreamState(phase="new"))]
    assert "scheduling a full re-read" in caplog.text


class Answering:
    """A platform answering getDeleted with ``body``, and queryAll knowing no id."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.calls = 0

    def call(self, fn: Callable[[Any], Any], **_: Any) -> Any:
        self.calls += 1
        return self.body if self.calls == 1 else {"records": []}


def test_a_deleted_entry_without_an_id_is_skipped_and_named(caplog: Any) -> None:
    body = {
        "deletedRecords": [{"deletedDate": "2026-11-24T11:57:00.000+0000"}, {"id": "00QX"}],
        "latestDateCovered": "2026-11-24T12:00:00.000+0000",
    }
    state = rest_state(at("11:55:10"))
    pages = list(read_deleted(Answering(body), LEADS, ["Id"], state, at("12:00:30")))  # type: ignore[arg-type]
    ((rows, after),) = pages
    assert [r["Id"] for r in rows] == ["00QX"] and rows[0]["IsDeleted"]
    assert after.deleted_since == at("12:00:00").isoformat()
    assert "without an id" in caplog.text
