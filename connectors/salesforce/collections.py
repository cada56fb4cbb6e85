"""sObject Collections with per-record outcomes and bounded UNABLE_TO_LOCK_ROW retries.

simple-salesforce has no Collections wrapper, so requests go through its
``restful`` call. Salesforce answers HTTP 200 with one ``{id, success, errors}``
per record in request order even when some failed; each becomes a
:class:`~connectors.base.WriteResult` matched to its input by key. Records that
failed ``UNABLE_TO_LOCK_ROW`` (another transaction held the row, or its parent)
are sent again, alone, a bounded number of times with a growing wait; what still
fails is reported ``retriable``. A request refused whole (a 400) fails each of its
records with Salesforce's code; one bad record never sinks its neighbours.

Salesforce processes a call's records in chunks of same-type neighbours and takes at
most 10 chunks a call (notes §3.1): Lead, Contact, Lead, ... in input order would be
refused whole. So records are sent grouped by type (stable: input order within a
type), each call holding at most 200 records and 10 type runs, and the results are
put back in input order, one per input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.base import WriteResult, WriteStatus
from connectors.errors import RecordError
from connectors.retry import retry_records
from connectors.salesforce.client import SalesforceClient

MAX_RECORDS = 200
MAX_CHUNKS = 10  # runs of same-type neighbours a call may hold
LOCKED = "UNABLE_TO_LOCK_ROW"
# Codes that mean "already as wanted": a member already in the campaign, a record already gone.
ALREADY = frozenset({"DUPLICATE_VALUE", "ENTITY_IS_DELETED"})

Outcome = Callable[[str, Mapping[str, Any]], WriteResult]


def outcome(
    key: str, item: Mapping[str, Any], already: frozenset[str] = frozenset()
) -> WriteResult:
    """One SaveResult as a WriteResult; codes in ``already`` count as skipped, not failed."""
    if item.get("success"):
        return WriteResult(key, WriteStatus.APPLIED, platform_id=item.get("id"))
    errors = item.get("errors") or [{}]
    code = str(errors[0].get("statusCode") or errors[0].get("errorCode") or "UNKNOWN")
    message = str(errors[0].get("message", ""))
    if code in already:
        return WriteResult(
            key, WriteStatus.SKIPPED, platform_id=item.get("id"), error_code=code, message=message
        )
    return WriteResult(
        key, WriteStatus.FAILED, error_code=code, message=message, retriable=code == LOCKED
    )


def chunks(items: Sequence[Any], size: int = MAX_RECORDS) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def grouped_calls(
    kinds: Sequence[str], size: int = MAX_RECORDS, max_chunks: int = MAX_CHUNKS
) -> list[list[int]]:
    """Input positions in calls: grouped by type (first-seen type first, input order
    within a type), each call at most ``size`` positions and ``max_chunks`` type runs.

    Types compare without regard to case, as Salesforce's names do.
    """
    first_seen: dict[str, int] = {}
    for kind in kinds:
        first_seen.setdefault(kind.lower(), len(first_seen))
    order = sorted(range(len(kinds)), key=lambda i: first_seen[kinds[i].lower()])
    calls: list[list[int]] = []
    runs = 0
    for position in order:
        current = calls[-1] if calls else None
        new_run = current is None or kinds[current[-1]].lower() != kinds[position].lower()
        if current is None or len(current) >= size or (new_run and runs >= max_chunks):
            calls.append([position])
            runs = 1
        else:
            current.append(position)
            runs += new_run
    return calls


def record_kind(record: Mapping[str, Any]) -> str:
    """A record's sObject type: ``attributes.type``, else its id's 3-character prefix."""
    attributes = record.get("attributes")
    named = attributes.get("type") if isinstance(attributes, Mapping) else None
    if named:
        return str(named)
    return str(next((v for k, v in record.items() if k.lower() == "id"), ""))[:3]


class Collections:
    """Sends records grouped by type, 200 at a time, and answers one WriteResult per
    input, in input order."""

    def __init__(self, client: SalesforceClient, *, lock_retries: int = 3) -> None:
        self.client = client
        self.lock_retries = lock_retries

    def save(
        self,
        method: str,
        keys: Sequence[str],
        records: Sequence[Mapping[str, Any]],
        *,
        already: frozenset[str] = frozenset(),
        idempotent: bool = True,
    ) -> list[WriteResult]:
        """``POST`` (create) or ``PATCH`` (update) records; keys match results to inputs."""
        done: dict[int, WriteResult] = {}
        for part in grouped_calls([record_kind(r) for r in records]):
            done.update(
                self._with_lock_retries(
                    part,
                    lambda idx: self._request(method, [records[i] for i in idx], idempotent),
                    keys,
                    already,
                )
            )
        return [done[i] for i in range(len(records))]

    def delete(self, keys: Sequence[str], ids: Sequence[str]) -> list[WriteResult]:
        """Deletes by id (idempotent: a record already deleted is skipped)."""
        done: dict[int, WriteResult] = {}
        for part in grouped_calls([i[:3] for i in ids]):
            done.update(
                self._with_lock_retries(
                    part, lambda idx: self._delete([ids[i] for i in idx]), keys, ALREADY
                )
            )
        return [done[i] for i in range(len(ids))]

    def _request(self, method: str, records: list[Mapping[str, Any]], retry: bool) -> list[Any]:
        body = {"allOrNone": False, "records": records}
        answer = self.client.call(
            lambda sf: sf.restful("composite/sobjects", method=method, json=body), retry=retry
        )
        return list(answer or [])

    def _delete(self, ids: list[str]) -> list[Any]:
        params = {"ids": ",".join(ids), "allOrNone": "false"}
        answer = self.client.call(
            lambda sf: sf.restful("composite/sobjects", method="DELETE", params=params)
        )
        return list(answer or [])

    def _with_lock_retries(
        self,
        indexes: list[int],
        send: Callable[[list[int]], list[Any]],
        keys: Sequence[str],
        already: frozenset[str],
    ) -> dict[int, WriteResult]:
        done: dict[int, WriteResult] = {}
        pending = list(indexes)

        def attempt() -> list[int]:
            nonlocal pending
            try:
                answer = send(pending)
            except RecordError as exc:
                for i in pending:
                    done[i] = WriteResult(
                        keys[i], WriteStatus.FAILED, error_code=exc.code, message=exc.user_message
                    )
                return []
            for i, item in zip(pending, answer, strict=True):
                done[i] = outcome(keys[i], item, already)
            pending = [i for i in pending if done[i].error_code == LOCKED]
            return pending

        retry_records(attempt, retries=self.lock_retries, sleep=self.client.sleep)
        return done
