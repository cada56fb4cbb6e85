"""What every route handler gets: the state, the rate limiter and the access settings,
plus the small helpers to read a request the way HubSpot reads it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.hubspot.catalog import object_type
from sandbox.hubspot.limits import RateLimiter
from sandbox.hubspot.state import HubSpotState
from sandbox.hubspot.wire import not_found, validation_error


@dataclass
class Context:
    """Shared by all routes of one emulator.

    Attributes:
        missing_scopes: endpoint families (see :data:`FAMILIES`) answered 403 MISSING_SCOPES.
    """

    state: HubSpotState
    limiter: RateLimiter
    token: str
    missing_scopes: set[str] = field(default_factory=set)


Handler = Callable[[Context, Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A served route: method, HubSpot path template, handler and scope family."""

    method: str
    path: str
    handler: Handler
    family: str
    search: bool = False

    @property
    def key(self) -> str:
        """The request-count key, e.g. ``POST /crm/v3/objects/{objectType}/batch/update``."""
        return f"{self.method} {self.path.rstrip('/') or '/'}"


class BadRequest(Exception):
    """Raised by helpers to answer 400 (or 404) from deep inside a handler."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except ValueError as exc:
        raise BadRequest(validation_error(f"Invalid input JSON: {exc}")) from exc


def type_param(request: Request, key: str = "objectType") -> str:
    """The object type named in the path, or a 400 as HubSpot answers unknown types."""
    raw = str(request.path_params[key])
    found = object_type(raw)
    if found is None:
        raise BadRequest(validation_error(f"Unable to infer object type from: {raw}"))
    return found


def multi_param(request: Request, name: str) -> list[str]:
    """A list query parameter sent repeated (the SDK) or comma-separated (by hand)."""
    return [v for raw in request.query_params.getlist(name) for v in raw.split(",") if v]


def flag_param(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() == "true"


def int_param(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    try:
        value = int(raw) if raw not in (None, "") else default
    except ValueError as exc:
        raise BadRequest(validation_error(f"{name} must be an integer")) from exc
    if value < 0:
        raise BadRequest(validation_error(f"{name} must not be negative"))
    return min(value, maximum) if maximum is not None else value


def missing(message: str) -> BadRequest:
    return BadRequest(not_found(message))
