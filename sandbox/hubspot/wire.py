"""How HubSpot writes things on the wire: timestamps, error bodies, correlation IDs.

One place for the formats so that every route answers in the same shapes as
HubSpot's documentation (notes §5.2, §5.4): ``{status, message, correlationId,
category, errors?, context?}`` for errors, ISO 8601 with milliseconds and ``Z``
for instants.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse


def iso(moment: datetime) -> str:
    """``2024-01-02T03:04:05.678Z``, the form HubSpot uses for createdAt / updatedAt."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def parse_ms(value: object) -> int | None:
    """Epoch milliseconds of an ISO string, a ``YYYY-MM-DD`` date or an epoch-ms number/string.

    Filter values and stored date properties both pass through here, so that
    date comparisons are done on one scale, as HubSpot does.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(
    message: str, category: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """HubSpot's standard error body (notes §5.4)."""
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id(),
        "category": category,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def error(status: int, message: str, category: str, **extra: Any) -> JSONResponse:
    return JSONResponse(error_body(message, category, **extra), status_code=status)


def validation_error(message: str, **extra: Any) -> JSONResponse:
    return error(400, message, "VALIDATION_ERROR", **extra)


def not_found(message: str) -> JSONResponse:
    return error(404, message, "OBJECT_NOT_FOUND")


def standard_error(
    message: str, category: str, context: dict[str, list[str]], *, status: str = "error"
) -> dict[str, Any]:
    """One entry of a batch answer's ``errors[]`` (the SDK's ``StandardError``: every
    field it marks required is present)."""
    return {
        "status": status,
        "category": category,
        "message": message,
        "context": context,
        "errors": [],
        "links": {},
    }
