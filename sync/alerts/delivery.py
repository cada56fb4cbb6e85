"""One POST of one message to one webhook, retried by the house policy, never raising for HTTP.

Errors are classified by :func:`connectors.errors.classify_status`: 429, 408
and 5xx, timeouts and dropped connections are retried (``Retry-After`` is
honoured, up to the policy's maximum wait); any other status is final for this
run. A retried POST after a timeout may post the message twice: an alert is
delivered at least once, never silently lost.

Nothing here ever puts the webhook URL into a message (it embeds the webhook's
token): outcomes name the webhook (``slack``, ``teams``, ``webhook``) and what
went wrong, and a response body quoted for the reader has the URL masked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from connectors.base import (
    ConnectorError,
    RetriableError,
    RetryPolicy,
    call_with_retry,
    classify_status,
    parse_retry_after,
)

from .chunking import encode

MASK = "**********"
_BODY_CHARS = 120
_HEADERS = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "reengage-alerts"}
# Transport problems worth another try; anything else httpx raises (a bad URL...) is final.
_RETRIABLE_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one webhook did with one message. ``detail`` is safe to log and store."""

    ok: bool
    retriable: bool = False
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    """A configured webhook: its name for people and its secret URL."""

    name: str
    url: str


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: a number of seconds or an HTTP date; None if absent or junk."""
    return parse_retry_after(value, now)


def _quoted_body(response: httpx.Response, secret: str) -> str:
    """The start of an error body (Slack says ``invalid_payload``, ``channel_is_archived``...),
    with the URL masked in case the receiver echoes the request."""
    try:
        text = " ".join(response.text.split())[:_BODY_CHARS]
    except (UnicodeDecodeError, httpx.HTTPError):
        return ""
    text = text.replace(secret, MASK)
    return f": {text}" if text else ""


def _check(target: Target, response: httpx.Response) -> None:
    if response.is_success:
        return
    status = response.status_code
    message = f"{target.name}: HTTP {status}{_quoted_body(response, target.url)}"
    kind = classify_status(status)
    if kind is RetriableError:
        wait = retry_after(response.headers.get("Retry-After"))
        raise RetriableError(message, retry_after=wait, platform=target.name, status=status)
    raise kind(message, platform=target.name, status=status)


def post(
    client: httpx.Client,
    target: Target,
    body: dict[str, Any],
    *,
    timeout: float,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Posts ``body`` to ``target`` until it is accepted (2xx) or the policy gives up."""
    content = encode(body)
    attempts = 0

    def attempt() -> None:
        nonlocal attempts
        attempts += 1
        try:
            response = client.post(target.url, content=content, headers=_HEADERS, timeout=timeout)
        except _RETRIABLE_TRANSPORT as exc:
            # the exception's text may hold the URL: only its class is kept
            raise RetriableError(
                f"{target.name}: {type(exc).__name__}", platform=target.name
            ) from None
        _check(target, response)

    try:
        call_with_retry(attempt, policy, sleep=sleep)
    except RetriableError as exc:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return Outcome(ok=False, retriable=True, detail=f"{exc.user_message}{tries}")
    except ConnectorError as exc:
        return Outcome(ok=False, retriable=False, detail=exc.user_message)
    except httpx.HTTPError as exc:
        return Outcome(ok=False, retriable=False, detail=f"{target.name}: {type(exc).__name__}")
    return Outcome(ok=True, detail=f"{target.name}: accepted")
