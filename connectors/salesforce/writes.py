"""Write-back: field updates, campaign membership and call tasks, each exactly once.

* Field updates: sObject Collections ``PATCH``, 200 per request, ``allOrNone``
  false, only the values given (the caller passes only changes).
* Membership: one Campaign per list, named ``rules.lists.prefix + name``, found by
  name or created; members already present are looked up first and reported
  ``skipped`` (and ``DUPLICATE_VALUE`` counts the same), so a rerun writes nothing.
  Removal deletes the member found by query; one not found is ``skipped``.
* Tasks: ``TaskSubtype`` Call with the idempotency key in ``fields.salesforce.task_key``.
  Keys that already exist are skipped; a create is never blindly retried: after a
  failed request the keys are looked up again and only the missing tasks are resent.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from config.rules import Rules
from connectors.base import (
    FieldUpdate,
    MembershipChange,
    RecordType,
    TaskClose,
    TaskRequest,
    WriteResult,
    WriteStatus,
)
from connectors.errors import ConnectorError
from connectors.paging import PageTokens
from connectors.retry import retry_creates
from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient, next_page
from connectors.salesforce.collections import ALREADY, Collections, chunks
from connectors.salesforce.ingest import bulk_update

log = logging.getLogger("reengage.salesforce.writes")
SOBJECT = {RecordType.SALESFORCE_LEAD: "Lead", RecordType.SALESFORCE_CONTACT: "Contact"}
MEMBER_FIELD = {RecordType.SALESFORCE_LEAD: "LeadId", RecordType.SALESFORCE_CONTACT: "ContactId"}
PRIORITY = {"HIGH": "High", "NORMAL": "Normal", "LOW": "Low"}
LOOKUP_CHUNK = 100  # ids per IN (...) list: keeps each query URL far below 16 KB
CREATE_ATTEMPTS = 4


def day_text(day: date) -> str:
    """A date field's value: ``yyyy-MM-dd`` only ("an offset for date is not supported";
    a datetime there fails the whole Collections call), even from a datetime."""
    return date(day.year, day.month, day.day).isoformat()


def _refused(key: str, code: str, message: str) -> WriteResult:
    return WriteResult(key, WriteStatus.FAILED, error_code=code, message=message)


class Writer:
    """The SinkConnector's write methods for Salesforce."""

    def __init__(
        self,
        client: SalesforceClient,
        rules: Rules,
        *,
        lock_retries: int = 3,
        bulk_threshold: int = 2000,
        bulk_wait: float = 1.0,
    ) -> None:
        self.client = client
        self.rules = rules
        self.bulk_threshold = bulk_threshold
        self.bulk_wait = bulk_wait
        self.collections = Collections(client, lock_retries=lock_retries)
        self._team = itertools.cycle(rules.owners.salesforce_team or [""])
        self._campaigns: dict[str, str] = {}

    # -- fields -------------------------------------------------------------------------------
    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        results: dict[int, WriteResult] = {}
        sendable: list[int] = []
        records: list[dict[str, Any]] = []
        for i, update in enumerate(updates):
            sobject = SOBJECT.get(update.record.record_type)
            bad = [n for n in update.values if not soql.IDENTIFIER.match(n)]
            if sobject is None or bad or not update.values:
                why = f"not a Salesforce field: {bad}" if bad else "not a Salesforce lead/contact"
                results[i] = _refused(update.key, "INVALID_FIELD", why)
                continue
            sendable.append(i)
            records.append(
                {"attributes": {"type": sobject}, "id": update.record.record_id, **update.values}
            )
        if len(sendable) >= self.bulk_threshold:
            sendable, records = self._bulk_update(updates, sendable, records, results)
        keys = [updates[i].key for i in sendable]
        for i, result in zip(sendable, self.collections.save("PATCH", keys, records), strict=True):
            results[i] = result
        return [results[i] for i in range(len(updates))]

    def _bulk_update(
        self,
        updates: Sequence[FieldUpdate],
        sendable: list[int],
        records: list[dict[str, Any]],
        results: dict[int, WriteResult],
    ) -> tuple[list[int], list[dict[str, Any]]]:
        """Bulk 2.0 ingest per object; answers what is left for Collections (locked rows)."""
        left: list[int] = []
        for sobject in sorted({r["attributes"]["type"] for r in records}):
            mine = [n for n, r in enumerate(records) if r["attributes"]["type"] == sobject]
            rows = [{"Id": records[n]["id"], **updates[sendable[n]].values} for n in mine]
            keys = [updates[sendable[n]].key for n in mine]
            done, again = bulk_update(self.client, sobject, keys, rows, wait=self.bulk_wait)
            results.update({sendable[mine[j]]: result for j, result in done.items()})
            left.extend(mine[j] for j in again)
        left.sort()
        return [sendable[n] for n in left], [records[n] for n in left]

    # -- campaigns ----------------------------------------------------------------------------
    def campaign_name(self, list_name: str) -> str:
        prefix = self.rules.lists.prefix
        return list_name if list_name.startswith(prefix) else prefix + list_name

    def find_campaigns(self, names: Sequence[str]) -> dict[str, str]:
        """Campaign name -> id for the names that exist (live campaigns only)."""
        found: dict[str, str] = {}
        for part in chunks(sorted(set(names)), LOOKUP_CHUNK):
            query = soql.select("Campaign", ("Id", "Name"), soql.In("Name", tuple(part)))
            for row in self._query(query):
                found.setdefault(str(row["Name"]), str(row["Id"]))
        return found

    def ensure_campaigns(self, names: Sequence[str]) -> dict[str, str]:
        """Finds, or creates, a Campaign per name; returns name -> id for those that exist now."""
        wanted = sorted({n for n in names if n not in self._campaigns})
        if wanted:
            self._campaigns.update(self.find_campaigns(wanted))

        def create() -> None:
            missing = [n for n in wanted if n not in self._campaigns]
            if missing:
                self._create_campaigns(missing)

        def look_up() -> None:  # what the failed request may have created
            missing = [n for n in wanted if n not in self._campaigns]
            self._campaigns.update(self.find_campaigns(missing))

        retry_creates(create, look_up=look_up, attempts=CREATE_ATTEMPTS, sleep=self.client.sleep)
        return {n: self._campaigns[n] for n in names if n in self._campaigns}

    def _create_campaigns(self, names: list[str]) -> None:
        records = [
            {"attributes": {"type": "Campaign"}, "Name": n, "IsActive": True, "Type": "Other"}
            for n in names
        ]
        saved = self.collections.save("POST", names, records, idempotent=False)
        for name, result in zip(names, saved, strict=True):
            if result.status == WriteStatus.APPLIED and result.platform_id:
                self._campaigns[name] = result.platform_id
                log.info("created Salesforce campaign %r", name)

    def _members(
        self, changes: Sequence[MembershipChange], ids: Mapping[str, str]
    ) -> dict[tuple[str, str], str]:
        """(campaign id, lead/contact id) -> member id, for the members that exist now."""
        found: dict[tuple[str, str], str] = {}
        people = sorted({c.record.record_id for c in changes})
        campaigns = tuple(sorted(set(ids.values())))
        if not campaigns:
            return found
        for part in chunks(people, LOOKUP_CHUNK):
            where = soql.And(
                (
                    soql.In("CampaignId", campaigns),
                    soql.Or((soql.In("LeadId", tuple(part)), soql.In("ContactId", tuple(part)))),
                )
            )
            fields = ("Id", "CampaignId", "LeadId", "ContactId")
            for row in self._query(soql.select("CampaignMember", fields, where)):
                person = row.get("LeadId") or row.get("ContactId")
                found[(str(row["CampaignId"]), str(person))] = str(row["Id"])
        return found

    def add_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        ids = self.ensure_campaigns([self.campaign_name(c.list_name) for c in changes])
        existing = self._members(changes, ids)
        results: dict[int, WriteResult] = {}
        sendable: list[int] = []
        records: list[dict[str, Any]] = []
        for i, change in enumerate(changes):
            campaign = ids.get(self.campaign_name(change.list_name))
            field = MEMBER_FIELD.get(change.record.record_type)
            if campaign is None or field is None:
                results[i] = _refused(
                    change.key,
                    "INVALID_CROSS_REFERENCE_KEY",
                    "no campaign, or not a Salesforce lead/contact",
                )
            elif (campaign, change.record.record_id) in existing:
                member = existing[(campaign, change.record.record_id)]
                results[i] = WriteResult(change.key, WriteStatus.SKIPPED, platform_id=member)
            else:
                sendable.append(i)
                records.append(
                    {
                        "attributes": {"type": "CampaignMember"},
                        "CampaignId": campaign,
                        field: change.record.record_id,
                    }
                )
        keys = [changes[i].key for i in sendable]
        saved = self.collections.save("POST", keys, records, already=ALREADY)
        results.update(zip(sendable, saved, strict=True))
        return [results[i] for i in range(len(changes))]

    def remove_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        names = [self.campaign_name(c.list_name) for c in changes]
        ids = {n: i for n, i in self.find_campaigns(names).items()}
        self._campaigns.update(ids)
        existing = self._members(changes, ids)
        results: dict[int, WriteResult] = {}
        doomed: list[int] = []
        for i, (change, name) in enumerate(zip(changes, names, strict=True)):
            member = existing.get((ids.get(name, ""), change.record.record_id))
            if member is None:
                results[i] = WriteResult(change.key, WriteStatus.SKIPPED, message="not a member")
            else:
                doomed.append(i)
        member_ids = [existing[(ids[names[i]], changes[i].record.record_id)] for i in doomed]
        deleted = self.collections.delete([changes[i].key for i in doomed], member_ids)
        results.update(zip(doomed, deleted, strict=True))
        return [results[i] for i in range(len(changes))]

    # -- tasks --------------------------------------------------------------------------------
    @property
    def task_key(self) -> str:
        return soql.identifier(self.rules.fields.salesforce.task_key)

    def find_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        """Idempotency key -> Task id, deleted tasks included (a task is never made twice)."""
        found: dict[str, str] = {}
        for part in chunks(sorted(set(keys)), LOOKUP_CHUNK):
            query = soql.select("Task", ("Id", self.task_key), soql.In(self.task_key, tuple(part)))
            for row in self._query(query, include_deleted=True):
                found.setdefault(str(row[self.task_key]), str(row["Id"]))
        return found

    def _owner(self, task: TaskRequest) -> str | None:
        fallback = self.rules.owners.salesforce_fallback_user
        return task.owner_id or fallback or next(self._team) or None

    def _task_record(self, task: TaskRequest) -> dict[str, Any]:
        record: dict[str, Any] = {
            "attributes": {"type": "Task"},
            "Subject": task.subject[:255],
            "Description": task.body[:32000],
            "WhoId": task.record.record_id,
            "ActivityDate": day_text(task.due),
            "TaskSubtype": "Call",
            "Type": "Call",
            "Status": "Not Started",
            "Priority": PRIORITY.get(task.priority.upper(), "Normal"),
            self.task_key: task.idempotency_key,
        }
        owner = self._owner(task)
        if owner:
            record["OwnerId"] = owner
        return record

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> list[WriteResult]:
        results: dict[int, WriteResult] = {}
        known = self.find_tasks([t.idempotency_key for t in tasks])
        pending = []
        for i, task in enumerate(tasks):
            if task.idempotency_key in known:
                results[i] = WriteResult(
                    task.idempotency_key,
                    WriteStatus.SKIPPED,
                    platform_id=known[task.idempotency_key],
                )
            else:
                pending.append(i)
        for part in chunks(pending):
            results.update(self._create_chunk(tasks, list(part)))
        return [results[i] for i in range(len(tasks))]

    def _create_chunk(
        self, tasks: Sequence[TaskRequest], part: list[int]
    ) -> Iterator[tuple[int, WriteResult]]:
        results: dict[int, WriteResult] = {}

        def create() -> None:
            todo = [i for i in part if i not in results]
            keys = [tasks[i].idempotency_key for i in todo]
            if todo:
                records = [self._task_record(tasks[i]) for i in todo]
                saved = self.collections.save("POST", keys, records, idempotent=False)
                results.update(zip(todo, saved, strict=True))

        def look_up() -> None:  # what the failed request may have created
            todo = [i for i in part if i not in results]
            landed = self.find_tasks([tasks[i].idempotency_key for i in todo])
            for i in todo:
                key = tasks[i].idempotency_key
                if key in landed:
                    results[i] = WriteResult(key, WriteStatus.APPLIED, platform_id=landed[key])

        retry_creates(create, look_up=look_up, attempts=CREATE_ATTEMPTS, sleep=self.client.sleep)
        yield from sorted(results.items())

    def closed_status(self) -> str:
        """The Task status that closes a task: the org's ``TaskStatus`` value with ``IsClosed``
        (default first), else the standard ``Completed`` where the object cannot be read."""
        try:
            rows = list(self._query(
                "SELECT ApiName, IsDefault FROM TaskStatus WHERE IsClosed = true"
            ))  # fmt: skip
        except ConnectorError:
            return "Completed"
        names = [str(r["ApiName"]) for r in sorted(rows, key=lambda r: not r.get("IsDefault"))]
        return "Completed" if "Completed" in names or not names else names[0]

    def close_tasks(self, closes: Sequence[TaskClose]) -> list[WriteResult]:
        """Sets the tasks' Status to a closed value (Collections PATCH, idempotent; a deleted
        task is reported skipped)."""
        if not closes:
            return []
        status = self.closed_status()
        records = [{"attributes": {"type": "Task"}, "id": c.task_id, "Status": status}
                   for c in closes]  # fmt: skip
        # a task deleted on the platform is as good as closed
        gone = frozenset({"ENTITY_IS_DELETED"})
        return self.collections.save("PATCH", [c.key for c in closes], records, already=gone)

    # -- reading helpers ----------------------------------------------------------------------
    def _query(self, query: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        page = self.client.call(lambda sf: sf.query(query, include_deleted=include_deleted))
        tokens = PageTokens("Salesforce", "a query")
        while True:
            yield from page.get("records", [])
            if page.get("done", True):
                return
            url = str(tokens.next(str(page["nextRecordsUrl"])))
            page = self.client.call(next_page(url, include_deleted=include_deleted))
