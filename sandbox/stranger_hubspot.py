"""Stranger-mode answers of the HubSpot emulator: shorter pages, shuffled keys and lists.

Around each handler, so that no route changes for it:

* pages shorter than asked while ``paging.next`` still leads on (HubSpot documents a
  maximum page size, never that a page is full): a GET that names ``limit``, and a
  search, reach their handler with a smaller one, so the handler's own cursor stays
  right (object lists, list memberships, v4 association pages, owners, email and
  behavioural events, CRM search); v4 association batch reads (``after`` is an offset
  here) are cut after the handler;
* lists whose order HubSpot does not document, shuffled: batch read / create / update
  results, association batch reads, property definitions and groups, owners;
* every record's ``properties`` object with its keys in another order (search answers
  included), and its inline associations in another order.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.stranger_shape import Shape

Body = dict[str, Any]
SEARCH = "POST /crm/v3/objects/{objectType}/search"
SEARCH_MAX = 200
ASSOCIATION_BATCH = "POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"
UNORDERED = (
    "POST /crm/v3/objects/{objectType}/batch/read",
    "POST /crm/v3/objects/{objectType}/batch/create",
    "POST /crm/v3/objects/{objectType}/batch/update",
    ASSOCIATION_BATCH,
    "GET /crm/v3/properties/{objectType}",
    "GET /crm/v3/properties/{objectType}/groups",
    "GET /crm/v3/owners",
)


async def shrink(shape: Shape, key: str, request: Request) -> Request:
    """The request with a smaller ``limit`` (a GET that names one, a search), else itself."""
    if shape.active and key == SEARCH:
        return await _shrink_search(shape, key, request)
    asked = request.query_params.get("limit", "")
    if not shape.active or request.method != "GET" or not asked.isdigit() or int(asked) < 2:
        return request
    cursor = request.query_params.get("after") or request.query_params.get("offset")
    fewer = shape.page(int(asked), f"{key}:{request.url.path}:{cursor}")
    if fewer >= int(asked):
        return request
    items = [(k, fewer if k == "limit" else v) for k, v in request.query_params.multi_items()]
    scope = dict(request.scope)
    scope["query_string"] = urlencode(items).encode()
    return Request(scope, request.receive)


async def _shrink_search(shape: Shape, key: str, request: Request) -> Request:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return request
    asked = body.get("limit") if isinstance(body, dict) else None
    if not isinstance(asked, int) or isinstance(asked, bool) or not 2 <= asked <= SEARCH_MAX:
        return request
    body["limit"] = shape.page(asked, f"{key}:{request.url.path}:{body.get('after')}")
    raw = json.dumps(body).encode()
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return Request(request.scope, receive)


async def reshape(shape: Shape, key: str, request: Request, response: Response) -> Response:
    """The answer as a stranger portal gives it (``response`` itself when nothing varies)."""
    if not shape.active or response.status_code not in (200, 201, 207):
        return response
    if not response.headers.get("content-type", "").startswith("application/json"):
        return response
    body = json.loads(bytes(response.body))
    if not isinstance(body, dict):
        return response
    if key == ASSOCIATION_BATCH:
        _cut_association_batch(shape, body, await _afters(request))
    if key in UNORDERED and isinstance(body.get("results"), list):
        body["results"] = shape.shuffled(body["results"], key + request.url.path)
    _reorder_properties(shape, body)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return JSONResponse(body, status_code=response.status_code, headers=headers)


async def _afters(request: Request) -> dict[str, int]:
    """The ``after`` offset each association batch-read input asked for, by from id."""
    try:
        inputs = json.loads(await request.body()).get("inputs") or []
    except (ValueError, AttributeError):
        return {}
    out: dict[str, int] = {}
    for item in inputs:
        if isinstance(item, dict):
            after = str(item.get("after") or "0")
            out[str(item.get("id", ""))] = int(after) if after.isdigit() else 0
    return out


def _cut_association_batch(shape: Shape, body: Body, afters: dict[str, int]) -> None:
    for result in body.get("results") or []:
        linked, from_id = result.get("to"), str((result.get("from") or {}).get("id", ""))
        if not isinstance(linked, list) or len(linked) < 2:
            continue
        keep = shape.page(len(linked), f"assoc:{from_id}:{afters.get(from_id, 0)}")
        if keep < len(linked):
            result["to"] = linked[:keep]
            result["paging"] = {"next": {"after": str(afters.get(from_id, 0) + keep)}}


def _reorder_properties(shape: Shape, node: Any) -> None:
    """Every ``properties`` object of a record, anywhere in the answer, in another order."""
    if isinstance(node, list):
        for item in node:
            _reorder_properties(shape, item)
    elif isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict) and "id" in node:
            node["properties"] = shape.reorder(props, str(node["id"]))
            for linked in (node.get("associations") or {}).values():
                if isinstance(linked, dict) and isinstance(linked.get("results"), list):
                    linked["results"] = shape.shuffled(linked["results"], str(node["id"]))
        for name, value in node.items():
            if name != "properties" and isinstance(value, list | dict):
                _reorder_properties(shape, value)
