"""Batched write-back of contact properties, and what every batched write shares.

Every write answers one :class:`WriteResult` per input, in input order; a
207's per-record errors fail only the inputs they name, and a batch refused
as a whole (one bad input can make HubSpot answer 400) is halved until the bad
inputs stand alone (:func:`isolate`). Batch sizes are the API's maxima (notes
§1.3, §3; SPEC §9): 100 inputs per batch update / create, 250 record ids per
membership call. Batch update is idempotent and retried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from hubspot.crm.objects import BatchInputSimplePublicObjectBatchInput, SimplePublicObjectBatchInput

from connectors.base import FieldUpdate, RecordType, WriteResult, WriteStatus
from connectors.errors import ConnectorError, RecordError, RetriableError
from connectors.hubspot.client import HubSpotClient

BATCH_SIZE = 100
MEMBERSHIP_CHUNK = 250
T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unique_chunks(items: Sequence[T], size: int, key: Callable[[T], str]) -> list[list[T]]:
    """Chunks of at most ``size``, in order, in which no key repeats (HubSpot refuses duplicate
    ids in one batch update): a repeated key starts the next chunk."""
    out: list[list[T]] = []
    seen: set[str] = set()
    for item in items:
        k = key(item)
        if not out or len(out[-1]) >= size or k in seen:
            out.append([])
            seen = set()
        out[-1].append(item)
        seen.add(k)
    return out


def isolate(
    chunk: Sequence[T],
    run: Callable[[Sequence[T]], dict[str, WriteResult]],
    key: Callable[[T], str],
) -> dict[str, WriteResult]:
    """Runs ``chunk``; when HubSpot refuses a whole batch (a 400 for one bad input), halves it
    until the refused inputs stand alone, so that one bad record never sinks its batch."""
    out: dict[str, WriteResult] = {}
    pending = [list(chunk)]
    while pending:
        part = pending.pop()
        try:
            out.update(run(part))
        except RecordError as exc:
            if len(part) == 1:
                out[key(part[0])] = failed(key(part[0]), exc)
            else:
                middle = len(part) // 2
                pending.extend([part[middle:], part[:middle]])
    return out


def failed(key: str, error: ConnectorError) -> WriteResult:
    return WriteResult(
        key,
        WriteStatus.FAILED,
        error_code=error.code or (str(error.status) if error.status else None),
        message=error.detail or error.user_message,
        retriable=isinstance(error, RetriableError),
    )


def not_a_contact(key: str) -> WriteResult:
    return WriteResult(
        key, WriteStatus.FAILED, error_code="NOT_A_HUBSPOT_CONTACT", message="not a HubSpot contact"
    )


def wire_value(value: str | int | float | bool | None) -> str:
    """A property value as HubSpot takes it; None clears the property."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def error_index(errors: Sequence[Any]) -> dict[str, Any]:
    """Each id / trace id a batch answer's errors name -> that error."""
    found: dict[str, Any] = {}
    for error in errors or []:
        context = getattr(error, "context", None) or {}
        for name in ("objectWriteTraceId", "ids", "id"):
            for value in context.get(name) or []:
                found.setdefault(str(value), error)
    return found


def error_result(key: str, error: Any) -> WriteResult:
    return WriteResult(
        key,
        WriteStatus.FAILED,
        error_code=getattr(error, "category", None),
        message=getattr(error, "message", None),
    )


# ---------------------------------------------------------------------------- properties


def update_fields(client: HubSpotClient, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
    """Contact properties through batch update, 100 per call, only the given values."""
    results: dict[str, WriteResult] = {}
    contacts = [u for u in updates if u.record.record_type is RecordType.HUBSPOT_CONTACT]
    for u in updates:
        if u.record.record_type is not RecordType.HUBSPOT_CONTACT:
            results[u.key] = not_a_contact(u.key)
    for chunk in unique_chunks(contacts, BATCH_SIZE, lambda u: u.record.record_id):
        results.update(isolate(chunk, lambda part: _update_chunk(client, part), lambda u: u.key))
    return [results[u.key] for u in updates]


def _update_chunk(client: HubSpotClient, chunk: Sequence[FieldUpdate]) -> dict[str, WriteResult]:
    """One batch update. Raises RecordError when HubSpot refuses the batch as a whole."""
    inputs = [
        SimplePublicObjectBatchInput(
            id=u.record.record_id,
            properties={name: wire_value(v) for name, v in u.values.items()},
            object_write_trace_id=u.key,
        )
        for u in chunk
    ]
    try:
        answer = client.call(
            "objects.batch", "update", "contacts", BatchInputSimplePublicObjectBatchInput(inputs)
        )
    except RetriableError as exc:
        return {u.key: failed(u.key, exc) for u in chunk}
    return update_outcomes(answer, [(u.key, u.record.record_id) for u in chunk])


def update_outcomes(answer: Any, inputs: Sequence[tuple[str, str]]) -> dict[str, WriteResult]:
    """Each (key, object id) input's outcome in a batch update's answer: the error that names
    its key or id, applied when its id is in the results, else failed (no answer)."""
    errors = error_index(getattr(answer, "errors", None) or [])
    done = {str(r.id) for r in answer.results or []}
    out: dict[str, WriteResult] = {}
    for key, object_id in inputs:
        error = errors.get(key) or errors.get(object_id)
        if error is not None:
            out[key] = error_result(key, error)
        elif object_id in done:
            out[key] = WriteResult(key, WriteStatus.APPLIED, platform_id=object_id)
        else:
            out[key] = WriteResult(key, WriteStatus.FAILED, message="no answer for this input")
    return out
