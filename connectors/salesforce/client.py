"""Every Salesforce request goes through :meth:`SalesforceClient.call`.

One place decides what happens when a request fails (STYLE: one retry policy,
one error taxonomy):

* 5xx, timeouts, refused or dropped connections and the *concurrent*-request
  flavour of 403 ``REQUEST_LIMIT_EXCEEDED`` are :class:`RetriableError`, retried by
  tenacity through :func:`connectors.retry.call_with_retry` (bounded: a streak of
  concurrent-limit refusals or 429s is waited out up to ``max_wait_seconds``, then
  stops the run cleanly with :class:`~connectors.errors.StopRun`); a request
  that got no answer is classified by :mod:`connectors.transport` (the URL and the
  reason; a TLS verification failure is a configuration error, never retried);
* 401 ``INVALID_SESSION_ID``: log in again once and repeat the request (a given
  session id cannot be renewed: that is an :class:`AuthError`);
* the *daily* 403 ``REQUEST_LIMIT_EXCEEDED``, or usage past
  ``daily_budget_share`` as ``Sforce-Limit-Info`` reports it on every response,
  stops the run cleanly with :class:`BudgetExhausted` before the next request;
* any other 4xx is not retried.

simple-salesforce's exceptions never leave this module. The ``requests.Session``
keeps the configured CA bundle even when ``REQUESTS_CA_BUNDLE`` is set (requests
otherwise lets the environment win) and gives every request a timeout.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceOperationError

from config.settings import SalesforceSettings
from connectors.errors import (
    AuthError,
    BudgetExhausted,
    ConnectorError,
    RetriableError,
    SetupMissing,
    classify_status,
    http_context,
)
from connectors.ratelimit import RateLimitStreak
from connectors.records import ApiUsage
from connectors.retry import RetryPolicy, call_with_retry
from connectors.salesforce.auth import FIX_TLS, Authenticator
from connectors.transport import endpoint, transport_error

T = TypeVar("T")
log = logging.getLogger("reengage.salesforce")
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
_DROPPED = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.JSONDecodeError,
)


class PinnedSession(requests.Session):
    """A session whose CA bundle and timeout are the configured ones, whatever the environment."""

    def __init__(self, verify: str | bool, timeout: float) -> None:
        super().__init__()
        self.verify = verify
        self._pinned = verify
        self._timeout = timeout

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        merged["verify"] = self._pinned
        return merged

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().request(method, url, *args, **kwargs)


SETUP_MISSING_CODES = frozenset({"INVALID_FIELD", "INVALID_TYPE"})
"""A field (or object) the query or write names does not exist, or the integration user
cannot see it: ``reengage setup`` makes (or reports) reengage's own."""


def error_parts(exc: SalesforceError) -> tuple[str | None, str]:
    """Salesforce's ``errorCode`` and message from an error body (a JSON list of errors)."""
    content = exc.content
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        first = content[0]
        return first.get("errorCode"), str(first.get("message", ""))
    return None, str(content)[:300]


def translate(exc: SalesforceError | SalesforceOperationError) -> ConnectorError:
    """A simple-salesforce exception as reengage's taxonomy (connectors.errors)."""
    if not isinstance(exc, SalesforceError):
        return ConnectorError(f"Salesforce Bulk API job failed: {exc}", platform="salesforce")
    status = int(exc.status)
    code, message = error_parts(exc)
    where = endpoint(str(exc.url)) if exc.url else None
    text = f"Salesforce answered {status} {code or ''}: {message}".replace(" :", ":")
    text += f" {http_context(None, None, where)}" if where else ""
    kw: dict[str, Any] = {
        "platform": "salesforce",
        "status": status,
        "code": code,
        "detail": f"{exc.resource_name} {exc.url}",
    }
    if code == "REQUEST_LIMIT_EXCEEDED":
        if "concurrent" in message.lower():
            return RetriableError(text, retry_after=5.0, **kw)
        return BudgetExhausted(text + " (the next run resumes)", **kw)
    if status == 401:
        return AuthError(text, **kw)
    if code in SETUP_MISSING_CODES:
        return SetupMissing(text, **kw)
    return classify_status(status)(text, **kw)


def next_page(
    url: str, *, include_deleted: bool, headers: Mapping[str, str] | None = None
) -> Callable[[Salesforce], Any]:
    """The request for the next page of a query (its ``nextRecordsUrl``)."""

    def fetch(sf: Salesforce) -> Any:
        return sf.query_more(
            url,
            identifier_is_url=True,
            include_deleted=include_deleted,
            headers=dict(headers or {}),
        )

    return fetch


class SalesforceClient:
    """A logged-in simple-salesforce client, re-logged in as needed, behind one ``call``.

    Args:
        settings: instance URL, API version, CA bundle, credentials, budget share.
        policy: the retry policy (tests shorten it).
        sleep: how to wait between retries (tests record instead).
    """

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        verify: str | bool = str(settings.ca_bundle) if settings.ca_bundle else True
        self.http = PinnedSession(verify, settings.timeout_seconds)
        self.http.hooks["response"].append(self._observe)
        self.auth = Authenticator(settings, self.http)
        self.settings = settings
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.streak = RateLimitStreak(
            settings.max_wait_seconds,
            platform="salesforce",
            setting="REENGAGE_SALESFORCE__MAX_WAIT_SECONDS",
        )
        self.usage: tuple[int, int] | None = None
        self.requests_sent = 0
        self.rate_limited = 0  # 429s and concurrent-limit refusals received
        self.logins = 0
        self._sf: Salesforce | None = None

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Reads ``Sforce-Limit-Info`` from every answer (REST, Bulk 2.0 and token alike)."""
        self.requests_sent += 1
        if response.status_code == 429 or (
            response.status_code == 403 and b"REQUEST_LIMIT_EXCEEDED" in response.content[:500]
        ):
            self.rate_limited += 1
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.usage = (int(match.group(1)), int(match.group(2)))

    def api_usage(self) -> ApiUsage:
        """Requests and rate-limit refusals so far; the daily share from Sforce-Limit-Info."""
        share = self.usage[0] / self.usage[1] if self.usage and self.usage[1] else None
        return ApiUsage(self.requests_sent, self.rate_limited, share)

    def close(self) -> None:
        self.http.close()

    @property
    def sf(self) -> Salesforce:
        if self._sf is None:
            token = self.auth.login()
            self.logins += 1
            self._sf = Salesforce(
                instance_url=token.instance_url,
                session_id=token.access_token,
                version=self.settings.api_version,
                session=self.http,
            )
        return self._sf

    def check_budget(self) -> None:
        """Raises BudgetExhausted once the org's daily usage has passed the configured share."""
        if self.usage is None:
            return
        used, total = self.usage
        share = self.settings.daily_budget_share
        if total and used >= share * total:
            raise BudgetExhausted(
                f"Salesforce daily API usage {used}/{total} has passed the configured "
                f"{share:.0%}: stopping cleanly, the next run resumes",
                platform="salesforce",
                code="DAILY_BUDGET_SHARE",
            )

    def call(self, fn: Callable[[Salesforce], T], *, retry: bool = True) -> T:
        """Runs one request (``fn`` makes exactly one) under the rules in the module docstring.

        ``retry=False`` for a request that is not idempotent (a create): its caller checks
        what landed before sending it again.
        """

        def once() -> T:
            self.check_budget()
            return self._attempt(fn)

        if not retry:
            return once()
        return call_with_retry(once, self.policy, sleep=self.sleep, streak=self.streak)

    def _attempt(self, fn: Callable[[Salesforce], T]) -> T:
        try:
            return self._send(fn)
        except AuthError as exc:
            if exc.status != 401 or not self.auth.can_refresh:
                raise
        log.info("Salesforce session expired: logging in again")
        self._sf = None
        return self._send(fn)

    def _send(self, fn: Callable[[Salesforce], T]) -> T:
        try:
            return fn(self.sf)
        except (SalesforceError, SalesforceOperationError) as exc:
            raise translate(exc) from None
        except requests.exceptions.JSONDecodeError as exc:
            raise RetriableError(
                "Salesforce's answer was not JSON (cut short?)",
                platform="salesforce",
                detail=type(exc).__name__,
            ) from None
        except _DROPPED as exc:
            raise transport_error(
                exc,
                platform="salesforce",
                target="Salesforce",
                url=self.auth.instance_url,
                timeout=self.settings.timeout_seconds,
                fix=FIX_TLS,
            ) from None
