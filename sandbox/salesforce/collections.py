"""sObject Collections: ``POST`` / ``PATCH`` / ``DELETE composite/sobjects``.

Up to 200 records per call, answered HTTP 200 with one ``{id, success, errors}`` per
record in request order, even when some failed; more than 200 is a 400
``EXCEEDED_ID_LIMIT`` for the whole call. With ``allOrNone`` one failure rolls every
record back (the others report ``ALL_OR_NONE_OPERATION_ROLLED_BACK``).

Records of several types are processed "as chunks" of same-type neighbours, and "a
single request can process up to 10 chunks" ({a1, a2, c1, a3} is three chunks). How
Salesforce refuses an eleventh chunk over REST is not documented: the emulator refuses
the whole call with a 400 carrying the platform's Apex wording (the stricter reading:
nothing is written). Create and update count chunks; delete counts them by id prefix.

A date field given anything but ``yyyy-MM-dd`` (a datetime, an offset) fails JSON
parsing, which refuses the whole call: 400 ``JSON_PARSER_ERROR`` "Cannot deserialize
instance of date from VALUE_STRING value ..." (observed wording; the reference pages
only say an offset for a date is not supported).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.salesforce.errors import ApiError, bad_request
from sandbox.salesforce.routing import Call
from sandbox.salesforce.values import is_day
from sandbox.salesforce.writes import Outcome, Writer

MAX_RECORDS = 200
MAX_CHUNKS = 10


def _too_many(count: int) -> ApiError:
    return bad_request(
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call"
        f" ({count} given)",
    )


def _chunks(kinds: list[str | None]) -> int:
    """How many runs of same-type neighbours ``kinds`` makes (types compared as Salesforce
    names them, without regard to case)."""
    folded = [k.lower() if k else k for k in kinds]
    return sum(1 for i, kind in enumerate(folded) if i == 0 or kind != folded[i - 1])


def _check_chunks(kinds: list[str | None]) -> None:
    count = _chunks(kinds)
    if count > MAX_CHUNKS:
        raise bad_request(
            "EXCEEDED_MAX_TYPES_LIMIT",
            f"Cannot have more than {MAX_CHUNKS} chunks in a single operation. Please"
            f" rearrange the data to reduce chunking. ({count} chunks given)",
        )


def _kind(call: Call, record: dict[str, Any]) -> str | None:
    """A record's type: its ``attributes.type``, else (an update) its id's object."""
    named = _type(record)
    if named:
        return named
    raw = next((str(v) for k, v in record.items() if k.lower() == "id"), "")
    found = call.state.schema.by_prefix(raw) if raw else None
    return found.name if found else None


def _check_dates(call: Call, kind: str | None, record: dict[str, Any]) -> None:
    definition = call.state.schema.get(kind or "")
    if definition is None:
        return  # the record fails alone, as INVALID_TYPE or MALFORMED_ID
    for name, value in record.items():
        item = definition.field(name) if name != "attributes" else None
        if item is not None and item.type == "date" and value is not None and not is_day(value):
            raise bad_request(
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of date from VALUE_STRING value {value} or"
                " request may be missing a required field",
            )


async def _records(call: Call) -> tuple[list[dict[str, Any]], bool]:
    body = await call.json()
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise bad_request("JSON_PARSER_ERROR", "The request body must have a 'records' list")
    if len(records) > MAX_RECORDS:
        raise _too_many(len(records))
    kinds = [_kind(call, r) for r in records]
    _check_chunks(kinds)
    for kind, record in zip(kinds, records, strict=True):
        _check_dates(call, kind, record)
    return records, bool(body.get("allOrNone", False))


def _type(record: dict[str, Any]) -> str | None:
    attributes = record.get("attributes")
    return attributes.get("type") if isinstance(attributes, dict) else None


def _respond(writer: Writer, steps: list[Callable[[], Outcome]], all_or_none: bool) -> Response:
    outcomes = writer.run(steps, all_or_none)
    return JSONResponse([outcome.result() for outcome in outcomes])


async def create(call: Call) -> Response:
    records, all_or_none = await _records(call)
    writer = call.writer()
    steps = [_bind(writer.create, _type(r), r) for r in records]
    return _respond(writer, steps, all_or_none)


async def update(call: Call) -> Response:
    records, all_or_none = await _records(call)
    writer = call.writer()
    steps = [_bind(writer.update, _type(r), r) for r in records]
    return _respond(writer, steps, all_or_none)


async def delete(call: Call) -> Response:
    params = call.request.query_params
    ids = [i for i in params.get("ids", "").split(",") if i]
    if not ids:
        raise bad_request("MISSING_ARGUMENT", "ids parameter is required")
    if len(ids) > MAX_RECORDS:
        raise _too_many(len(ids))
    _check_chunks([i[:3] for i in ids])
    all_or_none = params.get("allOrNone", "false").lower() == "true"
    writer = call.writer()
    steps: list[Callable[[], Outcome]] = [_bind_delete(writer, i) for i in ids]
    return _respond(writer, steps, all_or_none)


def _bind(
    action: Callable[[str | None, dict[str, Any]], Outcome],
    kind: str | None,
    record: dict[str, Any],
) -> Callable[[], Outcome]:
    return lambda: action(kind, record)


def _bind_delete(writer: Writer, record_id: str) -> Callable[[], Outcome]:
    return lambda: writer.delete(record_id)
