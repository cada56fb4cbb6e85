"""The Starlette application: every served route, wrapped in the shared fault knobs.

Fault shapes: a 5xx fault is 503 ``SERVER_UNAVAILABLE``. Salesforce's REST API has no
429, so a burst fault answers as Salesforce's concurrency limit does: 403
``REQUEST_LIMIT_EXCEEDED`` with the message "ConcurrentRequests (Concurrent API
Requests) Limit exceeded." (the daily budget's 403 says "TotalRequests Limit
exceeded."), which lets a client tell a passing burst from a spent day.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from sandbox.faults import FaultMiddleware, Faults
from sandbox.killpoints import KillMiddleware, KillPoints, salesforce_kind
from sandbox.salesforce import bulk, bulk_ingest, collections, query, rest, tooling
from sandbox.salesforce.auth import token_endpoint
from sandbox.salesforce.errors import error_body
from sandbox.salesforce.requestlog import logged
from sandbox.salesforce.routing import Handler, api_routes, limit_headers
from sandbox.salesforce.state import SalesforceState

DATA = "/services/data/v{version}"
CONCURRENT_LIMIT = "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
UNAVAILABLE = "Server is temporarily unavailable. Please try again later."


def _table() -> list[tuple[str, Handler, list[str], bool]]:
    """(template, handler, methods, is a write) for every versioned route, specific first."""
    sob = DATA + "/sobjects/{object}"
    qjob = DATA + "/jobs/query/{job_id}"
    ijob = DATA + "/jobs/ingest/{job_id}"
    return [
        (DATA + "/", rest.resources, ["GET"], False),
        (DATA + "/limits/", rest.limits, ["GET"], False),
        (DATA + "/sobjects/", rest.sobjects, ["GET"], False),
        (sob + "/describe/", rest.describe, ["GET"], False),
        (sob + "/updated/", rest.updated, ["GET"], False),
        (sob + "/deleted/", rest.deleted, ["GET"], False),
        (sob + "/", rest.create_record, ["POST"], True),
        (sob + "/{id}", rest.get_record, ["GET"], False),
        (sob + "/{id}", rest.update_record, ["PATCH"], True),
        (sob + "/{id}", rest.delete_record, ["DELETE"], True),
        (DATA + "/query/", query.query, ["GET"], False),
        (DATA + "/queryAll/", query.query, ["GET"], False),
        (DATA + "/query/{locator}", query.query_more, ["GET"], False),
        (DATA + "/queryAll/{locator}", query.query_more, ["GET"], False),
        (DATA + "/composite/sobjects", collections.create, ["POST"], True),
        (DATA + "/composite/sobjects", collections.update, ["PATCH"], True),
        (DATA + "/composite/sobjects", collections.delete, ["DELETE"], True),
        (DATA + "/jobs/query", bulk.create, ["POST"], False),
        (qjob, bulk.status, ["GET"], False),
        (qjob, bulk.change, ["PATCH"], False),
        (qjob, bulk.delete, ["DELETE"], False),
        (qjob + "/results", bulk.results, ["GET"], False),
        (DATA + "/jobs/ingest", bulk_ingest.create, ["POST"], True),
        (ijob, bulk_ingest.status, ["GET"], False),
        (ijob, bulk_ingest.change, ["PATCH"], True),
        (ijob, bulk_ingest.delete, ["DELETE"], False),
        (ijob + "/batches", bulk_ingest.upload, ["PUT"], True),
        (ijob + "/successfulResults", bulk_ingest.successful, ["GET"], False),
        (ijob + "/failedResults", bulk_ingest.failed, ["GET"], False),
        (ijob + "/unprocessedrecords", bulk_ingest.unprocessed, ["GET"], False),
        (DATA + "/tooling/sobjects/CustomField", tooling.create_custom_field, ["POST"], True),
    ]


def build_app(
    state: SalesforceState, *, api_version: str, faults: Faults, kills: KillPoints | None = None
) -> ASGIApp:
    """The served app: routes, Salesforce-shaped 404 / 405, fault knobs in front, and the kill
    points (:mod:`sandbox.killpoints`) in front of everything."""
    routes: list[BaseRoute] = []
    for template, handler, methods, write in _table():
        routes.extend(api_routes(state, api_version, template, handler, methods, write=write))

    async def versions(request: Request) -> Response:
        state.count("GET", "/services/data", write=False)
        return JSONResponse(rest.versions(api_version))

    async def token(request: Request) -> Response:
        state.count("POST", "/services/oauth2/token", write=False)
        return await token_endpoint(state, request)

    routes += [
        Route("/services/data", versions, methods=["GET"]),
        Route("/services/data/", versions, methods=["GET"]),
        Route("/services/oauth2/token", token, methods=["POST"]),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "UNKNOWN_EXCEPTION")
        message = "The requested resource does not exist" if status == 404 else str(exc)
        return JSONResponse(error_body(code, message), status, headers=limit_headers(state))

    app = Starlette(routes=routes, exception_handlers={404: http_error, 405: http_error})

    def shape(status: int, kind: str) -> Response:
        if kind == "rate_limited":
            body = error_body("REQUEST_LIMIT_EXCEEDED", CONCURRENT_LIMIT)
            return JSONResponse(body, 403, headers=limit_headers(state))
        body = error_body("SERVER_UNAVAILABLE", UNAVAILABLE)
        return JSONResponse(body, 503, headers=limit_headers(state))

    served = FaultMiddleware(logged(app, state), faults, shape)
    return served if kills is None else KillMiddleware(served, kills, salesforce_kind)
