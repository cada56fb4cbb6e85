"""Behavioural events (``/events/v3/events``): page visits and form submissions per contact.

Two streams, ``web_visits`` (``e_visited_page``) and ``form_events``
(``e_submitted_form``), read oldest first with the API's ``after`` token.
Cursor rules as for the other streams: a backfill reads events up to its start
and is resumable by token; an increment reads ``(since - lookback, now)`` and
moves the cursor only with its last page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.hubspot.backfill import BACKFILL, INCREMENT, after_page, next_token
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.email_events import EventPage

EVENT_STREAMS: dict[str, str] = {"web_visits": "e_visited_page", "form_events": "e_submitted_form"}
PAGE_LIMIT = 1000


def _instant(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _event_dict(event: Any) -> dict[str, Any]:
    occurred = event.occurred_at
    return {
        "id": str(event.id),
        "eventType": event.event_type,
        "objectId": str(event.object_id),
        "occurredAt": occurred.isoformat() if isinstance(occurred, datetime) else occurred,
        "properties": dict(event.properties or {}),
    }


def read_timeline_events(
    client: HubSpotClient,
    stream: str,
    value: Mapping[str, Any] | None,
    now_ms: int,
    lookback_ms: int,
) -> Iterator[EventPage]:
    """Pages of one behavioural event type with the cursor to store after each."""
    incremental = bool(value and value.get("mode") == INCREMENT)
    if incremental:
        assert value is not None
        since = int(value["since"])
        state: dict[str, Any] = {"mode": BACKFILL, "after": None, "started": now_ms}
        bounds = {
            "occurred_after": _instant(since - lookback_ms),
            "occurred_before": _instant(now_ms),
        }
    else:
        started = int(value["started"]) if value else now_ms
        state = {"mode": BACKFILL, "after": (value or {}).get("after"), "started": started}
        bounds = {"occurred_before": _instant(started)}
    while True:
        kwargs: dict[str, Any] = {
            **bounds,
            "object_type": "contact",
            "event_type": EVENT_STREAMS[stream],
            "limit": PAGE_LIMIT,
            "sort": ["ASCENDING"],
        }
        if state["after"]:
            kwargs["after"] = state["after"]
        page = client.call("events", "get_page", **kwargs)
        state = after_page(state, next_token(page))
        done = state["mode"] == INCREMENT
        stored = state if not incremental or done else {"mode": INCREMENT, "since": since}
        yield EventPage([_event_dict(e) for e in page.results or []], stored, complete=done)
        if done:
            return
