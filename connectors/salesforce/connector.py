"""The Salesforce connector: SourceConnector and SinkConnector over simple-salesforce.

Reads stream pages (:mod:`reader`), maps rows to reengage's types (:mod:`mapping`)
and hands each page over with its own stream's cursor; writes go to :mod:`writes`,
setup to :mod:`setup`. The first :class:`~connectors.errors.StopRun` (the daily
budget) ends a read cleanly: every page already yielded carries its cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

from config.rules import Rules
from config.settings import SalesforceSettings
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
    RecordType,
    SetupItem,
    Skip,
    StopRun,
    TaskClose,
    TaskRequest,
    WriteResult,
)
from connectors.retry import RetryPolicy
from connectors.salesforce import mapping, setup, soql
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.increments import Row, StreamState, flatten
from connectors.salesforce.reader import ReadOptions, StreamReader
from connectors.salesforce.streams import (
    CAMPAIGN_MEMBERS,
    CAMPAIGNS,
    CONTACT_ROLES,
    CONTACTS,
    EVENTS,
    LEADS,
    OPPORTUNITIES,
    TASKS,
    USERS,
    Stream,
)
from connectors.salesforce.writes import LOOKUP_CHUNK, Writer
from connectors.values import BadValue, map_each, strict_bool

T = TypeVar("T")
log = logging.getLogger("reengage.salesforce")
_RECORD_TYPES = {
    LEADS.name: RecordType.SALESFORCE_LEAD,
    CONTACTS.name: RecordType.SALESFORCE_CONTACT,
}


class SalesforceConnector:
    """Reads and writes one Salesforce org.

    Args:
        settings: instance, credentials, API version, CA bundle, budget share.
        rules: the rules file (activity sources, field names, list prefix, owners).
        options: backfill and paging sizes.
        client: a ready client (tests pass one with a short retry policy).
        lock_retries: how often records failing UNABLE_TO_LOCK_ROW are sent again.
        bulk_write_threshold: field updates from this many records on go through Bulk 2.0.
    """

    platform = Platform.SALESFORCE

    def __init__(
        self,
        settings: SalesforceSettings,
        rules: Rules,
        options: ReadOptions | None = None,
        *,
        client: SalesforceClient | None = None,
        lock_retries: int = 3,
        bulk_write_threshold: int = 2000,
    ) -> None:
        self.rules = rules
        self.options = options or ReadOptions()
        self.client = client or SalesforceClient(settings, policy=RetryPolicy())
        self.reader = StreamReader(self.client, self.options)
        self.writer = Writer(
            self.client,
            rules,
            lock_retries=lock_retries,
            bulk_threshold=bulk_write_threshold,
            bulk_wait=self.options.bulk_poll_seconds,
        )

    # -- reading ------------------------------------------------------------------------------
    def _pages(
        self, stream: Stream, cursors: Mapping[str, Cursor]
    ) -> Iterator[tuple[list[Row], Cursor, bool]]:
        cursor = cursors.get(stream.name)
        value = cursor.value if cursor else None
        self.reader.lists.recall(stream, value)
        pages = list_last(self.reader.read(stream, StreamState.from_value(value)))
        for (rows, after), last in pages:
            remembered = {**after.to_value(), **self.reader.lists.memo(stream)}
            yield rows, Cursor(stream.name, remembered), last

    def read_records(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[PlatformRecord]]:
        for stream in (LEADS, CONTACTS):
            record_type = _RECORD_TYPES[stream.name]
            for rows, cursor, last in self._pages(stream, cursors):
                items, skipped = _map(stream, rows, partial(_record, record_type))
                yield Page(items, cursor, complete=last, skipped=skipped)

    def _select(self, stream: Stream, query: Callable[[list[str]], str]) -> Iterator[Row]:
        """Every row of ``query(fields)`` through queryAll, with the fields FieldLists finds."""
        return self.reader.lists.selecting(
            stream, lambda fields: self.writer._query(query(fields), include_deleted=True)
        )

    def _campaigns(self) -> dict[str, tuple[str | None, str | None]]:
        rows = self._select(CAMPAIGNS, lambda fields: soql.select("Campaign", fields))
        return {str(r["Id"]): (r.get("Name"), r.get("Type")) for r in rows}

    def read_activities(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Activity]]:
        """Task, Event and CampaignMember pages as activities. Campaign names and types are
        read only for a page of members that needs them, so an unchanged increment makes
        one request per stream."""
        rules = mapping.ActivityRules(self.rules.sources.salesforce, self.options.clock(), {})
        mappers = {
            TASKS.name: mapping.task_activity,
            EVENTS.name: mapping.event_activity,
            CAMPAIGN_MEMBERS.name: mapping.member_activity,
        }
        named = False
        for stream in (TASKS, EVENTS, CAMPAIGN_MEMBERS):
            to_activity = mappers[stream.name]
            for rows, cursor, last in self._pages(stream, cursors):
                if rows and stream is CAMPAIGN_MEMBERS and not named:
                    rules, named = replace(rules, campaigns=self._campaigns()), True
                items, skipped = _map(stream, rows, partial(_some, to_activity, rules))
                yield Page(items, cursor, complete=last, skipped=skipped)

    def read_deals(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Deal]]:
        roles_cursor = cursors.get(CONTACT_ROLES.name)
        roles_state = StreamState.from_value(roles_cursor.value if roles_cursor else None)
        if roles_state.phase == "new":  # the opportunity backfill reads every role
            mark = self.reader.latest(CONTACT_ROLES)
            roles_cursor = Cursor(CONTACT_ROLES.name, mark.to_value())
        for rows, cursor, last in self._pages(OPPORTUNITIES, cursors):
            deals, skipped = self._deals(rows)
            yield Page(deals, cursor, complete=last, skipped=skipped)
        assert roles_cursor is not None
        for rows, cursor, last in self._pages(CONTACT_ROLES, {CONTACT_ROLES.name: roles_cursor}):
            affected = sorted({str(r["OpportunityId"]) for r in rows if r.get("OpportunityId")})
            deals, skipped = self._deals(self._opportunities(affected))
            yield Page(deals, cursor, complete=last, skipped=skipped)

    def _deals(self, opportunities: list[Row]) -> tuple[list[Deal], tuple[Skip, ...]]:
        """The opportunities as deals; one whose values cannot be read is a skip."""
        live = [str(r["Id"]) for r in opportunities if not _surely_deleted(r)]
        roles = self._roles(live)
        return _map(
            OPPORTUNITIES,
            opportunities,
            lambda r: [mapping.to_deal(r, roles.get(str(r["Id"]), []))],
        )

    def _roles(self, opportunity_ids: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for start in range(0, len(opportunity_ids), LOOKUP_CHUNK):
            part = tuple(opportunity_ids[start : start + LOOKUP_CHUNK])
            query = soql.select(
                "OpportunityContactRole",
                ("OpportunityId", "ContactId"),
                soql.In("OpportunityId", part),
            )
            for row in self.writer._query(query):
                found.setdefault(str(row["OpportunityId"]), []).append(str(row["ContactId"]))
        return found

    def _opportunities(self, ids: Sequence[str]) -> list[Row]:
        rows: list[Row] = []
        for start in range(0, len(ids), LOOKUP_CHUNK):
            found = self._select(OPPORTUNITIES, partial(_by_ids, ids[start : start + LOOKUP_CHUNK]))
            rows.extend(flatten(r) for r in found)
        return rows

    def read_owners(self) -> Iterator[Owner]:
        query = self.reader.lists.selecting(
            USERS,
            lambda fields: self.writer._query(soql.select("User", fields, order_by=("Id",))),
        )
        for row in query:
            yield mapping.to_owner(row)

    # -- writing ------------------------------------------------------------------------------
    def check_setup(self, rules: Any) -> list[SetupItem]:
        return setup.check(self.client, self.writer, rules or self.rules)

    def apply_setup(self, items: Sequence[SetupItem]) -> list[SetupItem]:
        return setup.apply(self.client, self.writer, self.rules, items)

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        return self.writer.update_fields(updates)

    def add_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        return self.writer.add_members(changes)

    def remove_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        return self.writer.remove_members(changes)

    def find_tasks(self, idempotency_keys: Sequence[str]) -> dict[str, str]:
        return self.writer.find_tasks(idempotency_keys)

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> list[WriteResult]:
        return self.writer.create_tasks(tasks)

    def usage(self) -> ApiUsage:
        return self.client.api_usage()

    def close(self) -> None:
        self.client.close()

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        return self.writer.close_tasks(closes)


def _map(
    stream: Stream, rows: list[Row], convert: Callable[[Row], list[T]]
) -> tuple[list[T], tuple[Skip, ...]]:
    """Each row's items; a row with a value that cannot be read becomes a skip that names
    the object and the id (the run goes on)."""
    return map_each(Platform.SALESFORCE, stream.sobject, rows, convert, lambda r: str(r["Id"]))


def _record(record_type: RecordType, row: Row) -> list[PlatformRecord]:
    return [mapping.to_record(row, record_type)]


def _some(
    to_activity: Callable[[Row, mapping.ActivityRules], Activity | None],
    rules: mapping.ActivityRules,
    row: Row,
) -> list[Activity]:
    found = to_activity(row, rules)
    return [] if found is None else [found]


def _surely_deleted(row: Row) -> bool:
    """Deleted as far as one can read (a bad ``IsDeleted`` is the mapping's to refuse)."""
    try:
        return strict_bool(row.get("IsDeleted"), "IsDeleted")
    except BadValue:
        return False


def _by_ids(ids: Sequence[str], fields: list[str]) -> str:
    """The Opportunity query for these ids."""
    return soql.select("Opportunity", fields, soql.In("Id", tuple(ids)))


def list_last(pages: Iterator[Any]) -> Iterator[tuple[Any, bool]]:
    """Each item with a flag saying whether it is the last (one item of look-ahead).

    When the source stops the run while an item is held, the item is handed on first
    (not last): its cursor is progress the next run resumes from.
    """
    previous: Any = None
    started = False
    try:
        for item in pages:
            if started:
                yield previous, False
            previous, started = item, True
    except StopRun:
        if started:
            yield previous, False
        raise
    if started:
        yield previous, True
