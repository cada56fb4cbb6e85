"""Marketing email events (``/email/public/v1/events``) and behavioural events
(``/events/v3/events``), kept sorted by time so that a page is a slice, not a scan.

Both logs answer with an opaque ``offset`` / ``after`` that is, here, the
position in the time-sorted log where the next page starts: stable while the
log is not reloaded, which is all HubSpot promises of its cursors.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.hubspot.wire import iso, to_ms
from sandbox.seed import HubSpotEmailEvent, HubSpotTimelineEvent

PORTAL_ID = 62515
APP_ID = 113


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def email_event_json(event: HubSpotEmailEvent) -> dict[str, Any]:
    """An event as the legacy Email Events API writes it."""
    created = to_ms(event.created)
    body: dict[str, Any] = {
        "id": event.id,
        "created": created,
        "type": event.type,
        "recipient": event.recipient,
        "portalId": PORTAL_ID,
        "appId": APP_ID,
        "appName": "BatchEmail",
        "emailCampaignId": event.email_campaign_id,
        "sentBy": {"id": event.id, "created": created},
        "filteredEvent": event.filtered_event,
    }
    if event.url is not None:
        body["url"] = event.url
    if event.bounce_category is not None:
        body["category"] = event.bounce_category
    return body


class EmailEventLog:
    """Email events sorted by ``created``, with an index by recipient address."""

    def __init__(self) -> None:
        self.events: list[HubSpotEmailEvent] = []
        self._ms: list[int] = []
        self._by_recipient: dict[str, list[int]] = {}
        self.campaign_names: dict[int, str] = {}

    def load(self, events: Iterable[HubSpotEmailEvent]) -> None:
        self.events.extend(events)
        self.events.sort(key=lambda e: e.created)
        self._ms = [to_ms(e.created) for e in self.events]
        self._by_recipient = {}
        for position, event in enumerate(self.events):
            self._by_recipient.setdefault(event.recipient.casefold(), []).append(position)
            self.campaign_names.setdefault(event.email_campaign_id, event.email_name)

    def page(
        self,
        *,
        start_ms: int | None,
        end_ms: int | None,
        event_type: str | None,
        recipient: str | None,
        offset: int | None,
        limit: int,
        exclude_filtered: bool = False,
    ) -> Page:
        """Newest first, as HubSpot returns them; ``offset`` is where the previous page ended.

        ``exclude_filtered``: ``excludeFilteredEvents=true`` leaves out the events HubSpot
        flagged ``filteredEvent`` (bot clicks, security scanners); by default they are kept.
        """
        lo = bisect_left(self._ms, start_ms) if start_ms is not None else 0
        hi = bisect_right(self._ms, end_ms) if end_ms is not None else len(self._ms)
        if offset is not None:
            hi = min(hi, offset)
        candidates: Sequence[int] = (
            self._by_recipient.get(recipient.casefold(), []) if recipient else range(len(self._ms))
        )
        left, right = bisect_left(candidates, lo), bisect_left(candidates, hi)
        found: list[dict[str, Any]] = []
        for index in range(right - 1, left - 1, -1):
            position = candidates[index]
            event = self.events[position]
            if event_type and event.type != event_type:
                continue
            if exclude_filtered and event.filtered_event:
                continue
            if len(found) == limit:
                return Page(found, str(position + 1))
            found.append(email_event_json(event))
        return Page(found, None)


def timeline_event_json(event: HubSpotTimelineEvent) -> dict[str, Any]:
    return {
        "objectType": "contact",
        "objectId": event.object_id,
        "eventType": event.event_type,
        "occurredAt": iso(event.occurred_at),
        "id": event.id,
        "properties": dict(event.properties),
    }


class TimelineEventLog:
    """Behavioural events sorted by ``occurred_at``, with an index by object ID."""

    def __init__(self) -> None:
        self.events: list[HubSpotTimelineEvent] = []
        self._ms: list[int] = []
        self._by_object: dict[str, tuple[list[HubSpotTimelineEvent], list[int]]] = {}

    def load(self, events: Iterable[HubSpotTimelineEvent]) -> None:
        self.events.extend(events)
        self.events.sort(key=lambda e: e.occurred_at)
        self._ms = [to_ms(e.occurred_at) for e in self.events]
        grouped: dict[str, tuple[list[HubSpotTimelineEvent], list[int]]] = {}
        for event, ms in zip(self.events, self._ms, strict=True):
            bucket = grouped.setdefault(event.object_id, ([], []))
            bucket[0].append(event)
            bucket[1].append(ms)
        self._by_object = grouped

    def page(
        self,
        *,
        object_id: str | None,
        event_type: str | None,
        after_ms: int | None,
        before_ms: int | None,
        cursor: int | None,
        limit: int,
        descending: bool,
    ) -> Page:
        """Events in ``(after_ms, before_ms)``; ``cursor`` is the log position to resume at."""
        source, times = (
            self._by_object.get(object_id, ([], []))
            if object_id
            else (
                self.events,
                self._ms,
            )
        )
        lo = bisect_right(times, after_ms) if after_ms is not None else 0
        hi = bisect_left(times, before_ms) if before_ms is not None else len(times)
        if cursor is not None:
            lo, hi = (lo, min(hi, cursor)) if descending else (max(lo, cursor), hi)
        positions = range(hi - 1, lo - 1, -1) if descending else range(lo, hi)
        found: list[dict[str, Any]] = []
        for position in positions:
            event = source[position]
            if event_type and event.event_type != event_type:
                continue
            if len(found) == limit:
                return Page(found, str(position + 1 if descending else position))
            found.append(timeline_event_json(event))
        return Page(found, None)
