"""Stranger-mode answers of the HubSpot emulator: shorter pages, shuffled keys and lists.

Applied to an answer after its handler ran, so that no route changes for it:

* pages shorter than ``limit`` while ``paging.next`` still leads on (HubSpot documents
  a maximum page size, never that a page is full): object lists (``after`` is the next
  record's id), list memberships (``after`` is the page's last record id), v4
  association pages and batch reads and owners (``after`` is an offset here);
* lists whose order HubSpot does not document, shuffled: batch read / create / update
  results, association batch reads, property definitions and groups, owners;
* every record's ``properties`` object with its keys in another order (search answers
  included).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.sandbox.stranger_shape import Shape

Body = dict[str, Any]
OBJECTS = "GET /crm/v3/objects/{objectType}"
MEMBERSHIPS = "GET /crm/v3/lists/{listId}/memberships"
ASSOCIATIONS = "GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}"
ASSOCIATION_BATCH = "POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"
OWNERS = "GET /crm/v3/owners"
UNORDERED = (
    "POST /crm/v3/objects/{objectType}/batch/read",
    "POST /crm/v3/objects/{objectType}/batch/create",
    "POST /crm/v3/objects/{objectType}/batch/update",
    ASSOCIATION_BATCH,
    "GET /crm/v3/properties/{objectType}",
    "GET /crm/v3/properties/{objectType}/groups",
    OWNERS,
)


async def reshape(shape: Shape, key: str, request: Request, response: Response) -> Response:
    """The answer as a stranger portal gives it (``response`` itself when nothing varies)."""
    if not shape.active or response.status_code not in (200, 201, 207):
        return response
    if not response.headers.get("content-type", "").startswith("application/json"):
        return response
    body = json.loads(bytes(response.body))
    if not isinstance(body, dict):
        return response
    cut = _CUTS.get(key)
    if cut is not None:
        cut(shape, body, request.query_params.get("after"), key)
    if key == ASSOCIATION_BATCH:
        _cut_association_batch(shape, body, await _afters(request))
    if key in UNORDERED and isinstance(body.get("results"), list):
        body["results"] = shape.shuffled(body["results"], key + request.url.path)
    _reorder_properties(shape, body)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return JSONResponse(body, status_code=response.status_code, headers=headers)


def _short(shape: Shape, body: Body, after: str | None, key: str) -> int | None:
    """How many results this page keeps, or None when it keeps them all."""
    results = body.get("results")
    if not isinstance(results, list) or len(results) < 2:
        return None
    keep = shape.page(len(results), f"{key}:{after}")
    return keep if keep < len(results) else None


def _cut_objects(shape: Shape, body: Body, after: str | None, key: str) -> None:
    keep = _short(shape, body, after, key)
    if keep is not None:
        nxt = str(body["results"][keep]["id"])
        body["results"] = body["results"][:keep]
        body["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}


def _cut_memberships(shape: Shape, body: Body, after: str | None, key: str) -> None:
    keep = _short(shape, body, after, key)
    if keep is not None:
        body["results"] = body["results"][:keep]
        body["paging"] = {"next": {"after": str(body["results"][-1]["recordId"])}}


def _cut_offset(shape: Shape, body: Body, after: str | None, key: str) -> None:
    keep = _short(shape, body, after, key)
    if keep is not None:
        start = int(after) if after and after.isdigit() else 0
        body["results"] = body["results"][:keep]
        body["paging"] = {"next": {"after": str(start + keep)}}


_CUTS: dict[str, Callable[[Shape, Body, str | None, str], None]] = {
    OBJECTS: _cut_objects,
    MEMBERSHIPS: _cut_memberships,
    ASSOCIATIONS: _cut_offset,
    OWNERS: _cut_offset,
}


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
        for name, value in node.items():
            if name != "properties" and isinstance(value, list | dict):
                _reorder_properties(shape, value)
