"""HubSpot's rate limits for a private app, as a client meets them (notes §5).

* a rolling 10-second window per app (100 on Free/Starter, 190 on Pro/Enterprise);
* the CRM search endpoints' own bucket, about 5 requests per second per account,
  exempt from the 10-second window (spec ``x-hubspot-rate-limit-exemptions``);
* a daily cap per account, reset at midnight (UTC here), counting every request.

A refused request answers 429 with HubSpot's body (``status``, ``message``,
``errorType: RATE_LIMIT``, ``correlationId``, ``category``, ``policyName``) and
does not consume budget. Ordinary answers carry the ``X-HubSpot-RateLimit-*``
headers; search answers carry none (only ``X-HubSpot-Correlation-Id``), as
HubSpot's do.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.hubspot.wire import correlation_id

TEN_SECONDLY = "TEN_SECONDLY_ROLLING"
SECONDLY = "SECONDLY"
DAILY = "DAILY"
WINDOW_MS = 10_000

_MESSAGES = {
    TEN_SECONDLY: "You have reached your ten_secondly_rolling limit.",
    SECONDLY: "You have reached your secondly limit.",
    DAILY: "You have reached your daily limit.",
}


def rate_limit_body(policy: str) -> dict[str, Any]:
    """The 429 body HubSpot sends for ``policy`` (documented example, notes §5.2)."""
    body: dict[str, Any] = {
        "status": "error",
        "message": _MESSAGES[policy],
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "category": "RATE_LIMITS",
        "policyName": policy,
    }
    if policy == TEN_SECONDLY:
        body["groupName"] = "publicapi:private-app-ten-secondly:sandbox"
    return body


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a request may proceed; ``policy`` names the limit that refused it."""

    policy: str | None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.policy is None


class RateLimiter:
    """Counts requests in rolling windows; ``clock`` (seconds) is injectable for tests."""

    def __init__(
        self,
        *,
        ten_second_limit: int,
        search_per_second: int,
        daily_limit: int,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.ten_second_limit = ten_second_limit
        self.search_per_second = search_per_second
        self.daily_limit = daily_limit
        self.daily_used = 0
        self._clock = clock
        self._today = today
        self._day = today()
        self._burst: deque[float] = deque()
        self._search: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self, *, search: bool) -> Verdict:
        """Decides one request; admitted requests are counted, refused ones are not."""
        with self._lock:
            now = self._clock()
            self._roll_day()
            window, limit, span = (
                (self._search, self.search_per_second, 1.0)
                if search
                else (self._burst, self.ten_second_limit, WINDOW_MS / 1000)
            )
            while window and window[0] <= now - span:
                window.popleft()
            if self.daily_used >= self.daily_limit:
                return Verdict(DAILY, {} if search else self._headers(len(window)))
            if len(window) >= limit:
                return Verdict(
                    SECONDLY if search else TEN_SECONDLY, self._headers_if(search, len(window))
                )
            window.append(now)
            self.daily_used += 1
            return Verdict(None, self._headers_if(search, len(window)))

    def resets_at(self) -> datetime:
        """The next midnight (UTC) at which the daily count starts again."""
        tomorrow = self._today() + timedelta(days=1)
        return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC)

    def _roll_day(self) -> None:
        today = self._today()
        if today != self._day:
            self._day = today
            self.daily_used = 0

    def _headers_if(self, search: bool, used: int) -> dict[str, str]:
        return {} if search else self._headers(used)

    def _headers(self, used: int) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Max": str(self.ten_second_limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.ten_second_limit - used)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(WINDOW_MS),
            "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self.daily_limit - self.daily_used)),
        }
