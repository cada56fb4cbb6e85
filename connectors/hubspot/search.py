"""Increments through the CRM search API as keyset reads that cannot lose a row (notes §1.4).

Search pages by an offset (``after``) into a result set that is evaluated again
at each request: a record modified between two pages leaves (or moves within)
the result and shifts every later page, so one record is never read; and a
query cannot page past 10,000 results. So no read here ever sends an offset:
every query starts at ``after = 0`` from a keyset position, and the position
stored with each page is a true one.

A position is ``(since, at_id)`` on the stream's modification property:

* ``{"mode": "increment", "since": T}``: every record modified before ``T`` was
  read; the next query asks ``T <= modified < high`` sorted by time, 200 a page;
* ``{"mode": "increment", "since": T, "at_id": I}``: moreover the records of the
  instant ``T`` were read up to id ``I``. Search takes one sort only, so the rows
  of one instant are read in a query of their own, ``T <= modified < T + 1`` and
  ``hs_object_id > I`` sorted by id: any number of changes on one millisecond is
  read in full, 200 at a time, each query far under the 10,000 cap.

A time page that may not hold everything (it is full, or says more follow) ends
at the last instant ``L`` it reaches: its records before ``L`` are complete
(the result is sorted by time), those of ``L`` are left to the instant query, so
the cursor never moves past a row not read, and a crash re-reads one page.

The upper bound ``high`` is ``now - margin``: "it may take a few moments for
newly created or updated CRM objects to appear in search results" (no figure
given), so the cursor never moves over the last ``margin`` of time, where search
may not yet show every change. No look-back is kept: the keyset position leaves
nothing behind it, and the margin covers the indexing delay the look-back was
for. A record modified during the read gets a modification time after ``high``
and is read by the next increment. Search does not return associations: each
non-empty page's contact links are read with one v4 batch read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)

from connectors.errors import ConnectorError
from connectors.hubspot.backfill import INCREMENT, RawPage, next_token
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.limits import PLATFORM
from connectors.hubspot.streams import ObjectStream, RawObject, raw_from_sdk
from connectors.timeparse import TimestampError, parse_instant, to_epoch_ms

SEARCH_PAGE = 200


@dataclass(frozen=True, slots=True)
class Position:
    """Everything modified before ``since`` was read, and at ``since`` up to id ``at_id``."""

    since: int
    at_id: int | None = None

    @classmethod
    def of(cls, value: Mapping[str, Any]) -> Position:
        at_id = value.get("at_id")
        return cls(int(value["since"]), None if at_id is None else int(at_id))

    def value(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": INCREMENT, "since": self.since}
        if self.at_id is not None:
            out["at_id"] = self.at_id
        return out


def time_query(stream: ObjectStream, low: int, high: int) -> dict[str, Any]:
    """Records modified in ``[low, high)``, oldest first (a ``PublicObjectSearchRequest``)."""
    prop = stream.modification_property
    return _body(
        stream,
        [_f(prop, "GTE", low), _f(prop, "LT", high)],
        {"propertyName": prop, "direction": "ASCENDING"},
    )


def instant_query(stream: ObjectStream, instant: int, after_id: int) -> dict[str, Any]:
    """Records modified on the millisecond ``instant`` with an id above ``after_id``, by id."""
    prop = stream.modification_property
    return _body(
        stream,
        [_f(prop, "GTE", instant), _f(prop, "LT", instant + 1), _f("hs_object_id", "GT", after_id)],
        {"propertyName": "hs_object_id", "direction": "ASCENDING"},
    )


def _f(prop: str, operator: str, value: int) -> dict[str, str]:
    return {"propertyName": prop, "operator": operator, "value": str(value)}


def _body(stream: ObjectStream, filters: list[Any], sort: dict[str, str]) -> dict[str, Any]:
    return {
        "filter_groups": [{"filters": filters}],
        "sorts": [sort],
        "properties": list(stream.properties),
        "limit": SEARCH_PAGE,
        "after": "0",
    }


def read_changes(
    client: HubSpotClient, stream: ObjectStream, value: Mapping[str, Any], high: int
) -> Iterator[RawPage]:
    """Pages of objects modified from the stored position up to ``high``; each page carries
    the position after it, the last one ``complete``."""
    position = Position.of(value)
    while True:
        if position.at_id is not None:
            objects, position, done = _instant_page(client, stream, position)
            done = done and position.since >= high
        elif position.since >= high:
            objects, done = [], True
        else:
            objects, position, done = _time_page(client, stream, position, high)
        yield RawPage(_with_contacts(client, stream, objects), position.value(), complete=done)
        if done:
            return


def _instant_page(
    client: HubSpotClient, stream: ObjectStream, position: Position
) -> tuple[list[RawObject], Position, bool]:
    """One page of the instant ``position.since`` by id; past the instant once it is read."""
    assert position.at_id is not None
    page = _search(client, stream, instant_query(stream, position.since, position.at_id))
    objects = [raw_from_sdk(obj, ()) for obj in page.results or []]
    if not _may_continue(page, objects):
        return objects, Position(position.since + 1), True
    last_id = max(int(o.id) for o in objects)
    if last_id <= position.at_id:
        raise ConnectorError(
            f"HubSpot search of {stream.name} answered ids up to {last_id} to a query for ids "
            f"above {position.at_id}; stopping rather than reading the same page again",
            platform=PLATFORM,
        )
    return objects, Position(position.since, last_id), False


def _time_page(
    client: HubSpotClient, stream: ObjectStream, position: Position, high: int
) -> tuple[list[RawObject], Position, bool]:
    """One page of ``[since, high)`` by time; a page that may not hold everything ends
    at its last instant, whose rows the instant query reads."""
    page = _search(client, stream, time_query(stream, position.since, high))
    objects = [raw_from_sdk(obj, ()) for obj in page.results or []]
    if not _may_continue(page, objects):
        return objects, Position(high), True
    moments = [modified_ms(stream, o) for o in objects]
    last = max((m for m in moments if m is not None), default=None)
    if last is None or last < position.since:
        raise ConnectorError(
            f"HubSpot search of {stream.name} answered records without a usable "
            f"{stream.modification_property}; the increment cannot advance safely",
            platform=PLATFORM,
        )
    before = [o for o, m in zip(objects, moments, strict=True) if m is None or m < last]
    return before, Position(last, 0), False


def _may_continue(page: Any, objects: list[RawObject]) -> bool:
    """Whether more may follow: a non-empty page with a next-page token, or a full page
    (trusted over a missing token, since a full page costs one more query at worst)."""
    return bool(objects) and (next_token(page) is not None or len(objects) >= SEARCH_PAGE)


def modified_ms(stream: ObjectStream, raw: RawObject) -> int | None:
    """The record's modification instant in epoch ms (the property, else ``updatedAt``);
    None when neither is readable (such a record is kept, and does not move the cursor)."""
    try:
        moment = parse_instant(raw.get(stream.modification_property)) or raw.updated_at
    except TimestampError:
        moment = raw.updated_at
    return None if moment is None else to_epoch_ms(moment)


def _search(client: HubSpotClient, stream: ObjectStream, body: dict[str, Any]) -> Any:
    from hubspot.crm.objects import PublicObjectSearchRequest

    return client.call(
        "objects.search",
        "do_search",
        stream.object_type,
        public_object_search_request=PublicObjectSearchRequest(**body),
        search=True,
    )


def _with_contacts(
    client: HubSpotClient, stream: ObjectStream, objects: list[RawObject]
) -> list[RawObject]:
    """The objects with their contact ids, read in one v4 batch (search returns none)."""
    if not objects or "contacts" not in stream.associations:
        return objects
    links = read_contact_links(client, stream.object_type, [o.id for o in objects])
    return [
        RawObject(o.id, o.properties, o.archived, o.archived_at, links.get(o.id, ()), o.updated_at)
        for o in objects
    ]


def read_contact_links(
    client: HubSpotClient, object_type: str, ids: list[str]
) -> dict[str, tuple[str, ...]]:
    """object id -> associated contact ids, through ``/crm/v4/associations/.../batch/read``."""
    request = BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[PublicFetchAssociationsBatchRequest(id=i) for i in ids]
    )
    answer = client.call("associations.batch", "get_page", object_type, "contacts", request)
    found: dict[str, tuple[str, ...]] = {}
    for result in answer.results or []:
        found[str(result._from.id)] = tuple(str(t.to_object_id) for t in result.to or [])
    return found
