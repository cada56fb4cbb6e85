"""What happens to every request before and after its handler: counting, bearer-token
auth (401 INVALID_AUTHENTICATION), scope checks (403 MISSING_SCOPES), rate limits
(429) and the ``X-HubSpot-*`` headers on the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.hubspot.context import BadRequest, Context, Endpoint
from sandbox.hubspot.limits import rate_limit_body
from sandbox.hubspot.state import LoggedRequest
from sandbox.hubspot.wire import correlation_id, error

# Endpoint family -> the granular scopes HubSpot names when one is missing.
FAMILIES: dict[str, tuple[str, ...]] = {
    "objects": ("crm.objects.contacts.read", "crm.objects.contacts.write"),
    "search": ("crm.objects.contacts.read",),
    "associations": ("crm.objects.contacts.read", "crm.objects.contacts.write"),
    "properties": ("crm.schemas.contacts.read", "crm.schemas.contacts.write"),
    "lists": ("crm.lists.read", "crm.lists.write"),
    "owners": ("crm.objects.owners.read",),
    "email_events": ("content",),
    "events": ("behavioral_events.event_definitions.read_write",),
    "account_info": ("account-info.security.read",),
}


def _unauthorized() -> Response:
    message = (
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
        "you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
    )
    return error(401, message, "INVALID_AUTHENTICATION")


def _forbidden(family: str) -> Response:
    scopes = list(FAMILIES.get(family, ()))
    detail = {
        "message": "One or more of the following scopes are required.",
        "context": {"requiredGranularScopes": scopes},
    }
    message = (
        "This app hasn't been granted all required scopes to make this call. Read more about "
        "required scopes here: https://developers.hubspot.com/scopes."
    )
    links = {"scopes": "https://developers.hubspot.com/scopes"}
    return error(403, message, "MISSING_SCOPES", errors=[detail], links=links)


async def guarded(ctx: Context, endpoint: Endpoint, request: Request) -> Response:
    """Runs ``endpoint`` for ``request`` as HubSpot would, or refuses it."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body = (await request.body())[:300].decode("utf-8", "replace")
    ctx.state.count_request(endpoint.key, LoggedRequest(endpoint.method, path, body))
    if request.headers.get("authorization", "") != f"Bearer {ctx.token}":
        return _unauthorized()
    if endpoint.family in ctx.missing_scopes:
        return _forbidden(endpoint.family)
    verdict = ctx.limiter.admit(search=endpoint.search)
    if not verdict.allowed:
        assert verdict.policy is not None
        with ctx.state.lock:
            ctx.state.rate_limited[verdict.policy] += 1
        response: Response = JSONResponse(rate_limit_body(verdict.policy), status_code=429)
    else:
        try:
            response = await endpoint.handler(ctx, request)
        except BadRequest as refused:
            response = refused.response
    response.headers.update(verdict.headers)
    response.headers["X-HubSpot-Correlation-Id"] = correlation_id()
    return response
