"""HubSpot's error answers turned into reengage's error taxonomy (notes §5.2, §5.4).

One table for every HubSpot answer that is not a success, whichever client
(SDK or httpx) received it:

* 429 ``policyName`` ``TEN_SECONDLY_ROLLING`` / ``SECONDLY`` -> :class:`RetriableError`
  with a limiter penalty (HubSpot sends no ``Retry-After`` as a rule);
* 429 ``DAILY`` -> :class:`BudgetExhausted` (stop cleanly, resume tomorrow);
* 401 -> :class:`AuthError` naming a bad or expired token, 403 ``MISSING_SCOPES``
  -> :class:`AuthError` naming the scopes; never the token itself;
* anything else through :func:`connectors.errors.classify_status`.

The daily budget is also watched on successful answers: the
``X-HubSpot-RateLimit-Daily(-Remaining)`` headers tell how much is left, and
:func:`daily_left` reads them (every header is optional).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.errors import (
    AuthError,
    BudgetExhausted,
    ConnectorError,
    RetriableError,
    SetupMissing,
    classify_status,
)
from connectors.retry import parse_retry_after

PLATFORM = "hubspot"
TEN_SECONDLY = "TEN_SECONDLY_ROLLING"
SECONDLY = "SECONDLY"
DAILY = "DAILY"


@dataclass(frozen=True, slots=True)
class Penalty:
    """How long the client-side limiter should treat a window as full after a 429."""

    search: bool
    seconds: float


def parse_body(body: object) -> dict[str, Any]:
    """HubSpot's JSON error body from bytes / str / dict; {} when it is not JSON."""
    if isinstance(body, dict):
        return body
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    wanted = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == wanted), None)


def retry_after(headers: Mapping[str, str] | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds when sent: HubSpot documents none on a REST 429 (notes
    §5.2), so either HTTP form is read (seconds, or an HTTP date); junk is None."""
    return parse_retry_after(_header(headers, "Retry-After"), now)


def daily_left(headers: Mapping[str, str] | None) -> tuple[int, int] | None:
    """(remaining, limit) of the daily budget from the answer's headers, None when absent."""
    limit, remaining = (
        _header(headers, "X-HubSpot-RateLimit-Daily"),
        _header(headers, "X-HubSpot-RateLimit-Daily-Remaining"),
    )
    if limit is None or remaining is None or not (limit.isdigit() and remaining.isdigit()):
        return None
    return int(remaining), int(limit)


def window_left(headers: Mapping[str, str] | None) -> tuple[int, int] | None:
    """(remaining, max) of the 10-second window from the answer's headers, None when absent
    (search answers carry none)."""
    limit, remaining = (
        _header(headers, "X-HubSpot-RateLimit-Max"),
        _header(headers, "X-HubSpot-RateLimit-Remaining"),
    )
    if limit is None or remaining is None or not (limit.isdigit() and remaining.isdigit()):
        return None
    return int(remaining), int(limit)


def missing_scopes(body: Mapping[str, Any]) -> list[str]:
    """The scopes a 403 MISSING_SCOPES names (``errors[].context.requiredGranularScopes``)."""
    found: list[str] = []
    for detail in body.get("errors") or []:
        context = detail.get("context") if isinstance(detail, dict) else None
        for key in ("requiredGranularScopes", "requiredScopes"):
            found.extend(str(s) for s in ((context or {}).get(key) or []))
    return list(dict.fromkeys(found))


def _rate_limited(body: Mapping[str, Any], headers: Mapping[str, str] | None) -> ConnectorError:
    policy = str(body.get("policyName") or "")
    message = str(body.get("message") or "rate limited")
    if policy == DAILY:
        return BudgetExhausted(
            "HubSpot's daily API limit is reached; the run stops and resumes after the reset",
            platform=PLATFORM,
            status=429,
            code=DAILY,
            detail=message,
        )
    return RetriableError(
        f"HubSpot rate limit ({policy or 'unknown policy'})",
        retry_after=retry_after(headers),
        platform=PLATFORM,
        status=429,
        code=policy or "RATE_LIMIT",
        detail=message,
    )


def penalty_for(error: ConnectorError, *, burst_seconds: float, search_seconds: float) -> Penalty:
    """The limiter penalty a 429 calls for: the search bucket for SECONDLY, else the burst."""
    if error.code == SECONDLY:
        return Penalty(search=True, seconds=search_seconds)
    wait = getattr(error, "retry_after", None)
    return Penalty(search=False, seconds=float(wait) if wait is not None else burst_seconds)


def _auth(status: int, body: Mapping[str, Any]) -> AuthError:
    category = str(body.get("category") or "")
    detail = str(body.get("message") or "")
    if status == 401:
        return AuthError(
            "HubSpot refused the access token (invalid, expired or revoked): set "
            "REENGAGE_HUBSPOT__ACCESS_TOKEN to a valid private-app token",
            platform=PLATFORM,
            status=status,
            code=category or "INVALID_AUTHENTICATION",
            detail=detail,
        )
    scopes = missing_scopes(body)
    named = ", ".join(scopes) if scopes else "(HubSpot did not name them)"
    return AuthError(
        f"the HubSpot private app lacks a required scope: {named}; add it to the app",
        platform=PLATFORM,
        status=status,
        code=category or "MISSING_SCOPES",
        detail=detail,
    )


SETUP_MISSING = "PROPERTY_DOESNT_EXIST"
"""HubSpot's word, as the category or inside a validation message, for a property that
is not there: ``reengage setup`` makes reengage's own."""


def translate(
    status: int, body: object, headers: Mapping[str, str] | None = None
) -> ConnectorError:
    """The reengage error for one failed HubSpot answer."""
    parsed = parse_body(body)
    if status == 429:
        return _rate_limited(parsed, headers)
    if status in (401, 403):
        return _auth(status, parsed)
    category = str(parsed.get("category") or parsed.get("errorType") or "") or None
    message = str(parsed.get("message") or f"HTTP {status}")
    cls = classify_status(status)
    if SETUP_MISSING in f"{category} {message}":
        cls = SetupMissing
    if cls is RetriableError:
        return RetriableError(
            f"HubSpot answered {status}",
            retry_after=retry_after(headers),
            platform=PLATFORM,
            status=status,
            code=category,
            detail=message,
        )
    return cls(
        f"HubSpot refused the request ({status} {category or ''}): {message}".replace(" )", ")"),
        platform=PLATFORM,
        status=status,
        code=category,
        detail=message,
    )
