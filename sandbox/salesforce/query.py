"""``query`` / ``queryAll`` with ``nextRecordsUrl`` paging and ``Sforce-Query-Options`` batch sizes.

A query's matching ids are fixed when it first runs (its cursor); each page renders
those records as they are when the page is fetched. Locators look like Salesforce's
(``01gEM...-2000``: cursor id, then the offset of the next record).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.salesforce.errors import ApiError, bad_request, not_found
from sandbox.salesforce.routing import Call
from sandbox.salesforce.soql_lexer import SoqlError
from sandbox.salesforce.soql_parser import parse
from sandbox.salesforce.soql_plan import Plan, bind
from sandbox.salesforce.soql_run import execute, render
from sandbox.salesforce.state import SalesforceState
from sandbox.salesforce.store import Record
from sandbox.stranger_salesforce import reorder_record, unsettle

DEFAULT_BATCH = 2000
MIN_BATCH = 200
MAX_OPEN_CURSORS = 200
_cursor_numbers = itertools.count(1)


@dataclass
class Cursor:
    plan: Plan
    ids: list[str]
    batch: int


def plan_query(state: SalesforceState, soql: str) -> Plan:
    """Parses and binds a query, mapping SOQL errors to 400s.

    Raises:
        ApiError: 400 MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE.
    """
    try:
        return bind(parse(soql), state.schema, state.find)
    except SoqlError as exc:
        raise bad_request(exc.code, exc.message) from exc


def run_query(
    state: SalesforceState, soql: str, *, include_deleted: bool
) -> tuple[Plan, list[Record]]:
    plan = plan_query(state, soql)
    rows = execute(plan, state.table(plan.object.name), include_deleted=include_deleted)
    return plan, unsettle(state.shape, plan, rows, soql)


def batch_size(header: str | None) -> int:
    """``Sforce-Query-Options: batchSize=N``, held to 200..2000 (2000 when absent)."""
    for part in (header or "").split(","):
        name, _, value = part.partition("=")
        if name.strip().lower() == "batchsize" and value.strip().isdigit():
            return max(MIN_BATCH, min(DEFAULT_BATCH, int(value)))
    return DEFAULT_BATCH


async def query(call: Call) -> Response:
    """``GET query/?q=`` and ``GET queryAll/?q=``."""
    soql = call.request.query_params.get("q")
    if not soql:
        raise bad_request("MALFORMED_QUERY", "A query string has to be specified")
    include_deleted = "/queryAll" in call.request.url.path
    plan, rows = run_query(call.state, soql, include_deleted=include_deleted)
    if plan.query.count:
        return JSONResponse({"totalSize": len(rows), "done": True, "records": []})
    cursor = Cursor(
        plan, [r["Id"] for r in rows], batch_size(call.request.headers.get("sforce-query-options"))
    )
    locator = f"01gEM{next(_cursor_numbers):010d}AAA"
    return _page(call, locator, cursor, 0)


async def query_more(call: Call) -> Response:
    """``GET query/{locator}-{offset}`` (also under queryAll)."""
    locator, _, offset = str(call.params["locator"]).rpartition("-")
    cursor = call.state.cursors.get(locator)
    if cursor is None or not offset.isdigit():
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    if int(offset) > len(cursor.ids):
        raise not_found()
    return _page(call, locator, cursor, int(offset))


def _page(call: Call, locator: str, cursor: Cursor, offset: int) -> Response:
    state = call.state
    table = state.table(cursor.plan.object.name)
    batch = state.shape.batch(cursor.batch, f"{len(cursor.ids)}:{offset}")
    end = min(offset + batch, len(cursor.ids))
    plan, version, shape = cursor.plan, call.version, state.shape
    records = [
        reorder_record(shape, render(plan, table.records[i], version, state.schema, state.find))
        for i in cursor.ids[offset:end]
    ]
    body: dict[str, Any] = {"totalSize": len(cursor.ids), "done": end >= len(cursor.ids)}
    if end < len(cursor.ids):
        state.cursors[locator] = cursor
        while len(state.cursors) > MAX_OPEN_CURSORS:  # abandoned queries expire, oldest first
            state.cursors.pop(next(iter(state.cursors)))
        body["nextRecordsUrl"] = f"/services/data/v{call.version}/query/{locator}-{end}"
    else:
        state.cursors.pop(locator, None)
    body["records"] = records
    return JSONResponse(body)
