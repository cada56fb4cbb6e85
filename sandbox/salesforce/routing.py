"""What every API call goes through before its handler: version, session, budget, counts.

Each route is declared once with its template (``/services/data/v{version}/query/``);
the wrapper checks the API version, the bearer session (401 ``INVALID_SESSION_ID``) and
the daily budget (403 ``REQUEST_LIMIT_EXCEEDED``), counts the request under its
template, turns :class:`ApiError` into Salesforce's error body, and stamps the
``Sforce-Limit-Info`` header on every answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.salesforce.auth import check_session
from sandbox.salesforce.errors import ApiError, error_response, not_found
from sandbox.salesforce.state import SalesforceState, Session
from sandbox.salesforce.writes import Writer

MIN_VERSION = 20.0


@dataclass
class Call:
    """One request as a handler sees it."""

    request: Request
    state: SalesforceState
    session: Session | None
    version: str

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.request.path_params)

    def writer(self) -> Writer:
        return Writer(self.state, self.session.user_id if self.session else self.state.user_id)

    async def json(self) -> Any:
        try:
            return await self.request.json()
        except ValueError as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from exc


Handler = Callable[[Call], Awaitable[Response]]


def limit_headers(state: SalesforceState) -> dict[str, str]:
    return {"Sforce-Limit-Info": state.budget.header()}


def api_routes(
    state: SalesforceState,
    max_version: str,
    template: str,
    handler: Handler,
    methods: list[str],
    *,
    write: bool = False,
    auth: bool = True,
) -> list[Route]:
    """The route for a template, with and without its trailing slash, wrapped."""
    key = template.rstrip("/") or "/"
    ceiling = float(max_version)

    async def endpoint(request: Request) -> Response:
        state.count(request.method, key, write=write)
        try:
            version = _version(request, ceiling)
            session = check_session(state, request.headers.get("authorization")) if auth else None
            if auth and not state.budget.spend():
                raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            response = await handler(Call(request, state, session, version))
        except ApiError as exc:
            return error_response(exc, limit_headers(state))
        except Exception as exc:  # an emulator bug must still answer in Salesforce's shape
            error = ApiError(500, "UNKNOWN_EXCEPTION", f"An unexpected error occurred: {exc!r}")
            return error_response(error, limit_headers(state))
        response.headers.update(limit_headers(state))
        return response

    bare = template.rstrip("/")
    return [Route(bare, endpoint, methods=methods), Route(bare + "/", endpoint, methods=methods)]


def _version(request: Request, ceiling: float) -> str:
    raw = str(request.path_params.get("version", ""))
    if not raw:
        return f"{ceiling:.1f}"
    try:
        number = float(raw)
    except ValueError as exc:
        raise not_found() from exc
    if not MIN_VERSION <= number <= ceiling:
        raise not_found()
    return f"{number:.1f}"
