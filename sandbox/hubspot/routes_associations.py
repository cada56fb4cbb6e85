"""Associations v4: read a record's links, batch read, create default links (one or a batch).

Every link is the pair's default (HUBSPOT_DEFINED, unlabelled) type; labelled
associations are not emulated.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.hubspot.batch import batch_response, inputs_of
from sandbox.hubspot.catalog import association_type_id
from sandbox.hubspot.context import (
    BadRequest,
    Context,
    Endpoint,
    int_param,
    json_body,
    type_param,
)
from sandbox.hubspot.state import HubSpotState
from sandbox.hubspot.wire import standard_error, validation_error

MAX_PAGE = 500
MAX_BATCH_READ = 1_000
MAX_BATCH_CREATE = 2_000


def _labels(from_type: str, to_type: str) -> list[dict[str, Any]]:
    type_id = association_type_id(from_type, to_type)
    return [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]


def _linked_page(
    state: HubSpotState, from_type: str, from_id: str, to_type: str, after: int, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    linked = sorted(state.associated(from_type, from_id, to_type), key=int)
    chunk = linked[after : after + limit]
    labels = _labels(from_type, to_type)
    items = [{"toObjectId": i, "associationTypes": labels} for i in chunk]
    return items, (str(after + limit) if after + limit < len(linked) else None)


async def get_page(ctx: Context, request: Request) -> Response:
    from_type, to_type = type_param(request), type_param(request, "toObjectType")
    after = int_param(request, "after", 0)
    limit = max(1, int_param(request, "limit", MAX_PAGE, MAX_PAGE))
    with ctx.state.lock:
        items, nxt = _linked_page(
            ctx.state, from_type, str(request.path_params["objectId"]), to_type, after, limit
        )
    body: dict[str, Any] = {"results": items}
    if nxt is not None:
        body["paging"] = {"next": {"after": nxt}}
    return JSONResponse(body)


async def batch_read(ctx: Context, request: Request) -> Response:
    from_type, to_type = type_param(request, "fromObjectType"), type_param(request, "toObjectType")
    inputs = inputs_of(await json_body(request), MAX_BATCH_READ)
    started = ctx.state.clock()
    results, absent = [], []
    with ctx.state.lock:
        for item in inputs:
            from_id = str(item.get("id", ""))
            if ctx.state.table(from_type).get(from_id) is None:
                absent.append(from_id)
                continue
            after = int(item.get("after") or 0)
            items, nxt = _linked_page(ctx.state, from_type, from_id, to_type, after, MAX_PAGE)
            result: dict[str, Any] = {"from": {"id": from_id}, "to": items}
            if nxt is not None:
                result["paging"] = {"next": {"after": nxt}}
            results.append(result)
    errors = [standard_error(f"No {from_type} with these ids", "OBJECT_NOT_FOUND", {"ids": absent})]
    return batch_response(results, errors if absent else [], started, ctx.state.clock())


def _link(
    state: HubSpotState, from_type: str, from_id: str, to_type: str, to_id: str
) -> dict[str, Any]:
    """Creates a default link both ways and describes it as ``PublicDefaultAssociation``."""
    if state.table(from_type).get(from_id) is None or state.table(to_type).get(to_id) is None:
        raise BadRequest(validation_error(f"{from_type} {from_id} or {to_type} {to_id} not found"))
    state.associate(from_type, from_id, to_type, to_id)
    spec = {
        "associationCategory": "HUBSPOT_DEFINED",
        "associationTypeId": association_type_id(from_type, to_type),
    }
    return {"from": {"id": from_id}, "to": {"id": to_id}, "associationSpec": spec}


async def create_default(ctx: Context, request: Request) -> Response:
    from_type, to_type = type_param(request, "fromObjectType"), type_param(request, "toObjectType")
    from_id, to_id = (
        str(request.path_params["fromObjectId"]),
        str(request.path_params["toObjectId"]),
    )
    started = ctx.state.clock()
    with ctx.state.lock:
        results = [
            _link(ctx.state, from_type, from_id, to_type, to_id),
            _link(ctx.state, to_type, to_id, from_type, from_id),
        ]
    return batch_response(results, [], started, ctx.state.clock())


async def batch_create_default(ctx: Context, request: Request) -> Response:
    from_type, to_type = type_param(request, "fromObjectType"), type_param(request, "toObjectType")
    inputs = inputs_of(await json_body(request), MAX_BATCH_CREATE)
    started = ctx.state.clock()
    results = []
    with ctx.state.lock:
        for item in inputs:
            from_id = str((item.get("from") or {}).get("id", ""))
            to_id = str((item.get("to") or {}).get("id", ""))
            results.append(_link(ctx.state, from_type, from_id, to_type, to_id))
    return batch_response(results, [], started, ctx.state.clock())


ENDPOINTS = [
    Endpoint(
        "GET",
        "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}",
        get_page,
        "associations",
    ),
    Endpoint(
        "POST",
        "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read",
        batch_read,
        "associations",
    ),
    Endpoint(
        "PUT",
        "/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}",
        create_default,
        "associations",
    ),
    Endpoint(
        "POST",
        "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/associate/default",
        batch_create_default,
        "associations",
    ),
]
