"""Full reads through the list endpoints (no search cap), 100 per page, resumable.

Cursor rules (pure functions, tested with before / after values):

* no cursor -> a backfill starts; ``started`` is the read's start (epoch ms), so
  that the first increment begins there (minus the look-back);
* ``{"mode": "backfill", "after": A, "started": S}`` -> resume after page token A;
* the last page carries ``{"mode": "increment", "since": S}`` and ``complete``.

A page token handed out before is a loop (:mod:`connectors.paging`), not read for ever.
Archived objects are backfilled by the same loop with ``archived=True`` under the
stream name ``<stream>_archived``; their increments are a rolling scan of the
archived list, one page per increment (:func:`read_archived_page`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.streams import ObjectStream, RawObject, raw_from_sdk
from connectors.paging import PageTokens

PAGE_SIZE = 100
BACKFILL = "backfill"
INCREMENT = "increment"


@dataclass(frozen=True, slots=True)
class RawPage:
    """Objects read and the cursor value to store with them."""

    objects: list[RawObject]
    value: dict[str, Any]
    complete: bool = False


def backfill_start(value: Mapping[str, Any] | None, now_ms: int) -> dict[str, Any]:
    """The backfill state to read from: a fresh one, or the stored one to resume."""
    if value and value.get("mode") == BACKFILL:
        return {"mode": BACKFILL, "after": value.get("after"), "started": int(value["started"])}
    return {"mode": BACKFILL, "after": None, "started": now_ms}


def after_page(state: Mapping[str, Any], next_after: str | None) -> dict[str, Any]:
    """The cursor after a page: the next token, or the switch to increments when done."""
    if next_after is None:
        return {"mode": INCREMENT, "since": int(state["started"])}
    return {"mode": BACKFILL, "after": next_after, "started": int(state["started"])}


def next_token(page: Any) -> str | None:
    paging = getattr(page, "paging", None)
    nxt = getattr(paging, "next", None) if paging else None
    after = getattr(nxt, "after", None) if nxt else None
    return str(after) if after else None


def read_list(
    client: HubSpotClient,
    stream: ObjectStream,
    value: Mapping[str, Any] | None,
    now_ms: int,
    *,
    archived: bool = False,
) -> Iterator[RawPage]:
    """Pages of one object type through ``GET /crm/v3/objects/{type}``, resumable."""
    state = backfill_start(value, now_ms)
    tokens = PageTokens("HubSpot", f"the {stream.object_type} list", start=state["after"])
    while True:
        kwargs: dict[str, Any] = {
            "limit": PAGE_SIZE,
            "properties": list(stream.properties),
            "archived": archived,
        }
        if stream.associations and not archived:
            kwargs["associations"] = list(stream.associations)
        if state["after"]:
            kwargs["after"] = state["after"]
        page = client.call("objects.basic", "get_page", stream.object_type, **kwargs)
        objects = [raw_from_sdk(obj) for obj in page.results or []]
        state = after_page(state, tokens.next(next_token(page)))
        yield RawPage(objects, state, complete=state["mode"] == INCREMENT)
        if state["mode"] == INCREMENT:
            return


def read_archived_page(
    client: HubSpotClient,
    stream: ObjectStream,
    value: Mapping[str, Any],
    now_ms: int,
    lookback_ms: int,
) -> Iterator[RawPage]:
    """One page of a rolling scan of the archived list: the increments of ``<stream>_archived``.

    The archived list cannot be filtered or sorted by ``archivedAt`` (and search never
    shows archived objects: notes §1.4), so reading it whole each increment would cost
    ``ceil(archived / 100)`` requests per stream. Instead each increment reads the next
    page (one request per stream, an unchanged portal included) and a scan of the whole
    list ("cycle") takes ``ceil(archived / 100)`` increments: that is the delay before a
    deletion is seen. State: ``since`` = when the previous cycle started, ``started`` =
    when this one did, ``after`` = the next page. A page reports the objects archived
    since ``since`` (minus ``lookback`` for clock skew): an object archived at ``t`` is
    first met by a scan at ``s > t`` in cycle ``k``; the previous scan of its place, in
    cycle ``k - 1``, came before ``t`` and after cycle ``k - 1`` started, so ``t`` is
    after ``since``. Reporting one twice is harmless (deletions are upserts).
    """
    since = int(value["since"])
    after = value.get("after")
    started = int(value["started"]) if after and value.get("started") is not None else now_ms
    kwargs: dict[str, Any] = {"limit": PAGE_SIZE, "properties": list(stream.properties)}
    if after:
        kwargs["after"] = after
    page = client.call("objects.basic", "get_page", stream.object_type, archived=True, **kwargs)
    objects = [raw_from_sdk(obj) for obj in page.results or []]
    low = since - lookback_ms
    fresh = [o for o in objects if o.archived_at is None or o.archived_at.timestamp() * 1000 >= low]
    tokens = PageTokens("HubSpot", f"the archived {stream.object_type} list", start=after)
    nxt = tokens.next(next_token(page))
    if nxt is None:
        state: dict[str, Any] = {"mode": INCREMENT, "since": started}
    else:
        state = {"mode": INCREMENT, "since": since, "started": started, "after": nxt}
    yield RawPage(fresh, state, complete=True)
