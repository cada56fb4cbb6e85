"""Every HubSpot request goes through :class:`HubSpotClient`: one budget, one retry policy.

The SDK builds a new ``Configuration``, ``ApiClient`` and urllib3 pool on each
discovery property access (notes §6), so the API objects are built once and
cached. Each call:

1. stops early when the daily budget is nearly spent (:class:`BudgetExhausted`);
2. waits for the client-side limiter (the 10-second window, or the search
   bucket), so that a normal run gets no 429 at all;
3. runs under :func:`connectors.retry.call_with_retry` (429 / 5xx / dropped
   connections, bounded); urllib3's own retries are switched off so there is
   one policy, not two nested ones. A streak of 429s is waited out (the
   limiter's waits included) up to ``max_wait_seconds``, then stops the run
   cleanly (:class:`~connectors.ratelimit.RateLimitStreak`);
4. translates the SDK's 60 unrelated ``ApiException`` classes by duck-typing
   ``.status / .body / .headers`` into :mod:`connectors.errors`, with the HTTP
   status, HubSpot's ``category`` and where the call went; a call that got no
   answer (DNS, refused, timeout, TLS) is classified by :mod:`connectors.transport`,
   which names the URL and the reason and does not retry what waiting cannot heal.

The legacy email events API is not in the SDK; :meth:`HubSpotClient.get_json`
reaches it with httpx through the same steps.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
import hubspot
import urllib3
from urllib3.util.retry import Retry

from config.settings import HubSpotSettings
from connectors.errors import (
    BudgetExhausted,
    ConfigurationError,
    ConnectorError,
    RetriableError,
    http_context,
)
from connectors.hubspot.limits import (
    PLATFORM,
    daily_left,
    penalty_for,
    translate,
    window_left,
)
from connectors.ratelimit import RateLimitStreak, SlidingWindow
from connectors.retry import RetryPolicy, call_with_retry
from connectors.transport import endpoint, is_transport_failure, transport_error

log = logging.getLogger("reengage.hubspot")
T = TypeVar("T")

# API objects by short name -> how to reach them from a discovery client
_APIS: dict[str, Callable[[Any], Any]] = {
    "objects.basic": lambda c: c.crm.objects.basic_api,
    "objects.batch": lambda c: c.crm.objects.batch_api,
    "objects.search": lambda c: c.crm.objects.search_api,
    "associations.batch": lambda c: c.crm.associations.v4.batch_api,
    "lists": lambda c: c.crm.lists.lists_api,
    "memberships": lambda c: c.crm.lists.memberships_api,
    "properties": lambda c: c.crm.properties.core_api,
    "groups": lambda c: c.crm.properties.groups_api,
    "owners": lambda c: c.crm.owners.owners_api,
    "events": lambda c: c.events.events_api,
}


class HubSpotClient:
    """The SDK and an httpx client behind one limiter, one retry policy and one error table.

    Args:
        settings: base URL, CA bundle, token, tier and budget share.
        retry_policy: the bounded retry of 429 / 5xx / dropped connections.
        sleep: how waits happen (tests record them instead).
        search_per_second: the search endpoints' own bucket (HubSpot: 5 per account).
        burst_penalty: seconds the 10-second window counts as full after a burst 429.
        search_penalty: the same for the search bucket after a SECONDLY 429.
        daily_reserve_share: stop once less than this share of the daily budget is left.
        limiter_clock: the limiters' clock (monotonic seconds).
    """

    def __init__(
        self,
        settings: HubSpotSettings,
        *,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        search_per_second: float = 5.0,
        burst_penalty: float = 10.0,
        search_penalty: float = 1.0,
        daily_reserve_share: float = 0.02,
        limiter_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if settings.access_token is None:
            raise ConfigurationError(
                "HubSpot is not configured: set REENGAGE_HUBSPOT__ACCESS_TOKEN", platform=PLATFORM
            )
        self.settings = settings
        self._token = settings.access_token.get_secret_value()
        self._policy = retry_policy or RetryPolicy()
        self._sleep = sleep
        self.streak = RateLimitStreak(
            settings.max_wait_seconds,
            platform=PLATFORM,
            setting="REENGAGE_HUBSPOT__MAX_WAIT_SECONDS",
        )
        share = settings.budget_share
        paced = self.streak.sleeper(sleep, limiter_clock)
        self.burst = SlidingWindow(
            max(1, int(settings.ten_second_limit * share)), 10.0, clock=limiter_clock, sleep=paced
        )
        self.search = SlidingWindow(
            max(1, int(search_per_second * share)), 1.0, clock=limiter_clock, sleep=paced
        )
        self._penalties = (burst_penalty, search_penalty)
        self.rate_limited = 0  # 429 answers received (serve's metrics read it)
        self._reserve = daily_reserve_share
        self._budget_low = False
        self._apis: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.sdk = hubspot.Client.create(
            access_token=self._token,
            host=settings.base_url,
            ssl_ca_cert=str(settings.ca_bundle) if settings.ca_bundle else None,
            retry=Retry(total=0, connect=0, read=0, status=0, raise_on_status=False),
        )
        self.http = httpx.Client(
            base_url=settings.base_url,
            verify=(
                ssl.create_default_context(cafile=str(settings.ca_bundle))
                if settings.ca_bundle
                else True
            ),
            timeout=settings.timeout_seconds,
            headers={"Authorization": f"Bearer {self._token}"},
        )

    def api(self, name: str) -> Any:
        """A cached SDK API object (``objects.basic``, ``lists``...)."""
        with self._lock:
            if name not in self._apis:
                self._apis[name] = _APIS[name](self.sdk)
            return self._apis[name]

    def call(
        self,
        api: str,
        method: str,
        *args: Any,
        search: bool = False,
        retry: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Calls ``api.method`` (its ``_with_http_info`` form, to see the limit headers).

        ``retry=False`` makes one attempt: for writes that are not idempotent, whose
        caller makes them so (task creation looks its keys up before trying again).
        """
        target = getattr(self.api(api), f"{method}_with_http_info")

        def once() -> Any:
            data, _status, headers = target(
                *args, _request_timeout=self.settings.timeout_seconds, **kwargs
            )
            return data, headers

        return self._run(f"{api}.{method}", once, search=search, retry=retry)

    def get_json(self, path: str, params: Mapping[str, Any]) -> Any:
        """A GET outside the SDK (the legacy email events API), same budget and policy."""

        def once() -> Any:
            response = self.http.get(path, params=dict(params))
            if response.status_code >= 400:
                raise _HttpFailure(response)
            return response.json(), response.headers

        return self._run(f"GET {path.split('/')[1]}", once, search=False)

    def with_retry(self, fn: Callable[[], T]) -> T:
        """``fn`` under the connector's retry policy (for callers that make a write idempotent)."""
        return call_with_retry(fn, self._policy, sleep=self._sleep, streak=self.streak)

    def _run(self, label: str, once: Callable[[], Any], *, search: bool, retry: bool = True) -> Any:
        def attempt() -> Any:
            if self._budget_low:
                raise BudgetExhausted(
                    "HubSpot's daily API budget is nearly spent; the run stops and resumes "
                    "after the reset",
                    platform=PLATFORM,
                    code="DAILY_RESERVE",
                )
            (self.search if search else self.burst).acquire()
            self.requests[label] += 1
            try:
                data, headers = once()
            except ConnectorError:
                raise
            except Exception as exc:
                raise self._scrubbed(self._translate(exc, label)) from None
            self._watch_daily(headers)
            if not search:
                self._watch_window(headers)
            return data

        if not retry:
            return attempt()
        return call_with_retry(attempt, self._policy, sleep=self._sleep, streak=self.streak)

    def _scrubbed(self, error: ConnectorError) -> ConnectorError:
        """The error with the token blanked out of its detail, whatever the server echoed."""
        if error.detail and self._token in error.detail:
            error.detail = error.detail.replace(self._token, "[token]")
        return error

    def _translate(self, exc: Exception, label: str) -> ConnectorError:
        """The taxonomy's error for one failed call, naming where it went and why."""
        if isinstance(exc, _HttpFailure):
            error = translate(exc.status, exc.body, exc.headers)
            error.add_context(http_context(error.status, error.code, endpoint(exc.url)))
        elif _no_answer(exc):
            return transport_error(
                exc,
                platform=PLATFORM,
                target="HubSpot",
                url=self.settings.base_url,
                timeout=self.settings.timeout_seconds,
                fix="check REENGAGE_HUBSPOT__BASE_URL and REENGAGE_HUBSPOT__CA_BUNDLE",
            )
        elif isinstance(getattr(exc, "status", None), int) and exc.status:  # type: ignore[attr-defined]
            headers = dict(getattr(exc, "headers", None) or {})
            error = translate(exc.status, getattr(exc, "body", None), headers)  # type: ignore[attr-defined]
            # the SDK's exceptions keep no URL: the base URL and the call name it
            where = f"{endpoint(self.settings.base_url)} {label}"
            error.add_context(http_context(error.status, error.code, where))
        else:
            raise exc
        if error.status == 429:
            self.rate_limited += 1
        if isinstance(error, RetriableError) and error.status == 429:
            burst_seconds, search_seconds = self._penalties
            penalty = penalty_for(error, burst_seconds=burst_seconds, search_seconds=search_seconds)
            (self.search if penalty.search else self.burst).penalise(penalty.seconds)
        return error

    def _watch_daily(self, headers: Any) -> None:
        left = daily_left(dict(headers or {}))
        if left is None:
            return
        remaining, limit = left
        if remaining <= limit * self._reserve and not self._budget_low:
            log.warning("HubSpot daily budget nearly spent: %d of %d left", remaining, limit)
            self._budget_low = True

    def _watch_window(self, headers: Any) -> None:
        """Keeps the client's window no looser than the portal's: other apps (and earlier
        processes) share HubSpot's 10-second window, which the headers report."""
        left = window_left(dict(headers or {}))
        if left is not None:
            remaining, limit = left
            # the part of the portal's window this client may use: what is left, less the
            # share reserved for others (limit - our own limit)
            self.burst.observe_remaining(max(0, remaining - (limit - self.burst.limit)))

    def close(self) -> None:
        self.http.close()


def _no_answer(exc: BaseException) -> bool:
    """Whether a call failed before any HTTP answer: urllib3's and httpx's transport
    errors, the SDK's ``status=0`` wrapping of a TLS failure, a socket error."""
    if isinstance(exc, urllib3.exceptions.HTTPError | httpx.TransportError | OSError):
        return True
    return getattr(exc, "status", None) == 0 and is_transport_failure(exc)


class _HttpFailure(Exception):
    """A non-2xx httpx answer, carried to the one translation table."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.status = response.status_code
        self.body = response.content
        self.headers = dict(response.headers)
        self.url = str(response.url)
