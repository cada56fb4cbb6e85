"""``POST /crm/v3/objects/{objectType}/search`` (its own rate bucket, no rate-limit headers)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.hubspot.context import Context, Endpoint, json_body, type_param
from sandbox.hubspot.filters import SearchError
from sandbox.hubspot.render import record_json, wanted_properties
from sandbox.hubspot.search import parse_request, run
from sandbox.hubspot.wire import validation_error

MAX_BODY = 3000  # "If the body of your request exceeds 3,000 characters": bytes, the stricter


async def search(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    if len(await request.body()) > MAX_BODY:  # search guide, Limits: "a 400 error"
        return validation_error(f"The request body exceeds {MAX_BODY:,} characters.")
    body = await json_body(request) or {}
    try:
        query = parse_request(body)
        with ctx.state.lock:
            found = run(ctx.state, type_name, query)
            names = wanted_properties(type_name, query.properties)
            results = [record_json(type_name, r, names) for r in found.records]
    except SearchError as exc:
        return validation_error(str(exc))
    hook = ctx.state.after_search
    if hook is not None:
        hook(type_name)
    answer: dict[str, Any] = {"total": found.total, "results": results}
    if found.next_after is not None:
        answer["paging"] = {"next": {"after": found.next_after}}
    return JSONResponse(answer)


ENDPOINTS = [Endpoint("POST", "/crm/v3/objects/{objectType}/search", search, "search", search=True)]
