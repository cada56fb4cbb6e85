"""Call tasks on contacts, created at most once per idempotency key.

Tasks are created with batch create (100 per call), associated inline to their
contact (type 204, task to contact), typed CALL, with priority, due time
(``hs_timestamp``), owner, subject and body, and the idempotency key in the
custom property ``reengage_task_key`` that :func:`find_tasks` searches.

Creation is not idempotent, so it is never retried blindly: before trying a
batch again after a failure (a dropped answer may hide a batch that landed),
the keys are looked up and only the missing tasks are created. Search shows
new records after a short delay (notes §1.4), so that look-up goes through the
contacts' task associations instead (:mod:`connectors.hubspot.task_lookup`),
which show a task as soon as it exists; :func:`find_tasks` (search) serves
keys never sent before, where a stale index can only miss what is not there.

"If the body of your request exceeds 3,000 characters, a 400 error will be
returned" (search guide, Limits; listed under ``query``, so it may mean the query
string only). 100 keys of 36 characters make a body of about 4,200, so the keys
are split (:func:`key_chunks`) until the whole JSON body, measured as the SDK
sends it and with the widest ``after`` a page can carry, fits in 3,000: true
under every reading of the limit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from hubspot.crm.objects import (
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    PublicAssociationsForObject,
    PublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
)

from connectors.base import RecordType, TaskClose, TaskRequest, WriteResult, WriteStatus
from connectors.errors import RecordError, RetriableError
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.task_lookup import TASK_KEY_PROPERTY as TASK_KEY_PROPERTY
from connectors.hubspot.task_lookup import linked_tasks
from connectors.hubspot.writes import (
    BATCH_SIZE,
    error_index,
    error_result,
    failed,
    isolate,
    not_a_contact,
    unique_chunks,
    update_outcomes,
)
from connectors.timeparse import to_epoch_ms

COMPLETED = "COMPLETED"  # hs_task_status of a done task (tasks guide, properties table)
TASK_TO_CONTACT = 204
PRIORITIES = {"HIGH": "HIGH", "NORMAL": "MEDIUM", "MEDIUM": "MEDIUM", "LOW": "LOW"}
SEARCH_BODY_LIMIT = 3000  # characters (search guide, Limits)
WIDEST_AFTER = "10000"  # search cannot page past 10,000 results


def due_ms(task: TaskRequest, zone: str) -> int:
    """The due instant: 09:00 on the due date in the business time zone."""
    return to_epoch_ms(datetime.combine(task.due, time(9, 0), tzinfo=ZoneInfo(zone)))


def task_input(task: TaskRequest, zone: str) -> SimplePublicObjectBatchInputForCreate:
    properties = {
        "hs_timestamp": str(due_ms(task, zone)),
        "hs_task_type": "CALL",
        "hs_task_status": "NOT_STARTED",
        "hs_task_priority": PRIORITIES.get(task.priority.upper(), "MEDIUM"),
        "hs_task_subject": task.subject,
        "hs_task_body": task.body,
        TASK_KEY_PROPERTY: task.idempotency_key,
    }
    if task.owner_id:
        properties["hubspot_owner_id"] = task.owner_id
    spec = AssociationSpec(
        association_category="HUBSPOT_DEFINED", association_type_id=TASK_TO_CONTACT
    )
    link = PublicAssociationsForObject(to=PublicObjectId(id=task.record.record_id), types=[spec])
    return SimplePublicObjectBatchInputForCreate(
        properties=properties, associations=[link], object_write_trace_id=task.idempotency_key
    )


def _key_search(keys: Sequence[str], after: str) -> PublicObjectSearchRequest:
    key_filter = {"propertyName": TASK_KEY_PROPERTY, "operator": "IN", "values": list(keys)}
    return PublicObjectSearchRequest(
        filter_groups=[{"filters": [key_filter]}],
        sorts=[],
        properties=[TASK_KEY_PROPERTY],
        limit=200,
        after=after,
    )


def search_body_length(keys: Sequence[str], after: str = WIDEST_AFTER) -> int:
    """Characters of the key look-up's JSON body, at least as many as the SDK sends
    (it drops the null ``query`` this counts; non-ASCII is counted escaped)."""
    return len(json.dumps(_key_search(keys, after).to_dict(serialize=True)))


def key_chunks(
    keys: Sequence[str], limit: int = SEARCH_BODY_LIMIT, most: int = BATCH_SIZE
) -> list[list[str]]:
    """The keys in order, in look-ups of at most ``most`` keys whose search body stays
    within ``limit`` characters; each key in exactly one. A key too long to fit even
    alone (never one of reengage's 36-character keys) is looked up alone."""
    out: list[list[str]] = []
    current: list[str] = []
    for key in keys:
        grown = [*current, key]
        if current and (len(grown) > most or search_body_length(grown) > limit):
            out.append(current)
            grown = [key]
        current = grown
    if current:
        out.append(current)
    return out


def find_tasks(client: HubSpotClient, keys: Sequence[str]) -> dict[str, str]:
    """Idempotency key -> task id of the tasks that exist (search on ``reengage_task_key``)."""
    found: dict[str, str] = {}
    by_folded = {k.casefold(): k for k in keys}
    for chunk in key_chunks(list(dict.fromkeys(keys))):
        after: str | None = "0"
        while after is not None:
            page = client.call(
                "objects.search",
                "do_search",
                "tasks",
                public_object_search_request=_key_search(chunk, after),
                search=True,
            )
            for task in page.results or []:
                value = str((task.properties or {}).get(TASK_KEY_PROPERTY) or "")
                if (key := by_folded.get(value.casefold())) is not None:
                    found.setdefault(key, str(task.id))
            nxt = page.paging.next.after if page.paging and page.paging.next else None
            after = str(nxt) if nxt else None
    return found


def create_tasks(
    client: HubSpotClient, tasks: Sequence[TaskRequest], zone: str
) -> list[WriteResult]:
    """Call tasks on contacts, 100 per batch create, each key created at most once."""
    results: dict[str, WriteResult] = {}
    contacts = [t for t in tasks if t.record.record_type is RecordType.HUBSPOT_CONTACT]
    for t in tasks:
        if t.record.record_type is not RecordType.HUBSPOT_CONTACT:
            results[t.idempotency_key] = not_a_contact(t.idempotency_key)
    for chunk in unique_chunks(contacts, BATCH_SIZE, lambda t: t.idempotency_key):
        results.update(isolate(chunk, _Refusals(client, zone), lambda t: t.idempotency_key))
    return [results[t.idempotency_key] for t in tasks]


class _Refusals:
    """Creates the parts ``isolate`` sends; once a batch was refused whole, every later part
    is looked up first: a refused batch may have created the tasks before its bad input."""

    def __init__(self, client: HubSpotClient, zone: str) -> None:
        self.client, self.zone, self.refused = client, zone, False

    def __call__(self, part: Sequence[TaskRequest]) -> dict[str, WriteResult]:
        try:
            return _create_chunk(self.client, part, self.zone, look_first=self.refused)
        except RecordError:
            self.refused = True
            raise


def _create_chunk(
    client: HubSpotClient, chunk: Sequence[TaskRequest], zone: str, *, look_first: bool = False
) -> dict[str, WriteResult]:
    """One batch create, retried only for the keys a consistent look-up does not find."""
    existing: dict[str, str] = {}
    tries = 0

    def attempt() -> Any:
        nonlocal tries
        tries += 1
        if tries > 1 or look_first:  # an earlier try may have landed: never create a key twice
            existing.update(linked_tasks(client, chunk))
        todo = [t for t in chunk if t.idempotency_key not in existing]
        if not todo:
            return None
        body = BatchInputSimplePublicObjectBatchInputForCreate([task_input(t, zone) for t in todo])
        return client.call("objects.batch", "create", "tasks", body, retry=False)

    try:
        answer = client.with_retry(attempt)
    except RetriableError as exc:
        return {
            t.idempotency_key: _skipped(t.idempotency_key, existing)
            if t.idempotency_key in existing
            else failed(t.idempotency_key, exc)
            for t in chunk
        }
    return _task_results(chunk, answer, existing)


def _skipped(key: str, existing: dict[str, str]) -> WriteResult:
    return WriteResult(key, WriteStatus.SKIPPED, platform_id=existing[key])


def _task_results(
    chunk: Sequence[TaskRequest], answer: Any, existing: dict[str, str]
) -> dict[str, WriteResult]:
    created: dict[str, str] = {}
    for result in getattr(answer, "results", None) or []:
        key = (result.properties or {}).get(TASK_KEY_PROPERTY) or getattr(
            result, "object_write_trace_id", None
        )
        if key:
            created[str(key)] = str(result.id)
    errors = error_index(getattr(answer, "errors", None) or [])
    out: dict[str, WriteResult] = {}
    for t in chunk:
        key = t.idempotency_key
        if key in created:
            out[key] = WriteResult(key, WriteStatus.APPLIED, platform_id=created[key])
        elif key in existing:
            out[key] = _skipped(key, existing)
        elif key in errors:
            out[key] = error_result(key, errors[key])
        else:
            out[key] = WriteResult(key, WriteStatus.FAILED, message="no answer for this task")
    return out


def close_tasks(client: HubSpotClient, closes: Sequence[TaskClose]) -> list[WriteResult]:
    """Marks tasks completed (``hs_task_status`` COMPLETED) through batch update, 100 per call;
    setting a value again is idempotent, so a retried batch does no harm."""
    results: dict[str, WriteResult] = {}
    for chunk in unique_chunks(list(closes), BATCH_SIZE, lambda c: c.task_id):
        results.update(isolate(chunk, lambda part: _close_chunk(client, part), lambda c: c.key))
    return [results[c.key] for c in closes]


def _close_chunk(client: HubSpotClient, chunk: Sequence[TaskClose]) -> dict[str, WriteResult]:
    inputs = [
        SimplePublicObjectBatchInput(
            id=c.task_id, properties={"hs_task_status": COMPLETED}, object_write_trace_id=c.key
        )
        for c in chunk
    ]
    try:
        answer = client.call(
            "objects.batch", "update", "tasks", BatchInputSimplePublicObjectBatchInput(inputs)
        )
    except RetriableError as exc:
        return {c.key: failed(c.key, exc) for c in chunk}
    return update_outcomes(answer, [(c.key, c.task_id) for c in chunk])
