"""Reads one stream from wherever its cursor says: backfill (Bulk 2.0 or REST) or increments.

* No cursor: count the object's rows (``queryAll`` ``COUNT()``); above
  ``bulk_threshold`` the backfill is a Bulk API 2.0 job, else a REST read from the
  start. Either way the cursor ends in the ``rest`` phase at the largest
  (``SystemModstamp``, ``Id``) read.
* ``rest``: the rows after the bookmark (:mod:`connectors.salesforce.increments`),
  then, for streams that ask, deletions from ``getDeleted``
  (:mod:`connectors.salesforce.deletions`).

Fields are checked against the org's describe once per object: a missing
required field is a configuration error that names it; a missing optional one is
left out with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from connectors.errors import ConfigurationError
from connectors.salesforce import soql
from connectors.salesforce.bulk import BulkReader
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.deletions import read_deleted
from connectors.salesforce.increments import Row, StreamState, read_rest
from connectors.salesforce.streams import Stream

log = logging.getLogger("reengage.salesforce.reader")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReadOptions:
    """How big a backfill goes to Bulk 2.0, and page sizes.

    Attributes:
        bulk_threshold: objects with more rows than this are backfilled with Bulk API 2.0.
        bulk_max_records: rows per Bulk 2.0 results chunk.
        bulk_poll_seconds: first wait between Bulk 2.0 job status polls.
        batch_size: REST query page size (200..2000).
        clock: now, in UTC (the getDeleted window ends there).
    """

    bulk_threshold: int = 10_000
    bulk_max_records: int = 50_000
    bulk_poll_seconds: float = 1.0
    batch_size: int = 2000
    clock: Callable[[], datetime] = field(default=_utc_now)


class StreamReader:
    def __init__(self, client: SalesforceClient, options: ReadOptions) -> None:
        self.client = client
        self.options = options
        self.bulk = BulkReader(
            client, max_records=options.bulk_max_records, poll_seconds=options.bulk_poll_seconds
        )
        self._described: dict[str, dict[str, str]] = {}

    def types(self, sobject: str) -> dict[str, str]:
        """Field name -> describe type, one describe per object per connector."""
        if sobject not in self._described:
            name = soql.identifier(sobject)
            body: dict[str, Any] = self.client.call(
                lambda sf: sf.restful(f"sobjects/{name}/describe/") or {}
            )
            self._described[sobject] = {str(f["name"]): str(f["type"]) for f in body["fields"]}
        return self._described[sobject]

    def fields(self, stream: Stream) -> list[str]:
        known = {name.lower() for name in self.types(stream.sobject)}
        missing = [f for f in stream.fields if "." not in f and f.lower() not in known]
        if missing:
            raise ConfigurationError(
                f"Salesforce {stream.sobject} lacks field(s) {', '.join(missing)} "
                "(or the integration user cannot see them)",
                platform="salesforce",
            )
        optional = [f for f in stream.optional if f.lower() in known]
        for name in set(stream.optional) - set(optional):
            log.warning("Salesforce %s has no field %s: reading without it", stream.sobject, name)
        return [soql.identifier(f) for f in (*stream.fields, *optional)]

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

    def read(self, stream: Stream, state: StreamState) -> Iterator[tuple[list[Row], StreamState]]:
        """Pages of flat typed rows, each with the state that resumes after it."""
        fields = self.fields(stream)
        types = self.types(stream.sobject)
        started = self.options.clock().isoformat()
        backfill = state.phase in ("new", "bulk")
        if state.phase == "bulk" or (
            state.phase == "new" and self.count(stream) > self.options.bulk_threshold
        ):
            pages = self.bulk.read(stream, fields, types, state)
        else:
            pages = read_rest(
                self.client, stream, fields, state, batch_size=self.options.batch_size
            )
        last = state
        for rows, last in pages:
            if backfill and last.phase == "rest":
                last = replace(last, deleted_since=last.deleted_since or started)
            yield rows, last
        if stream.get_deleted and last.phase == "rest" and not backfill:
            yield from read_deleted(self.client, stream, fields, last, self.options.clock())
