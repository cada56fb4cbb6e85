"""Properties API: list, read and create property definitions and property groups.

Creating a property or group whose name exists answers 409 (category
``OBJECT_ALREADY_EXISTS``); a property must name an existing group.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.hubspot.catalog import PropertySpec
from sandbox.hubspot.context import Context, Endpoint, json_body, missing, type_param
from sandbox.hubspot.state import PropertyDef, PropertyGroupDef
from sandbox.hubspot.wire import error, iso, validation_error

BASE = "/crm/v3/properties/{objectType}"
TYPES = ("bool", "date", "datetime", "enumeration", "number", "phone_number", "string")
_REQUIRED = ("name", "label", "type", "fieldType", "groupName")


def property_json(found: PropertyDef) -> dict[str, Any]:
    spec = found.spec
    return {
        "name": spec.name,
        "label": spec.label or spec.name,
        "type": spec.type,
        "fieldType": spec.field_type,
        "groupName": spec.group_name,
        "description": spec.description,
        "options": [
            {"label": o, "value": o, "hidden": False, "displayOrder": i}
            for i, o in enumerate(spec.options)
        ],
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": spec.has_unique_value,
        "hidden": False,
        "hubspotDefined": spec.hubspot_defined,
        "formField": not spec.read_only,
        "archived": False,
        "createdAt": iso(found.created_at),
        "updatedAt": iso(found.created_at),
        "modificationMetadata": {
            "archivable": not spec.hubspot_defined,
            "readOnlyDefinition": spec.hubspot_defined,
            "readOnlyValue": spec.read_only,
        },
    }


def group_json(group: PropertyGroupDef) -> dict[str, Any]:
    return {
        "name": group.name,
        "label": group.label,
        "displayOrder": group.display_order,
        "archived": False,
    }


async def get_all(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    with ctx.state.lock:
        found = list(ctx.state.properties.get(type_name, {}).values())
        return JSONResponse({"results": [property_json(p) for p in found]})


async def get_by_name(ctx: Context, request: Request) -> Response:
    type_name, name = type_param(request), str(request.path_params["propertyName"])
    found = ctx.state.property_def(type_name, name)
    if found is None:
        raise missing(f"Unable to find property with name {name} for object type {type_name}")
    return JSONResponse(property_json(found))


def _spec(body: dict[str, Any]) -> PropertySpec | Response:
    absent = [k for k in _REQUIRED if not body.get(k)]
    if absent:
        return validation_error(f"Missing required fields: {absent}")
    if body["type"] not in TYPES:
        return validation_error(f"Invalid property type {body['type']!r}")
    options = tuple(str(o.get("value")) for o in body.get("options") or [])
    return PropertySpec(
        name=str(body["name"]),
        type=str(body["type"]),
        field_type=str(body["fieldType"]),
        group_name=str(body["groupName"]),
        label=str(body["label"]),
        options=options,
        hubspot_defined=False,
        has_unique_value=bool(body.get("hasUniqueValue")),
        description=str(body.get("description") or ""),
    )


async def create(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    spec = _spec(await json_body(request) or {})
    if isinstance(spec, Response):
        return spec
    with ctx.state.lock:
        known = ctx.state.properties.setdefault(type_name, {})
        if spec.name in known:
            return error(
                409, f"Property named '{spec.name}' already exists.", "OBJECT_ALREADY_EXISTS"
            )
        if spec.group_name not in ctx.state.groups.get(type_name, {}):
            return validation_error(f"Property group '{spec.group_name}' does not exist.")
        known[spec.name] = PropertyDef(spec, ctx.state.clock())
        return JSONResponse(property_json(known[spec.name]), status_code=201)


async def get_groups(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    with ctx.state.lock:
        groups = list(ctx.state.groups.get(type_name, {}).values())
    return JSONResponse({"results": [group_json(g) for g in groups]})


async def create_group(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    body = await json_body(request) or {}
    if not body.get("name") or not body.get("label"):
        return validation_error("A property group needs a name and a label.")
    with ctx.state.lock:
        groups = ctx.state.groups.setdefault(type_name, {})
        name = str(body["name"])
        if name in groups:
            return error(
                409, f"Property group named '{name}' already exists.", "OBJECT_ALREADY_EXISTS"
            )
        groups[name] = PropertyGroupDef(name, str(body["label"]), int(body.get("displayOrder", -1)))
        return JSONResponse(group_json(groups[name]), status_code=201)


ENDPOINTS = [
    Endpoint("GET", BASE, get_all, "properties"),
    Endpoint("POST", BASE, create, "properties"),
    Endpoint("GET", BASE + "/groups", get_groups, "properties"),
    Endpoint("POST", BASE + "/groups", create_group, "properties"),
    Endpoint("GET", BASE + "/{propertyName}", get_by_name, "properties"),
]
