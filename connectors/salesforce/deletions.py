"""Deletions that ``queryAll`` can no longer show, from ``getDeleted`` (15 days at most).

``queryAll`` returns deleted and merged-away rows while the recycle bin holds them,
and the increments read them with their data (``MasterRecordId`` included). A
record purged sooner is only in Salesforce's delete log, which ``getDeleted``
reads for no more than the last 15 days. So each run asks ``getDeleted`` for the
window since the last one and reports, as bare deleted rows, only the ids that
``queryAll`` no longer knows. When the window has lapsed (no run for 15 days),
deletions may have been missed: the stream is scheduled for a full re-read (its
cursor goes back to ``new``) and the log says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from simple_salesforce.api import Salesforce

from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.increments import Row, StreamState
from connectors.salesforce.streams import Stream
from connectors.timeparse import parse_instant

log = logging.getLogger("reengage.salesforce.deletions")
WINDOW = timedelta(days=15)
LOOKUP_CHUNK = 100


def window_lapsed(since: datetime | None, now: datetime) -> bool:
    """True when getDeleted can no longer cover everything since ``since``."""
    return since is None or now - since >= WINDOW - timedelta(minutes=5)


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
    name = soql.identifier(stream.sobject)
    params = {
        "start": since.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "end": now.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    }
    answer: dict[str, Any] = client.call(
        lambda sf: sf.restful(f"sobjects/{name}/deleted/", params=params) or {}
    )
    gone = {str(r["id"]): str(r["deletedDate"]) for r in answer.get("deletedRecords", [])}
    purged = sorted(set(gone) - _still_known(client, stream, sorted(gone)))
    rows: list[Row] = [{"Id": i, "IsDeleted": True, stream.stamp: gone[i]} for i in purged]
    covered = str(answer.get("latestDateCovered") or now.isoformat())
    yield rows, replace(state, deleted_since=covered)


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
