"""CRM v3 batch endpoints (``batch/read|create|update|archive``): at most 100 inputs,
per-record failures reported in a 207 while the good inputs are applied."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.hubspot.batch import batch_response, inputs_of
from sandbox.hubspot.catalog import SINGULAR
from sandbox.hubspot.context import Context, flag_param, json_body, type_param
from sandbox.hubspot.render import record_json, wanted_properties
from sandbox.hubspot.wire import standard_error, validation_error
from sandbox.hubspot.writes import (
    all_properties,
    check_properties,
    create_with_associations,
    find_record,
    problems_message,
    update_record,
)


def _trace_context(item: dict[str, Any], **extra: list[str]) -> dict[str, list[str]]:
    context = dict(extra)
    trace = item.get("objectWriteTraceId")
    if trace:
        context["objectWriteTraceId"] = [str(trace)]
    return context


def _with_trace(body: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    if item.get("objectWriteTraceId"):
        body["objectWriteTraceId"] = str(item["objectWriteTraceId"])
    return body


async def batch_read(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    body = await json_body(request)
    inputs = inputs_of(body)
    archived = flag_param(request, "archived")
    names = wanted_properties(type_name, body.get("properties") or [])
    id_property = body.get("idProperty")
    started = ctx.state.clock()
    results, absent = [], []
    with ctx.state.lock:
        for item in inputs:
            raw_id = str(item.get("id", ""))
            found = find_record(ctx.state, type_name, raw_id, id_property, archived)
            if found is None:
                absent.append(raw_id)
            else:
                results.append(record_json(type_name, found, names))
    errors = []
    if absent:
        message = (
            f"Could not get some {SINGULAR[type_name].upper()} objects, they may be deleted or "
            "not exist. Check that ids are valid."
        )
        errors.append(standard_error(message, "OBJECT_NOT_FOUND", {"ids": absent}))
    return batch_response(results, errors, started, ctx.state.clock())


async def batch_create(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    inputs = inputs_of(await json_body(request))
    started = ctx.state.clock()
    results, errors = [], []
    with ctx.state.lock:
        for item in inputs:
            outcome = create_with_associations(ctx.state, type_name, item)
            if isinstance(outcome, list):
                error = standard_error(
                    problems_message(outcome), "VALIDATION_ERROR", _trace_context(item)
                )
                error["errors"] = [p.as_detail() for p in outcome]
                errors.append(error)
            else:
                results.append(
                    _with_trace(record_json(type_name, outcome, all_properties(outcome)), item)
                )
    return batch_response(results, errors, started, ctx.state.clock(), ok_status=201)


async def batch_update(ctx: Context, request: Request) -> Response:
    type_name = type_param(request)
    inputs = inputs_of(await json_body(request))
    ids = [str(item.get("id", "")) for item in inputs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        return validation_error(
            f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique"
        )
    started = ctx.state.clock()
    results, errors = [], []
    with ctx.state.lock:
        for item in inputs:
            raw_id = str(item.get("id", ""))
            found = find_record(ctx.state, type_name, raw_id, item.get("idProperty"))
            if found is None or (type_name == "contacts" and raw_id in ctx.state.merged):
                context = _trace_context(item, ids=[raw_id])
                errors.append(
                    standard_error(f"Object {raw_id} not found", "OBJECT_NOT_FOUND", context)
                )
                continue
            props = item.get("properties") or {}
            values, problems = check_properties(ctx.state, type_name, props, creating=False)
            if problems:
                context = _trace_context(item, ids=[raw_id])
                error = standard_error(problems_message(problems), "VALIDATION_ERROR", context)
                error["errors"] = [p.as_detail() for p in problems]
                errors.append(error)
                continue
            update_record(ctx.state, type_name, found, values, ctx.state.clock())
            results.append(_with_trace(record_json(type_name, found, all_properties(found)), item))
    return batch_response(results, errors, started, ctx.state.clock())


async def batch_archive(ctx: Context, request: Request) -> Response:
    """204 whatever the inputs' state, as HubSpot answers."""
    type_name = type_param(request)
    inputs = inputs_of(await json_body(request))
    with ctx.state.lock:
        table = ctx.state.table(type_name)
        for item in inputs:
            found = table.get(str(item.get("id", "")))
            if found is not None:
                table.archive(found, ctx.state.clock())
    return Response(status_code=204)
