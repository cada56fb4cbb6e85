"""Marketing email events from ``GET /email/public/v1/events`` (not in the SDK: httpx).

The API answers newest first with an opaque ``offset`` and ``hasMore`` (notes
§2.4). One stream per event type (SENT, OPEN, CLICK: the only ones that are
activity), so that DELIVERED and BOUNCE pages are never fetched.

Cursor rules:

* backfill: ``{"mode": "backfill", "offset": O, "started": S}``, events created
  up to S, resumed at offset O; the last page switches to ``{"mode":
  "increment", "since": S}``;
* increment: events in ``[since - lookback, now]``; the cursor moves to
  ``since = now`` only with the last page.

Campaign names (the activity's detail) come from
``/email/public/v1/campaigns/{id}``, once per campaign per connector.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.errors import ConnectorError, RecordError
from connectors.hubspot.backfill import BACKFILL, INCREMENT
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.limits import PLATFORM

EVENTS_PATH = "/email/public/v1/events"
CAMPAIGN_PATH = "/email/public/v1/campaigns/{}"
EVENT_TYPES = ("SENT", "OPEN", "CLICK")
PAGE_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[dict[str, Any]]
    value: dict[str, Any]
    complete: bool = False


def stream_name(event_type: str) -> str:
    return f"email_events_{event_type.lower()}"


def _window(
    value: Mapping[str, Any] | None, now_ms: int, lookback_ms: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(request bounds, state) for a read from ``value``."""
    if value and value.get("mode") == INCREMENT:
        since = int(value["since"])
        state = {"mode": INCREMENT, "since": since, "offset": None, "until": now_ms}
        return {"startTimestamp": since - lookback_ms, "endTimestamp": now_ms}, state
    started = int(value["started"]) if value and value.get("mode") == BACKFILL else now_ms
    offset = value.get("offset") if value else None
    state = {"mode": BACKFILL, "started": started, "offset": offset}
    return {"endTimestamp": started}, state


def _stored(state: Mapping[str, Any], offset: str | None) -> dict[str, Any]:
    """The cursor to store after a page read with ``state`` whose next offset is ``offset``."""
    if state["mode"] == BACKFILL:
        if offset is None:
            return {"mode": INCREMENT, "since": state["started"]}
        return {"mode": BACKFILL, "offset": offset, "started": state["started"]}
    if offset is None:
        return {"mode": INCREMENT, "since": state["until"]}
    return {"mode": INCREMENT, "since": state["since"]}


def read_email_events(
    client: HubSpotClient,
    event_type: str,
    value: Mapping[str, Any] | None,
    now_ms: int,
    lookback_ms: int,
) -> Iterator[EventPage]:
    """Pages of one event type's events, each with the cursor to store."""
    bounds, state = _window(value, now_ms, lookback_ms)
    offset = state.get("offset")
    while True:
        params: dict[str, Any] = {**bounds, "eventType": event_type, "limit": PAGE_LIMIT}
        params["excludeFilteredEvents"] = "true"  # fewer rows; flagged rows are dropped anyway
        if offset:
            params["offset"] = offset
        answer = client.get_json(EVENTS_PATH, params)
        nxt = answer.get("offset") if answer.get("hasMore") else None
        nxt = str(nxt) if nxt not in (None, "") else None
        if nxt is not None and nxt == offset:
            raise ConnectorError(
                f"HubSpot email events returned the same offset twice ({nxt})", platform=PLATFORM
            )
        cursor = _stored(state, nxt)
        yield EventPage(list(answer.get("events") or []), cursor, complete=nxt is None)
        if nxt is None:
            return
        offset = nxt


class CampaignNames:
    """Email campaign id -> name, read once each (an unknown campaign has no name)."""

    def __init__(self, client: HubSpotClient) -> None:
        self._client = client
        self._names: dict[int, str | None] = {}

    def name(self, campaign_id: Any) -> str | None:
        if campaign_id in (None, ""):
            return None
        key = int(campaign_id)
        if key not in self._names:
            try:
                answer = self._client.get_json(CAMPAIGN_PATH.format(key), {})
                self._names[key] = str(answer.get("name") or "") or None
            except RecordError:
                self._names[key] = None
        return self._names[key]
