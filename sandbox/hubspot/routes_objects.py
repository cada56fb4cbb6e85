"""CRM v3 object endpoints: list, get, create, update, archive, and the batch family."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.hubspot.context import (
    Context,
    Endpoint,
    flag_param,
    int_param,
    json_body,
    missing,
    multi_param,
    type_param,
)
from sandbox.hubspot.render import full_record_json, record_json
from sandbox.hubspot.routes_batch import (
    batch_archive,
    batch_create,
    batch_read,
    batch_update,
)
from sandbox.hubspot.wire import validation_error
from sandbox.hubspot.writes import (
    all_properties,
    check_properties,
    create_with_associations,
    find_record,
    problems_message,
    update_record,
)

BASE = "/crm/v3/objects/{objectType}"
MAX_PAGE = 100


async def get_page(ctx: Context, request: Request) -> Response:
    """``GET /crm/v3/objects/{t}``: pages in ID order; ``after`` is the next record's ID."""
    type_name = type_param(request)
    limit = max(1, int_param(request, "limit", 10, MAX_PAGE))
    after = int_param(request, "after", 0)
    archived = flag_param(request, "archived")
    properties, links = multi_param(request, "properties"), multi_param(request, "associations")
    with ctx.state.lock:
        table = ctx.state.table(type_name)
        ids = table.archived_ids if archived else table.live_ids
        start = bisect_left(ids, after)
        chunk = ids[start : start + limit + 1]
        results = [
            full_record_json(ctx.state, type_name, table.records[str(i)], properties, links)
            for i in chunk[:limit]
        ]
    body: dict[str, Any] = {"results": results}
    if len(chunk) > limit:
        nxt = str(chunk[limit])
        body["paging"] = {"next": {"after": nxt, "link": f"{request.url.path}?after={nxt}"}}
    return JSONResponse(body)


async def get_by_id(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    raw_id = str(request.path_params["objectId"])
    properties, links = multi_param(request, "properties"), multi_param(request, "associations")
    with ctx.state.lock:
        found = find_record(
            ctx.state,
            type_name,
            raw_id,
            request.query_params.get("idProperty"),
            flag_param(request, "archived"),
        )
        if found is None:
            raise missing(f"Object not found.  objectId are usually numeric. ({raw_id})")
        return JSONResponse(full_record_json(ctx.state, type_name, found, properties, links))


async def create(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    body = await json_body(request) or {}
    with ctx.state.lock:
        outcome = create_with_associations(ctx.state, type_name, body)
        if isinstance(outcome, list):
            details = [p.as_detail() for p in outcome]
            return validation_error(problems_message(outcome), errors=details)
        return JSONResponse(
            record_json(type_name, outcome, all_properties(outcome)), status_code=201
        )


async def update(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    raw_id = str(request.path_params["objectId"])
    body = await json_body(request) or {}
    with ctx.state.lock:
        found = find_record(ctx.state, type_name, raw_id, request.query_params.get("idProperty"))
        if found is None:
            raise missing(f"Object not found.  objectId are usually numeric. ({raw_id})")
        values, problems = check_properties(
            ctx.state, type_name, body.get("properties") or {}, creating=False
        )
        if problems:
            details = [p.as_detail() for p in problems]
            return validation_error(problems_message(problems), errors=details)
        update_record(ctx.state, type_name, found, values, ctx.state.clock())
        return JSONResponse(record_json(type_name, found, all_properties(found)))


async def archive(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    with ctx.state.lock:
        found = ctx.state.table(type_name).get(str(request.path_params["objectId"]))
        if found is not None:
            ctx.state.table(type_name).archive(found, ctx.state.clock())
    return Response(status_code=204)


ENDPOINTS = [
    Endpoint("GET", BASE, get_page, "objects"),
    Endpoint("POST", BASE, create, "objects"),
    Endpoint("GET", BASE + "/{objectId}", get_by_id, "objects"),
    Endpoint("PATCH", BASE + "/{objectId}", update, "objects"),
    Endpoint("DELETE", BASE + "/{objectId}", archive, "objects"),
    Endpoint("POST", BASE + "/batch/read", batch_read, "objects"),
    Endpoint("POST", BASE + "/batch/create", batch_create, "objects"),
    Endpoint("POST", BASE + "/batch/update", batch_update, "objects"),
    Endpoint("POST", BASE + "/batch/archive", batch_archive, "objects"),
]
