"""Which fields each stream selects, found with as few describe requests as possible.

An unchanged increment should cost one request per stream, so a field list is
not re-described on every run:

* a stream without optional fields selects its declared fields as they are;
* a stream with optional fields (``Loss_Reason__c`` on Opportunity) needs the
  org's describe to know which exist; the answer goes into the stream's cursor
  (:meth:`FieldLists.memo`) and is taken back from there (:meth:`FieldLists.recall`)
  for :data:`DESCRIBE_EVERY`, then described again;
* when the org refuses a field anyway (``INVALID_FIELD``: a field deleted, or
  hidden from the integration user), :meth:`FieldLists.selecting` describes the
  object and retries once: a missing required field is then a configuration
  error that names it, a missing optional one is left out with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from connectors.errors import ConfigurationError, ConnectorError
from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.streams import Stream
from connectors.timeparse import parse_instant

log = logging.getLogger("reengage.salesforce.fields")
DESCRIBE_EVERY = timedelta(days=1)
"""How long a field list remembered in a cursor is trusted before the next describe."""
FIELD_REFUSED = frozenset({"INVALID_FIELD", "MALFORMED_QUERY"})
"""Codes a query's unknown or hidden field is answered with: Salesforce says INVALID_FIELD
("No such column"); a platform that calls it a malformed query is handled alike."""
T = TypeVar("T")


class FieldLists:
    """Field lists and describe types for one connector (one process, one run)."""

    def __init__(self, client: SalesforceClient, clock: Callable[[], datetime]) -> None:
        self.client = client
        self.clock = clock
        self._types: dict[str, dict[str, str]] = {}
        self._lists: dict[str, tuple[str, ...]] = {}
        self._described_at: dict[str, datetime] = {}

    def types(self, sobject: str) -> dict[str, str]:
        """Field name -> describe type, one describe per object per connector."""
        if sobject not in self._types:
            name = soql.identifier(sobject)
            body: dict[str, Any] = self.client.call(
                lambda sf: sf.restful(f"sobjects/{name}/describe/") or {}
            )
            self._types[sobject] = {str(f["name"]): str(f["type"]) for f in body["fields"]}
        return self._types[sobject]

    def fields(self, stream: Stream) -> list[str]:
        """The fields to select (no request unless the stream has optional fields)."""
        found = self._lists.get(stream.name)
        if found is None:
            if stream.optional:
                found = self._described(stream)
            else:
                found = tuple(soql.identifier(f) for f in stream.fields)
            self._lists[stream.name] = found
        return list(found)

    def _described(self, stream: Stream) -> tuple[str, ...]:
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
        self._described_at[stream.name] = self.clock()
        return tuple(soql.identifier(f) for f in (*stream.fields, *optional))

    def recall(self, stream: Stream, value: Mapping[str, Any] | None) -> None:
        """Takes the field list a stream's cursor remembers, while it is fresh."""
        if not stream.optional or stream.name in self._lists or not value:
            return
        names = value.get("fields")
        try:
            at = parse_instant(value.get("described"))
        except ValueError:
            return
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return
        if at is None or not timedelta(0) <= self.clock() - at < DESCRIBE_EVERY:
            return
        self._lists[stream.name] = tuple(names)
        self._described_at[stream.name] = at

    def memo(self, stream: Stream) -> dict[str, Any]:
        """What the stream's cursor should remember of its field list (nothing when declared)."""
        at = self._described_at.get(stream.name)
        if at is None or stream.name not in self._lists:
            return {}
        return {"fields": list(self._lists[stream.name]), "described": at.isoformat()}

    def selecting(self, stream: Stream, read: Callable[[list[str]], Iterator[T]]) -> Iterator[T]:
        """``read(fields)``, read again with described fields if the org refused one."""
        try:
            yield from read(self.fields(stream))
        except ConnectorError as exc:
            if exc.code not in FIELD_REFUSED or stream.sobject in self._types:
                raise
            log.info("Salesforce refused a field of %s: describing it", stream.sobject)
            self._lists[stream.name] = self._described(stream)
            yield from read(self.fields(stream))
