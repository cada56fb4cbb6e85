"""Deletions that ``queryAll`` can no longer show, from ``getDeleted`` (15 days at most).

``queryAll`` returns deleted and merged-away rows while the recycle bin holds them,
and the increments read them with their data (``MasterRecordId`` included). A
record purged sooner is only in Salesforce's delete log, which ``getDeleted``
reads for no more than the last 15 days. So each run asks ``getDeleted`` for the
window since the last one and reports, as bare deleted rows, only the ids that
``queryAll`` no longer knows. When the window has lapsed (no run for 15 days),
deletions may have been missed: the stream is scheduled for a full re-read (its
cursor goes back to ``new``) and the log says so.

**The window rule** (:func:`ask_window`, :func:`next_since`). Salesforce ignores the
seconds of ``start`` and ``end`` and refuses (400 ``INVALID_REPLICATION_DATE``) a
window whose start does not precede its end by more than one minute. So:

* ``start`` is ``deleted_since`` truncated down to the minute and ``end`` is now
  truncated down to the minute: what we ask is exactly what the platform answers,
  ``[start, end)``; the current, partial minute is never part of an answer;
* when ``end - start`` is one minute or less the call is not made: nothing is
  read and ``deleted_since`` does not move, so the next run covers that time;
* the next ``deleted_since`` is the answer's ``latestDateCovered`` (Salesforce: "use
  this value for the startDate of your next call"), but never later than ``end``
  and never earlier than ``start``; without one (or unreadable), ``end``.

Example: since 11:55:20, a run at 12:00:59 asks ``[11:55, 12:00)``; a record deleted
at 12:00:40 is not in that answer; the next start is 12:00, so the next run's window
(once it is two minutes long) reports it. A platform that counted the end minute in
full would report it twice: reporting a deletion twice changes nothing, missing one
would. Overlap is the safe side of every boundary here.

A platform that refuses a window anyway (400 ``INVALID_REPLICATION_DATE``) is read as
"nothing yet" when the window is at most :data:`SHORT` long (its clock is behind
ours, or it wants a longer window): ``deleted_since`` stays. Refusing a longer window
means its log no longer reaches back to ``start`` (a purged Recycle Bin): the window
is treated as lapsed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from simple_salesforce.api import Salesforce

from connectors.errors import ConnectorError
from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.increments import Row, StreamState
from connectors.salesforce.streams import Stream
from connectors.timeparse import parse_instant

log = logging.getLogger("reengage.salesforce.deletions")
WINDOW = timedelta(days=15)
MIN_SPAN = timedelta(minutes=1)
"""A window must be longer than this once seconds are dropped (Salesforce's rule)."""
SHORT = timedelta(minutes=5)
"""A refused window no longer than this is "nothing yet", not a lapsed log."""
REFUSED = "INVALID_REPLICATION_DATE"
LOOKUP_CHUNK = 100


def window_lapsed(since: datetime | None, now: datetime) -> bool:
    """True when getDeleted can no longer cover everything since ``since``."""
    return since is None or now - since >= WINDOW - timedelta(minutes=5)


def to_minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def ask_window(since: datetime, now: datetime) -> tuple[datetime, datetime] | None:
    """``(start, end)`` on whole minutes to ask getDeleted for, or None while too short."""
    start, end = to_minute(since), to_minute(now)
    return (start, end) if end - start > MIN_SPAN else None


def next_since(covered: object, start: datetime, end: datetime) -> datetime:
    """Where the next window starts: ``latestDateCovered`` kept within ``[start, end]``."""
    try:
        when = parse_instant(covered if isinstance(covered, str) else None)
    except ValueError:
        when = None
    return end if when is None else min(max(when, start), end)


def wire(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def read_deleted(
    client: SalesforceClient,
    stream: Stream,
    fields: Sequence[str],
    state: StreamState,
    now: datetime,
) -> Iterator[tuple[list[Row], StreamState]]:
    since = parse_instant(state.deleted_since)
    if window_lapsed(since, now):
        log.warning(
            "getDeleted covers only 15 days and %s was last checked %s: scheduling a full "
            "re-read of its ids on the next run",
            stream.sobject,
            state.deleted_since or "never",
        )
        yield [], StreamState(phase="new")
        return
    assert since is not None
    window = ask_window(since, now)
    if window is None:
        log.debug("getDeleted window for %s is a minute or less: next run", stream.sobject)
        yield [], state
        return
    try:
        answer = _get_deleted(client, stream, *window)
    except ConnectorError as exc:
        if exc.code != REFUSED:
            raise
        yield [], _refused(stream, state, window, exc)
        return
    gone = _gone(stream, answer.get("deletedRecords"), window[1])
    purged = sorted(set(gone) - _still_known(client, stream, sorted(gone)))
    rows: list[Row] = [{"Id": i, "IsDeleted": True, stream.stamp: gone[i]} for i in purged]
    covered = next_since(answer.get("latestDateCovered"), *window)
    yield rows, replace(state, deleted_since=covered.isoformat())


def _get_deleted(
    client: SalesforceClient, stream: Stream, start: datetime, end: datetime
) -> dict[str, Any]:
    name = soql.identifier(stream.sobject)
    params = {"start": wire(start), "end": wire(end)}
    answer: dict[str, Any] = client.call(
        lambda sf: sf.restful(f"sobjects/{name}/deleted/", params=params) or {}
    )
    return answer


def _gone(stream: Stream, entries: object, end: datetime) -> dict[str, str]:
    """Deleted id -> deletedDate; an entry without an id is skipped and named in the log."""
    gone: dict[str, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        record_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(record_id, str) or not record_id:
            log.warning("getDeleted for %s sent an entry without an id: %r", stream.sobject, entry)
            continue
        gone[record_id] = str(entry.get("deletedDate") or end.isoformat())
    return gone


def _refused(
    stream: Stream, state: StreamState, window: tuple[datetime, datetime], exc: ConnectorError
) -> StreamState:
    """The state after a refused window: unchanged when short, else a full re-read."""
    start, end = window
    if end - start <= SHORT:
        log.info("getDeleted refused a short window for %s: next run", stream.sobject)
        return state
    log.warning(
        "getDeleted refused %s from %s (%s): scheduling a full re-read of its ids on the next run",
        stream.sobject,
        wire(start),
        exc.user_message,
    )
    return StreamState(phase="new")


def _query_all(query: str, sf: Salesforce) -> Any:
    return sf.query_all(query, include_deleted=True)


def _still_known(client: SalesforceClient, stream: Stream, ids: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        part = tuple(ids[start : start + LOOKUP_CHUNK])
        query = soql.select(stream.sobject, ("Id",), soql.In("Id", part))
        answer: dict[str, Any] = client.call(partial(_query_all, query))
        known.update(str(r["Id"]) for r in answer.get("records", []))
    return known
