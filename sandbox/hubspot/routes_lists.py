"""Lists v3: create a list, find it by name or ID, change and read its memberships.

Memberships change by record ID. HubSpot documents no maximum of IDs per
add / remove call (notes §3); the emulator accepts up to
:data:`MAX_MEMBERSHIP_IDS` (250, the chunk size SPEC §9 tells clients to use)
per call, counting both sides of ``add-and-remove``, and answers 400
VALIDATION_ERROR above it. IDs of records that do not exist come back in
``recordIdsMissing``; members already present are ignored. The answer carries
the added IDs under both ``recordsIdsAdded`` (the SDK model's spelling) and
``recordIdsAdded`` (HubSpot's reference example). Memberships can only change on
MANUAL and SNAPSHOT lists.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.hubspot.catalog import OBJECT_TYPE_IDS
from sandbox.hubspot.context import (
    BadRequest,
    Context,
    Endpoint,
    int_param,
    json_body,
    missing,
)
from sandbox.hubspot.state import HubSpotState, ListDef
from sandbox.hubspot.wire import iso, validation_error

MAX_MEMBERSHIP_IDS = 250
MAX_MEMBERSHIP_PAGE = 250
_TYPE_BY_ID = {v: k for k, v in OBJECT_TYPE_IDS.items()}


def list_json(found: ListDef) -> dict[str, Any]:
    return {
        "listId": found.list_id,
        "listVersion": found.version,
        "name": found.name,
        "objectTypeId": found.object_type_id,
        "processingType": found.processing_type,
        "processingStatus": "COMPLETE",
        "createdAt": iso(found.created_at),
        "updatedAt": iso(found.updated_at),
        "filtersUpdatedAt": iso(found.created_at),
        "createdById": "1",
        "updatedById": "1",
        "size": len(found.members),
    }


async def create(ctx: Context, request: Request) -> Response:
    body = await json_body(request) or {}
    name, type_id = str(body.get("name") or ""), str(body.get("objectTypeId") or "")
    processing = str(body.get("processingType") or "")
    if (
        not name
        or type_id not in _TYPE_BY_ID
        or processing not in ("MANUAL", "SNAPSHOT", "DYNAMIC")
    ):
        return validation_error("name, a known objectTypeId and processingType are required.")
    with ctx.state.lock:
        if ctx.state.list_by_name(name) is not None:
            return validation_error(
                f"A list named '{name}' already exists.", subCategory="ILS.DUPLICATE_LIST_NAMES"
            )
        now = ctx.state.clock()
        created = ListDef(ctx.state.next_list_id(), name, type_id, processing, now, now)
        ctx.state.lists[created.list_id] = created
        return JSONResponse({"list": list_json(created)})


def _list(state: HubSpotState, request: Request) -> ListDef:
    list_id = str(request.path_params["listId"])
    found = state.lists.get(list_id)
    if found is None:
        raise missing(f"List does not exist with ID {list_id}.")
    return found


async def get_by_id(ctx: Context, request: Request) -> Response:
    with ctx.state.lock:
        return JSONResponse({"list": list_json(_list(ctx.state, request))})


async def get_by_name(ctx: Context, request: Request) -> Response:
    name = str(request.path_params["listName"])
    with ctx.state.lock:
        found = ctx.state.list_by_name(name)
        if found is None or found.object_type_id != request.path_params["objectTypeId"]:
            raise missing(f"List does not exist with name {name}.")
        return JSONResponse({"list": list_json(found)})


def _ids(raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise BadRequest(validation_error("The body must be a JSON array of record IDs."))
    return [str(i) for i in raw]


def _change(
    state: HubSpotState, found: ListDef, add: list[str], remove: list[str]
) -> dict[str, Any]:
    if found.processing_type == "DYNAMIC":
        raise BadRequest(
            validation_error(f"List {found.list_id} is not a MANUAL or SNAPSHOT list.")
        )
    if len(add) + len(remove) > MAX_MEMBERSHIP_IDS:
        message = f"At most {MAX_MEMBERSHIP_IDS} record IDs per membership call."
        raise BadRequest(validation_error(message))
    table = state.table(_TYPE_BY_ID[found.object_type_id])
    now = state.clock()
    added, removed, absent = [], [], []
    for record_id in dict.fromkeys(add):
        if table.get(record_id) is None:
            absent.append(record_id)
        elif record_id not in found.members:
            found.members[record_id] = now
            added.append(record_id)
    for record_id in dict.fromkeys(remove):
        if table.get(record_id) is None and record_id not in found.members:
            absent.append(record_id)
        elif found.members.pop(record_id, None) is not None:
            removed.append(record_id)
    if added or removed:
        found.updated_at = now
    return {
        "recordsIdsAdded": added,
        "recordIdsAdded": added,
        "recordIdsRemoved": removed,
        "recordIdsMissing": absent,
    }


async def add(ctx: Context, request: Request) -> Response:
    ids = _ids(await json_body(request))
    with ctx.state.lock:
        return JSONResponse(_change(ctx.state, _list(ctx.state, request), ids, []))


async def remove(ctx: Context, request: Request) -> Response:
    ids = _ids(await json_body(request))
    with ctx.state.lock:
        return JSONResponse(_change(ctx.state, _list(ctx.state, request), [], ids))


async def add_and_remove(ctx: Context, request: Request) -> Response:
    body = await json_body(request) or {}
    adds, removes = _ids(body.get("recordIdsToAdd", [])), _ids(body.get("recordIdsToRemove", []))
    with ctx.state.lock:
        return JSONResponse(_change(ctx.state, _list(ctx.state, request), adds, removes))


async def get_memberships(ctx: Context, request: Request) -> Response:
    """Members in record-ID order; ``after`` is the last ID of the previous page."""
    limit = max(1, int_param(request, "limit", 100, MAX_MEMBERSHIP_PAGE))
    after = int_param(request, "after", 0)
    with ctx.state.lock:
        found = _list(ctx.state, request)
        ordered = found.sorted_member_ids()
        start = bisect_right(ordered, after) if request.query_params.get("after") else 0
        chunk = ordered[start : start + limit]
        results = [
            {"recordId": str(i), "membershipTimestamp": iso(found.members[str(i)])} for i in chunk
        ]
    body: dict[str, Any] = {"results": results, "total": len(ordered)}
    if start + limit < len(ordered):
        body["paging"] = {"next": {"after": str(chunk[-1])}}
    return JSONResponse(body)


BASE = "/crm/v3/lists"
ENDPOINTS = [
    Endpoint("POST", BASE + "/", create, "lists"),
    Endpoint("GET", BASE + "/object-type-id/{objectTypeId}/name/{listName}", get_by_name, "lists"),
    Endpoint("GET", BASE + "/{listId}", get_by_id, "lists"),
    Endpoint("PUT", BASE + "/{listId}/memberships/add", add, "lists"),
    Endpoint("PUT", BASE + "/{listId}/memberships/remove", remove, "lists"),
    Endpoint("PUT", BASE + "/{listId}/memberships/add-and-remove", add_and_remove, "lists"),
    Endpoint("GET", BASE + "/{listId}/memberships", get_memberships, "lists"),
]
