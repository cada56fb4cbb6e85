"""The HubSpot connector: SourceConnector and SinkConnector over :class:`HubSpotClient`.

Streams and their cursor keys:

* records: ``contacts`` (search increments), ``contacts_archived`` (deleted
  contacts); merged-away contacts come as deleted records beside their survivor;
* activities: ``emails``, ``calls``, ``meetings``, ``notes``, ``tasks``, each
  followed by ``<stream>_archived`` (deleted engagements, whose activities the
  store then marks deleted),
  ``email_events_sent|open|click``, and ``web_visits`` / ``form_events``
  (behavioural events) or, for portals without them, ``contact_conversions``
  (form and visit dates on the contact);
* deals: ``deals``, ``deals_archived``.

A stream without a cursor is backfilled through the list endpoints; once read
in full its cursor switches to increments (search, or time windows for events).
Every page carries its own stream's cursor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from config.settings import HubSpotSettings
from connectors.base import (
    Activity,
    ApiUsage,
    Cursor,
    Deal,
    FieldUpdate,
    MembershipChange,
    Owner,
    Page,
    Platform,
    PlatformRecord,
    SetupItem,
    TaskClose,
    TaskRequest,
    WriteResult,
)
from connectors.hubspot import mapping, setup, task_lookup, writes
from connectors.hubspot import tasks as task_writes
from connectors.hubspot.backfill import INCREMENT, RawPage, read_archived_page, read_list
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.email_events import (
    EVENT_TYPES,
    CampaignNames,
    read_email_events,
    stream_name,
)
from connectors.hubspot.events import EVENT_STREAMS, read_timeline_events
from connectors.hubspot.lists import ListDirectory, change_members
from connectors.hubspot.mapping import MappingRules
from connectors.hubspot.search import read_changes
from connectors.hubspot.streams import (
    ACTIVITY_STREAMS,
    CONVERSIONS_STREAM,
    ObjectStream,
    RawObject,
    contact_stream,
    deal_stream,
)
from connectors.timeparse import to_epoch_ms
from connectors.values import map_each

T = TypeVar("T")


class HubSpotConnector:
    """Reads contacts, activities, deals and owners; writes properties, lists and tasks.

    Args:
        settings: the HubSpot settings (token, base URL, CA bundle, tier, budget share).
        rules: the rules (``sources.hubspot``, ``fields.hubspot``, ``lists``...).
        client: a ready client (else one is built from ``settings`` and ``client_options``).
        lookback: the overlap re-read before each event increment's cursor, for late writes,
            and the clock-skew allowance of the archived-list scans.
        search_margin: the most recent stretch of time search increments leave to the next
            run, because search shows new or updated objects only after "a few moments".
        behavioral_events: read forms and visits from the Events API (else from contact
            properties, for portals without it).
        clock: the current instant (the upper bound of every increment).
        client_options: passed to :class:`HubSpotClient` (retry policy, penalties...).
    """

    platform = Platform.HUBSPOT

    def __init__(
        self,
        settings: HubSpotSettings,
        rules: Any,
        *,
        client: HubSpotClient | None = None,
        lookback: timedelta = timedelta(minutes=10),
        search_margin: timedelta = timedelta(seconds=60),
        behavioral_events: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        **client_options: Any,
    ) -> None:
        self.rules = rules
        self.client = client or HubSpotClient(settings, **client_options)
        self.map_rules = MappingRules.from_rules(rules)
        self.lookback_ms = int(lookback.total_seconds() * 1000)
        self.search_margin_ms = int(search_margin.total_seconds() * 1000)
        self.behavioral_events = behavioral_events
        self.clock = clock
        self.lists = ListDirectory(self.client, rules.lists.prefix)
        self.campaigns = CampaignNames(self.client)
        self.stats: Counter[str] = Counter()
        self._contacts = contact_stream(self.map_rules.score_property)
        self._deals = deal_stream(self.map_rules.loss_reason_property)

    # ------------------------------------------------------------------ reads

    def _now_ms(self) -> int:
        return to_epoch_ms(self.clock())

    def _object_pages(
        self, stream: ObjectStream, cursors: Mapping[str, Cursor], *, archived: bool = False
    ) -> Iterator[tuple[str, RawPage]]:
        name = f"{stream.name}_archived" if archived else stream.name
        cursor = cursors.get(name)
        value = dict(cursor.value) if cursor else None
        now = self._now_ms()
        if value and value.get("mode") == INCREMENT:
            if archived:
                pages = read_archived_page(self.client, stream, value, now, self.lookback_ms)
            else:
                pages = read_changes(self.client, stream, value, now - self.search_margin_ms)
        else:
            pages = read_list(self.client, stream, value, now, archived=archived)
        for page in pages:
            self.stats[name] += len(page.objects)
            yield name, page

    def _mapped(
        self,
        stream: ObjectStream,
        cursors: Mapping[str, Cursor],
        convert: Callable[[RawObject], Sequence[T]],
        *,
        archived: bool = False,
    ) -> Iterator[Page[T]]:
        for name, page in self._object_pages(stream, cursors, archived=archived):
            items, skipped = map_each(HS, stream.object_type, page.objects, convert, _raw_id)
            yield Page(items, Cursor(name, page.value), page.complete, skipped)

    def read_records(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[PlatformRecord]]:
        def convert(raw: RawObject) -> list[PlatformRecord]:
            return mapping.contact_records(raw, self.map_rules)

        yield from self._mapped(self._contacts, cursors, convert)
        yield from self._mapped(self._contacts, cursors, convert, archived=True)

    def read_deals(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Deal]]:
        def convert(raw: RawObject) -> list[Deal]:
            return [mapping.deal(raw, self.map_rules)]

        yield from self._mapped(self._deals, cursors, convert)
        yield from self._mapped(self._deals, cursors, convert, archived=True)

    def read_activities(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Activity]]:
        now = self.clock()
        for stream in ACTIVITY_STREAMS:

            def convert(raw: RawObject, s: ObjectStream = stream) -> list[Activity]:
                return mapping.engagement_activities(s.object_type, raw, self.map_rules, now)

            def deletion(raw: RawObject, s: ObjectStream = stream) -> list[Activity]:
                return [mapping.engagement_deletion(s.object_type, raw)]

            yield from self._mapped(stream, cursors, convert)
            yield from self._mapped(stream, cursors, deletion, archived=True)
        for event_type in EVENT_TYPES:
            yield from self._email_event_pages(event_type, cursors)
        if self.behavioral_events:
            for stream_key in EVENT_STREAMS:
                yield from self._timeline_pages(stream_key, cursors)
        else:
            yield from self._mapped(
                CONVERSIONS_STREAM,
                cursors,
                lambda raw: list(mapping.conversion_activities(raw, self.map_rules)),
            )

    def _email_event_pages(
        self, event_type: str, cursors: Mapping[str, Cursor]
    ) -> Iterator[Page[Activity]]:
        name = stream_name(event_type)
        cursor = cursors.get(name)
        pages = read_email_events(
            self.client,
            event_type,
            dict(cursor.value) if cursor else None,
            self._now_ms(),
            self.lookback_ms,
        )
        yield from self._event_pages(
            name,
            pages,
            lambda event: mapping.email_event_activity(
                event, self.campaigns.name(event.get("emailCampaignId"))
            ),
        )

    def _timeline_pages(self, name: str, cursors: Mapping[str, Cursor]) -> Iterator[Page[Activity]]:
        cursor = cursors.get(name)
        pages = read_timeline_events(
            self.client,
            name,
            dict(cursor.value) if cursor else None,
            self._now_ms(),
            self.lookback_ms,
        )
        yield from self._event_pages(
            name, pages, lambda event: mapping.timeline_activity(event, self.map_rules)
        )

    def _event_pages(
        self, name: str, pages: Iterable[Any], convert: Callable[[Any], Activity | None]
    ) -> Iterator[Page[Activity]]:
        """Event pages (email events, behavioural events) as activity pages of stream ``name``."""

        def some(event: Any) -> list[Activity]:
            found = convert(event)
            return [] if found is None else [found]

        for page in pages:
            self.stats[name] += len(page.events)
            items, skipped = map_each(HS, name, page.events, some, _event_id)
            yield Page(items, Cursor(name, page.value), page.complete, skipped)

    def read_owners(self) -> Iterator[Owner]:
        for archived in (False, True):
            after: str | None = None
            while True:
                kwargs: dict[str, Any] = {"limit": 500, "archived": archived}
                if after:
                    kwargs["after"] = after
                page = self.client.call("owners", "get_page", **kwargs)
                for owner in page.results or []:
                    yield _owner(owner, active=not archived)
                nxt = page.paging.next.after if page.paging and page.paging.next else None
                if not nxt or nxt == after:
                    break
                after = str(nxt)

    # ------------------------------------------------------------------ writes

    def check_setup(self, rules: Any) -> list[SetupItem]:
        return setup.check_setup(self.client, self.lists, rules or self.rules)

    def apply_setup(self, items: Sequence[SetupItem]) -> list[SetupItem]:
        return setup.apply_setup(self.client, self.lists, self.rules, items)

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        return writes.update_fields(self.client, updates)

    def add_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        return change_members(self.client, self.lists, changes, add=True)

    def remove_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        return change_members(self.client, self.lists, changes, add=False)

    def find_tasks(self, idempotency_keys: Sequence[str]) -> dict[str, str]:
        return task_writes.find_tasks(self.client, idempotency_keys)

    def confirm_tasks(self, tasks: Sequence[TaskRequest]) -> dict[str, str]:
        return task_lookup.linked_tasks(self.client, tasks)

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> list[WriteResult]:
        zone = self.rules.dormancy.business_timezone
        return task_writes.create_tasks(self.client, tasks, zone)

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        return task_writes.close_tasks(self.client, closes)

    def usage(self) -> ApiUsage:
        """Requests and 429s so far (HubSpot reports no daily usage on its answers)."""
        return ApiUsage(sum(self.client.requests.values()), self.client.rate_limited)

    def close(self) -> None:
        self.client.close()


HS = Platform.HUBSPOT


def _raw_id(raw: RawObject) -> str:
    return raw.id


def _event_id(event: Any) -> str:
    return str(event["id"])


def _owner(owner: Any, *, active: bool) -> Owner:
    names = [n for n in (owner.first_name, owner.last_name) if n]
    return Owner(
        Platform.HUBSPOT,
        str(owner.id),
        name=" ".join(names) or None,
        email=owner.email,
        active=active and not bool(owner.archived),
    )
