"""The HubSpot emulator's request log: each request labelled with the CRM object it touched.

``POST /crm/v3/objects/contacts/search`` is (``contacts``, ``search``);
``POST /crm/v4/associations/emails/contacts/batch/read`` is (``emails``,
``associations``): an association read counts against the object whose page it
completes. Requests about no object are labelled by their API family
(``lists``, ``properties``, ``owners``, ``email_events``, ``events``).
"""

from __future__ import annotations

from starlette.types import ASGIApp

from sandbox.hubspot.catalog import object_type
from sandbox.requestlog import RequestLogMiddleware, request_log

_FAMILIES: dict[tuple[str, ...], str] = {
    ("crm", "v3", "lists"): "lists",
    ("crm", "v3", "properties"): "properties",
    ("crm", "v3", "owners"): "owners",
    ("email", "public", "v1"): "email_events",
    ("events", "v3", "events"): "events",
    ("account-info", "v3", "api-usage"): "account_info",
}


def label(method: str, path: str, query: str) -> tuple[str, str]:
    """(object or family, kind of request) for one HubSpot request."""
    parts = [p for p in path.split("/") if p]
    head = tuple(parts[:3])
    if head[:2] in (("crm", "v3"), ("crm", "v4")) and len(parts) > 3:
        name = object_type(parts[3]) or parts[3]
        if head[2] == "associations" or "associations" in parts[4:]:
            return name, "associations"
        if head[2] == "objects":
            rest = [p for p in parts[4:] if not p.isdigit()]
            return name, "/".join(rest) or ("read" if method == "GET" else "write")
    family = _FAMILIES.get(head, "other")
    return family, next((p for p in reversed(parts) if not p.isdigit()), "")


def logged(app: ASGIApp, state: object) -> ASGIApp:
    """``app`` recording into the request log of ``state``'s emulator."""
    return RequestLogMiddleware(app, request_log(state), label)
