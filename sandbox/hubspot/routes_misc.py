"""Owners, marketing email events (legacy v1, not wrapped by the SDK), behavioural events
and the daily API usage of private apps."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.hubspot.context import (
    Context,
    Endpoint,
    flag_param,
    int_param,
    missing,
)
from sandbox.hubspot.wire import iso, parse_ms
from sandbox.seed import HubSpotOwner

MAX_OWNERS_PAGE = 500
MAX_EMAIL_EVENTS = 1_000
MAX_EVENTS_PAGE = 1_000


def owner_json(owner: HubSpotOwner, stamp: str) -> dict[str, Any]:
    return {
        "id": owner.id,
        "email": owner.email,
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "userId": owner.user_id,
        "userIdIncludingInactive": owner.user_id,
        "type": "PERSON",
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": owner.archived,
        "teams": [],
    }


async def owners(ctx: Context, request: Request) -> Response:
    """Active owners, or only archived (inactive) ones with ``archived=true``; paged by offset."""
    archived = flag_param(request, "archived")
    limit = max(1, int_param(request, "limit", 100, MAX_OWNERS_PAGE))
    after = int_param(request, "after", 0)
    email = request.query_params.get("email")
    with ctx.state.lock:
        chosen = [o for o in ctx.state.owners if o.archived == archived]
        if email:
            chosen = [o for o in chosen if o.email.casefold() == email.casefold()]
        stamp = iso(ctx.state.owners_created_at)
    body: dict[str, Any] = {
        "results": [owner_json(o, stamp) for o in chosen[after : after + limit]]
    }
    if after + limit < len(chosen):
        body["paging"] = {"next": {"after": str(after + limit)}}
    return JSONResponse(body)


async def email_events(ctx: Context, request: Request) -> Response:
    """``GET /email/public/v1/events``: newest first, ``{events, hasMore, offset}``."""
    params = request.query_params
    offset = params.get("offset")
    with ctx.state.lock:
        page = ctx.state.email_events.page(
            start_ms=parse_ms(params.get("startTimestamp")),
            end_ms=parse_ms(params.get("endTimestamp")),
            event_type=params.get("eventType"),
            recipient=params.get("recipient"),
            offset=int(offset) if offset and offset.isdigit() else None,
            limit=max(1, int_param(request, "limit", 100, MAX_EMAIL_EVENTS)),
            exclude_filtered=params.get("excludeFilteredEvents", "").lower() == "true",
        )
    body: dict[str, Any] = {"events": page.items, "hasMore": page.next_cursor is not None}
    if page.next_cursor is not None:
        body["offset"] = page.next_cursor
    return JSONResponse(body)


async def email_campaign(ctx: Context, request: Request) -> Response:
    """``GET /email/public/v1/campaigns/{campaignId}``: the campaign's name for its events."""
    campaign_id = int(request.path_params["campaignId"])
    with ctx.state.lock:
        name = ctx.state.email_events.campaign_names.get(campaign_id)
    if name is None:
        raise missing(f"No campaign {campaign_id}")
    return JSONResponse({"id": campaign_id, "appId": 113, "appName": "BatchEmail", "name": name})


async def events(ctx: Context, request: Request) -> Response:
    """``GET /events/v3/events`` (the SDK's ``events_api.get_page``)."""
    params = request.query_params
    after = params.get("after")
    with ctx.state.lock:
        page = ctx.state.timeline_events.page(
            object_id=params.get("objectId"),
            event_type=params.get("eventType"),
            after_ms=parse_ms(params.get("occurredAfter")),
            before_ms=parse_ms(params.get("occurredBefore")),
            cursor=int(after) if after and after.isdigit() else None,
            limit=max(1, int_param(request, "limit", 100, MAX_EVENTS_PAGE)),
            descending="ASCENDING" not in params.getlist("sort"),
        )
    body: dict[str, Any] = {"results": page.items}
    if page.next_cursor is not None:
        body["paging"] = {"next": {"after": page.next_cursor}}
    return JSONResponse(body)


async def daily_usage(ctx: Context, request: Request) -> Response:
    limiter = ctx.limiter
    usage = {
        "name": "private-apps-api-calls-daily",
        "usageLimit": limiter.daily_limit,
        "currentUsage": limiter.daily_used,
        "collectedAt": iso(ctx.state.clock()),
        "fetchStatus": "SUCCESS",
        "resetsAt": iso(limiter.resets_at()),
    }
    return JSONResponse({"results": [usage]})


ENDPOINTS = [
    Endpoint("GET", "/crm/v3/owners/", owners, "owners"),
    Endpoint("GET", "/email/public/v1/events", email_events, "email_events"),
    Endpoint("GET", "/email/public/v1/campaigns/{campaignId}", email_campaign, "email_events"),
    Endpoint("GET", "/events/v3/events/", events, "events"),
    Endpoint("GET", "/account-info/v3/api-usage/daily/private-apps", daily_usage, "account_info"),
]
