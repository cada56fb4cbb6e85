"""Plain REST resources: versions, describe, limits, single records, getUpdated / getDeleted.

getUpdated / getDeleted check their window as Salesforce does
(:mod:`sandbox.salesforce.replication`: seconds dropped, 30 / 15 days back,
more than one minute long, never past now).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.salesforce.describe import describe_global, describe_object
from sandbox.salesforce.errors import ApiError, bad_request, not_found
from sandbox.salesforce.limits import limits_body
from sandbox.salesforce.replication import (
    DELETED_WINDOW_DAYS,
    UPDATED_WINDOW_DAYS,
    Window,
    replication_window,
)
from sandbox.salesforce.routing import Call
from sandbox.salesforce.schema import ObjectDef
from sandbox.salesforce.values import to_json, wire_datetime
from sandbox.salesforce.writes import Outcome

RESOURCES = ("sobjects", "query", "queryAll", "limits", "composite", "jobs", "tooling")


def versions(max_version: str) -> list[dict[str, str]]:
    top = int(float(max_version))
    return [
        {"label": f"API {v}.0", "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(31, top + 1)
    ]


async def resources(call: Call) -> Response:
    base = f"/services/data/v{call.version}"
    return JSONResponse({name: f"{base}/{name}" for name in RESOURCES})


async def sobjects(call: Call) -> Response:
    body = describe_global(call.state.schema, call.version)
    body["sobjects"] = call.state.shape.shuffled(body["sobjects"], "describe")
    return JSONResponse(body)


async def describe(call: Call) -> Response:
    body = describe_object(_object(call), call.version)
    body["fields"] = call.state.shape.shuffled(body["fields"], f"describe:{body.get('name')}")
    return JSONResponse(body)


async def limits(call: Call) -> Response:
    return JSONResponse(limits_body(call.state.budget))


def _object(call: Call) -> ObjectDef:
    name = str(call.params["object"])
    definition = call.state.schema.get(name)
    if definition is None:
        raise not_found(f"The requested resource does not exist: sObject type '{name}'")
    return definition


def _raise_first(outcome: Outcome) -> None:
    if outcome.errors:
        error = outcome.errors[0]
        raise ApiError(400, error["statusCode"], error["message"], error["fields"])


async def get_record(call: Call) -> Response:
    definition = _object(call)
    record = call.state.record(definition.name, str(call.params["id"]))
    if record is None or record.get("IsDeleted"):
        raise not_found()
    wanted = call.request.query_params.get("fields")
    names = [n.strip() for n in wanted.split(",")] if wanted else None
    fields = [definition.field(n) for n in names] if names else list(definition.fields.values())
    if any(f is None for f in fields):
        raise bad_request("INVALID_FIELD", f"No such column on entity '{definition.name}'")
    url = f"/services/data/v{call.version}/sobjects/{definition.name}/{record['Id']}"
    body: dict[str, Any] = {"attributes": {"type": definition.name, "url": url}}
    for item in fields:
        assert item is not None
        body[item.name] = to_json(item.value(record))
    return JSONResponse(body)


async def create_record(call: Call) -> Response:
    definition = _object(call)
    values = await call.json()
    if not isinstance(values, dict):
        raise bad_request("JSON_PARSER_ERROR", "expected a JSON object")
    writer = call.writer()
    outcome = writer.run([lambda: writer.create(definition.name, values)], False)[0]
    _raise_first(outcome)
    return JSONResponse(outcome.result(), status_code=201)


async def update_record(call: Call) -> Response:
    definition = _object(call)
    values = await call.json()
    if not isinstance(values, dict):
        raise bad_request("JSON_PARSER_ERROR", "expected a JSON object")
    values = {**values, "Id": str(call.params["id"])}
    writer = call.writer()
    outcome = writer.run([lambda: writer.update(definition.name, values)], False)[0]
    _raise_first_or_404(outcome)
    return Response(status_code=204)


async def delete_record(call: Call) -> Response:
    _object(call)
    writer = call.writer()
    outcome = writer.run([lambda: writer.delete(str(call.params["id"]))], False)[0]
    _raise_first_or_404(outcome)
    return Response(status_code=204)


def _raise_first_or_404(outcome: Outcome) -> None:
    if outcome.errors and outcome.errors[0]["statusCode"] in (
        "MALFORMED_ID",
        "INVALID_CROSS_REFERENCE_KEY",
    ):
        raise not_found("Provided external ID field does not exist or is not accessible")
    if outcome.errors and outcome.errors[0]["statusCode"] == "ENTITY_IS_DELETED":
        raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
    _raise_first(outcome)


def _window(call: Call, days: int) -> Window:
    params = call.request.query_params
    return replication_window(params.get("start"), params.get("end"), call.state.now(), days)


async def updated(call: Call) -> Response:
    definition = _object(call)
    window = _window(call, UPDATED_WINDOW_DAYS)
    table = call.state.table(definition.name)
    ids = [
        r["Id"]
        for r in table.scan_stamp((window.start, True), (window.end, False), False)
        if not r.get("IsDeleted")
    ]
    return JSONResponse({"ids": ids, "latestDateCovered": wire_datetime(window.end)})


async def deleted(call: Call) -> Response:
    definition = _object(call)
    window = _window(call, DELETED_WINDOW_DAYS)
    prefix = definition.key_prefix
    rows = [
        {"id": record_id, "deletedDate": wire_datetime(when)}
        for record_id, when in call.state.deleted_log.items()
        if record_id.startswith(prefix) and window.start <= when < window.end
    ]
    return JSONResponse(
        {
            "deletedRecords": rows,
            "earliestDateAvailable": wire_datetime(window.earliest),
            "latestDateCovered": wire_datetime(window.end),
        }
    )
