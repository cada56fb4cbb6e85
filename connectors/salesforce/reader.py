"""Reads one stream from wherever its cursor says: backfill (Bulk 2.0 or REST) or increments.

* No cursor: count the object's rows (``queryAll`` ``COUNT()``); above
  ``bulk_threshold`` the backfill is a Bulk API 2.0 job, else a REST read from the
  start. Either way the cursor ends in the ``rest`` phase at the largest
  (``SystemModstamp``, ``Id``) read.
* ``rest``: the rows after the bookmark (:mod:`connectors.salesforce.increments`),
  then, for streams that ask, deletions from ``getDeleted``
  (:mod:`connectors.salesforce.deletions`).

Field lists cost no request on an unchanged increment (:class:`FieldLists`): a
stream without optional fields selects its declared fields as they are; one with
optional fields asks the org's describe, and its stream cursor remembers the
answer for :data:`DESCRIBE_EVERY`. When the org refuses a field anyway
(``INVALID_FIELD``: deleted, or hidden from the integration user), the object is
described then and the read retried: a missing required field is a configuration
error that names it; a missing optional one is left out with a warning.

``getDeleted`` is asked at most every :attr:`ReadOptions.deleted_every` (an hour):
``queryAll`` already returns what the recycle bin holds, deleted and merged rows
with their data, so the delete log only adds records purged sooner, and an hour's
delay for those costs an increment nothing while saving a request per object.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.salesforce import soql
from connectors.salesforce.bulk import POLL_DEADLINE, BulkReader
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.deletions import read_deleted
from connectors.salesforce.fieldlists import FieldLists
from connectors.salesforce.increments import Row, StreamState, read_rest
from connectors.salesforce.streams import Stream
from connectors.timeparse import parse_instant

log = logging.getLogger("reengage.salesforce.reader")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReadOptions:
    """How big a backfill goes to Bulk 2.0, page sizes, and how often getDeleted is asked.

    Attributes:
        bulk_threshold: objects with more rows than this are backfilled with Bulk API 2.0.
        bulk_max_records: rows per Bulk 2.0 results chunk.
        bulk_poll_seconds: first wait between Bulk 2.0 job status polls.
        bulk_poll_deadline: how long a run waits for one Bulk 2.0 job before it stops
            cleanly (the next run waits on the same job).
        batch_size: REST query page size (200..2000).
        deleted_every: getDeleted is asked when its window is at least this long.
        clock: now, in UTC (the getDeleted window ends there).
    """

    bulk_threshold: int = 10_000
    bulk_max_records: int = 50_000
    bulk_poll_seconds: float = 1.0
    bulk_poll_deadline: float = POLL_DEADLINE
    batch_size: int = 2000
    deleted_every: timedelta = timedelta(hours=1)
    clock: Callable[[], datetime] = field(default=_utc_now)


def deletions_due(state: StreamState, now: datetime, every: timedelta) -> bool:
    """Whether getDeleted should be asked now: never asked, or its window is ``every`` long."""
    try:
        since = parse_instant(state.deleted_since)
    except ValueError:
        return True
    return since is None or now - since >= every


class StreamReader:
    def __init__(self, client: SalesforceClient, options: ReadOptions) -> None:
        self.client = client
        self.options = options
        self.bulk = BulkReader(
            client,
            max_records=options.bulk_max_records,
            poll_seconds=options.bulk_poll_seconds,
            poll_deadline=options.bulk_poll_deadline,
        )
        self.lists = FieldLists(client, options.clock)

    def fields(self, stream: Stream) -> list[str]:
        return self.lists.fields(stream)

    def count(self, stream: Stream) -> int:
        query = "SELECT COUNT() FROM " + soql.identifier(stream.sobject)
        answer = self.client.call(lambda sf: sf.query(query, include_deleted=True))
        return int(answer.get("totalSize", 0))

    def latest(self, stream: Stream) -> StreamState:
        """A rest-phase state at the newest row now (a stream only followed from here on)."""
        query = soql.select(
            stream.sobject,
            ("Id", stream.stamp),
            order_by=(stream.stamp, "Id"),
            descending=True,
            limit=1,
        )
        answer = self.client.call(lambda sf: sf.query(query, include_deleted=True))
        rows: list[dict[str, Any]] = answer.get("records", [])
        stamp = self.options.clock().isoformat()
        if not rows:
            return StreamState(phase="rest", deleted_since=stamp)
        return StreamState(
            phase="rest", ts=str(rows[0][stream.stamp]), id=str(rows[0]["Id"]), deleted_since=stamp
        )

    def _source(
        self, stream: Stream, fields: list[str], state: StreamState
    ) -> Iterator[tuple[list[Row], StreamState]]:
        if state.phase == "bulk" or (
            state.phase == "new" and self.count(stream) > self.options.bulk_threshold
        ):
            types = self.lists.types(stream.sobject)
            return self.bulk.read(stream, fields, types, state)
        return read_rest(self.client, stream, fields, state, batch_size=self.options.batch_size)

    def read(self, stream: Stream, state: StreamState) -> Iterator[tuple[list[Row], StreamState]]:
        """Pages of flat typed rows, each with the state that resumes after it."""
        started = self.options.clock().isoformat()
        backfill = state.phase in ("new", "bulk")
        pages = self.lists.selecting(stream, lambda fields: self._source(stream, fields, state))
        last = state
        for rows, last in pages:
            if backfill and last.phase == "rest":
                last = replace(last, deleted_since=last.deleted_since or started)
            yield rows, last
        if not stream.get_deleted or last.phase != "rest" or backfill:
            return
        now = self.options.clock()
        if deletions_due(last, now, self.options.deleted_every):
            yield from read_deleted(self.client, stream, self.fields(stream), last, now)
