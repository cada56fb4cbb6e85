"""Increments through the CRM search API, within its 10,000-result cap (notes §1.4).

Cursor rules: from ``{"mode": "increment", "since": S}`` a read covers the
window ``[S - lookback, now)`` on the stream's modification property, sorted
ascending, 200 per page, de-duplicated by id. Every page carries the unchanged
cursor; only the last (possibly empty) page carries ``since = now`` and
``complete``, so a read that dies half-way is read again whole next time.

Search answers at most 10,000 results per query (paging past it is a 400). A
window whose ``total`` is larger is split in halves (:func:`split_window`)
until each part fits, and the parts are read in order, so nothing is lost
silently. Search does not return associations: each page's contact links are
read with one v4 batch read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)

from connectors.hubspot.backfill import INCREMENT, RawPage, next_token
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.streams import ObjectStream, RawObject, raw_from_sdk

log = logging.getLogger("reengage.hubspot")

SEARCH_PAGE = 200
RESULT_CAP = 10_000


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open range of modification times in epoch ms: ``[low, high)``."""

    low: int
    high: int

    @property
    def width(self) -> int:
        return self.high - self.low


def split_window(window: Window, total: int, cap: int = RESULT_CAP) -> list[Window]:
    """The window itself when its ``total`` fits under ``cap``, else its two halves.

    A one-millisecond window cannot be split; it is returned as is and the
    caller reads what the cap allows and says so loudly.
    """
    if total <= cap or window.width <= 1:
        return [window]
    middle = window.low + window.width // 2
    return [Window(window.low, middle), Window(middle, window.high)]


def search_body(stream: ObjectStream, window: Window, after: int) -> dict[str, Any]:
    """A ``PublicObjectSearchRequest`` for one page of a window (dict sorts: notes §1.4)."""
    prop = stream.modification_property
    return {
        "filter_groups": [
            {
                "filters": [
                    {"propertyName": prop, "operator": "GTE", "value": str(window.low)},
                    {"propertyName": prop, "operator": "LT", "value": str(window.high)},
                ]
            }
        ],
        "sorts": [{"propertyName": prop, "direction": "ASCENDING"}],
        "properties": list(stream.properties),
        "limit": SEARCH_PAGE,
        "after": str(after),
    }


def read_changes(
    client: HubSpotClient, stream: ObjectStream, since_ms: int, now_ms: int, lookback_ms: int
) -> Iterator[RawPage]:
    """Pages of objects modified in ``[since - lookback, now)``, then the closing cursor."""
    unchanged = {"mode": INCREMENT, "since": since_ms}
    pending = [Window(since_ms - lookback_ms, now_ms)]
    seen: set[str] = set()
    while pending:
        window = pending.pop(0)
        for objects in _read_window(client, stream, window, pending):
            fresh = [o for o in objects if o.id not in seen]
            seen.update(o.id for o in fresh)
            yield RawPage(_with_contacts(client, stream, fresh), unchanged)
    yield RawPage([], {"mode": INCREMENT, "since": now_ms}, complete=True)


def _read_window(
    client: HubSpotClient, stream: ObjectStream, window: Window, pending: list[Window]
) -> Iterator[list[RawObject]]:
    """Pages of one window; a window over the cap puts its halves in front of ``pending``."""
    after = 0
    while True:
        page = _search(client, stream, window, after)
        if after == 0:
            parts = split_window(window, int(page.total or 0))
            if len(parts) > 1:
                pending[0:0] = parts
                return
            if int(page.total or 0) > RESULT_CAP:
                log.error(
                    "%s: %d changes in one millisecond; only %d can be read by search",
                    stream.name,
                    page.total,
                    RESULT_CAP,
                )
        yield [raw_from_sdk(obj, ()) for obj in page.results or []]
        token = next_token(page)
        if token is None or int(token) >= RESULT_CAP:
            return
        after = int(token)


def _search(client: HubSpotClient, stream: ObjectStream, window: Window, after: int) -> Any:
    from hubspot.crm.objects import PublicObjectSearchRequest

    request = PublicObjectSearchRequest(**search_body(stream, window, after))
    return client.call(
        "objects.search",
        "do_search",
        stream.object_type,
        public_object_search_request=request,
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
