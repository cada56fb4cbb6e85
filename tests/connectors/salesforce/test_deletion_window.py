"""getDeleted windows: a run too soon after the last one is not a failure, and a deletion
in the last, truncated, minute of one run's window is reported by a later run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.errors import RecordError
from connectors.salesforce.deletions import read_deleted
from connectors.salesforce.increments import StreamState
from connectors.salesforce.streams import LEADS
from connectors.sandbox.salesforce import SalesforceEmulator

from .conftest import Clock, MakeConnector
from .test_reads import Cursors, drain, follow

FAILURE_1 = "Failure 1: a getDeleted window of one minute or less fails the run"


def purge(org: SalesforceEmulator, lead_id: str, when: datetime) -> None:
    """Deleted and purged from the recycle bin at ``when``: only getDeleted still knows it."""
    with org.state.lock:
        del org.state.table("Lead").records[lead_id]
        org.state.deleted_log[lead_id] = when


@pytest.mark.xfail(strict=True, reason=FAILURE_1)
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
    clock.now = clock.now.replace(second=0) + timedelta(minutes=3, seconds=40)
    purge(org, second, clock.now)  # in the minute the next run's window ends in
    seen = follow(connector, cursors)
    assert list(seen) == [first]  # the window ends at the start of this minute
    clock.now += timedelta(minutes=2)
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


@pytest.mark.xfail(strict=True, reason=FAILURE_1)
def test_a_short_window_the_platform_refuses_anyway_is_nothing_yet() -> None:
    since = datetime(2026, 11, 24, 12, 0, 30, tzinfo=UTC)
    state = StreamState(
        phase="rest", ts="2026-11-24T11:00:00+00:00", id="00Q1", deleted_since=since.isoformat()
    )
    client = Refusing()
    pages = list(read_deleted(client, LEADS, ["Id"], state, since + timedelta(minutes=3)))  # type: ignore[arg-type]
    assert client.calls == 1
    assert pages == [([], state)]  # nothing read; the window starts at the same place next run
