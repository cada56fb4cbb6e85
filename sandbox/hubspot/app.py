"""The Starlette app: every endpoint behind the guard, the whole behind the fault knobs."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from sandbox.faults import FaultMiddleware, Faults
from sandbox.hubspot import (
    routes_associations,
    routes_lists,
    routes_misc,
    routes_objects,
    routes_properties,
    routes_search,
)
from sandbox.hubspot.context import Context, Endpoint
from sandbox.hubspot.guard import guarded
from sandbox.hubspot.limits import TEN_SECONDLY, rate_limit_body
from sandbox.hubspot.requestlog import logged
from sandbox.hubspot.wire import error_body
from sandbox.killpoints import KillMiddleware, KillPoints, hubspot_kind
from sandbox.stranger_hubspot import reshape, shrink
from sandbox.stranger_shape import PLAIN, Shape

ENDPOINTS: list[Endpoint] = [
    *routes_search.ENDPOINTS,
    *routes_objects.ENDPOINTS,
    *routes_associations.ENDPOINTS,
    *routes_properties.ENDPOINTS,
    *routes_lists.ENDPOINTS,
    *routes_misc.ENDPOINTS,
]


def fault_shape(status: int, kind: str) -> Response:
    """HubSpot-shaped answers for injected faults: a ten-secondly 429 or a 503."""
    if status == 429:
        return JSONResponse(rate_limit_body(TEN_SECONDLY), status_code=429)
    body = error_body("Service Unavailable. Please retry later.", "SERVICE_UNAVAILABLE")
    return JSONResponse(body, status_code=status)


def _route(ctx: Context, endpoint: Endpoint, path: str, shape: Shape) -> Route:
    async def handle(request: Request) -> Response:
        request = await shrink(shape, endpoint.key, request)
        answer = await guarded(ctx, endpoint, request)
        return await reshape(shape, endpoint.key, request, answer)

    return Route(path, handle, methods=[endpoint.method], name=f"{endpoint.key}:{path}")


def build_app(
    ctx: Context, faults: Faults, shape: Shape = PLAIN, kills: KillPoints | None = None
) -> ASGIApp:
    """Routes for each endpoint, with and without a trailing slash (the SDK sends both forms);
    ``shape`` varies what HubSpot leaves open (stranger mode); ``kills``: the kill points
    (:mod:`sandbox.killpoints`) in front of everything."""
    routes: list[Route] = []
    for endpoint in ENDPOINTS:
        bare = endpoint.path.rstrip("/")
        routes.append(_route(ctx, endpoint, bare, shape))
        routes.append(_route(ctx, endpoint, bare + "/", shape))
    app = Starlette(routes=routes)
    app.router.redirect_slashes = False
    served = FaultMiddleware(logged(app, ctx.state), faults, fault_shape)
    return served if kills is None else KillMiddleware(served, kills, hubspot_kind)
