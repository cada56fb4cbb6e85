"""sObject Collections with per-record outcomes and bounded UNABLE_TO_LOCK_ROW retries.

simple-salesforce has no Collections wrapper, so requests go through its
``restful`` call. Salesforce answers HTTP 200 with one ``{id, success, errors}``
per record in request order even when some failed; each becomes a
:class:`~connectors.base.WriteResult` matched to its input by key. Records that
failed ``UNABLE_TO_LOCK_ROW`` (another transaction held the row, or its parent)
are sent again, alone, a bounded number of times with a growing wait; what still
fails is reported ``retriable``. A request refused whole (a 400) fails each of its
records with Salesforce's code; one bad record never sinks its neighbours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.base import WriteResult, WriteStatus
from connectors.errors import RecordError
from connectors.salesforce.client import SalesforceClient

MAX_RECORDS = 200
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


class Collections:
    """Sends records 200 at a time and answers one WriteResult per input, in input order."""

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
        results: list[WriteResult] = []
        for start in range(0, len(records), MAX_RECORDS):
            part = list(range(start, min(start + MAX_RECORDS, len(records))))
            done = self._with_lock_retries(
                part,
                lambda idx: self._request(method, [records[i] for i in idx], idempotent),
                keys,
                already,
            )
            results.extend(done[i] for i in part)
        return results

    def delete(self, keys: Sequence[str], ids: Sequence[str]) -> list[WriteResult]:
        """Deletes by id (idempotent: a record already deleted is skipped)."""
        results: list[WriteResult] = []
        for start in range(0, len(ids), MAX_RECORDS):
            part = list(range(start, min(start + MAX_RECORDS, len(ids))))
            done = self._with_lock_retries(
                part, lambda idx: self._delete([ids[i] for i in idx]), keys, ALREADY
            )
            results.extend(done[i] for i in part)
        return results

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
        pending = indexes
        for attempt in range(self.lock_retries + 1):
            try:
                answer = send(pending)
            except RecordError as exc:
                for i in pending:
                    done[i] = WriteResult(
                        keys[i], WriteStatus.FAILED, error_code=exc.code, message=exc.user_message
                    )
                return done
            again = []
            for i, item in zip(pending, answer, strict=True):
                result = outcome(keys[i], item, already)
                if result.error_code == LOCKED and attempt < self.lock_retries:
                    again.append(i)
                else:
                    done[i] = result
            if not again:
                break
            pending = again
            self.client.sleep(0.5 * 2**attempt)
        return done
