"""Client-side request budgets, so that a normal run gets no 429 at all, and the bound on
waiting when it gets them anyway.

A :class:`SlidingWindow` allows at most ``limit`` requests in any ``window``
seconds (HubSpot's rolling 10-second burst window; its search endpoints' 5 per
second). ``acquire`` blocks until a slot is free. Thread-safe; the clock and
sleep are injectable so tests run without waiting.

A :class:`RateLimitStreak` bounds a streak of rate-limit refusals (another app
keeping the portal's window full, Salesforce's concurrent-request limit): from
the first refusal until a request gets through, every wait (the retry's and the
limiter's) is added up, and a wait that would take the total past
``max_wait_seconds`` is not started: :class:`~connectors.errors.StopRun` instead,
a clean stop that keeps what was read and written and resumes next run.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from connectors.errors import ConnectorError, StopRun


class SlidingWindow:
    """At most ``limit`` acquisitions in any ``window`` seconds."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting, for metrics

    def _reserve(self) -> float:
        """Takes a slot if one is free and returns 0, else the seconds until one frees."""
        with self._lock:
            now = self._clock()
            while self._stamps and now - self._stamps[0] >= self.window:
                self._stamps.popleft()
            if len(self._stamps) < self.limit:
                self._stamps.append(now)
                return 0.0
            return self.window - (now - self._stamps[0])

    def acquire(self) -> None:
        while (wait := self._reserve()) > 0:
            self.waited += wait
            self._sleep(wait)

    def observe_remaining(self, remaining: int) -> None:
        """The server says only ``remaining`` requests are left in its window: when that is
        less than this window's room (someone else used the budget too), count the
        difference as taken now, so the next acquisitions wait instead of meeting a 429."""
        with self._lock:
            now = self._clock()
            while self._stamps and now - self._stamps[0] >= self.window:
                self._stamps.popleft()
            extra = (self.limit - len(self._stamps)) - max(0, remaining)
            self._stamps.extend([now] * max(0, extra))

    def penalise(self, seconds: float) -> None:
        """After a 429: treat the window as full for ``seconds`` (the platform knows better)."""
        with self._lock:
            until = self._clock() + seconds - self.window
            self._stamps = deque([until] * self.limit)


class RateLimitStreak:
    """Seconds waited on one platform's rate limits since their first refusal, bounded.

    Args:
        max_wait: the bound (``max_wait_seconds``) on one streak's waits.
        platform: the platform named in the stop.
        setting: the variable that sets the bound, named in the stop so a person can raise it.
    """

    def __init__(self, max_wait: float, *, platform: str, setting: str) -> None:
        self.max_wait = max_wait
        self.platform = platform
        self.setting = setting
        self.waited = 0.0
        self.active = False
        self._lock = threading.Lock()

    def passed(self) -> None:
        """A request got through: the streak, if any, is over."""
        with self._lock:
            self.active, self.waited = False, 0.0

    def charge(self, seconds: float, cause: ConnectorError | None = None) -> None:
        """Counts a wait of ``seconds`` about to start in this streak, or raises
        :class:`StopRun` when it would pass the bound. ``cause``, the refusal that calls for
        the wait, starts a streak; without it, nothing is counted unless one is on."""
        with self._lock:
            if not self.active and cause is None:
                return
            self.active = True
            if self.waited + seconds > self.max_wait:
                raise self._stop(seconds, cause)
            self.waited += seconds

    def _stop(self, seconds: float, cause: ConnectorError | None) -> StopRun:
        said = f" (last answer: {cause.user_message})" if cause is not None else ""
        return StopRun(
            f"rate limited for {self.waited:.0f} s; waiting {seconds:.0f} s more would pass "
            f"{self.setting}={self.max_wait:g}: stopping cleanly, the next run resumes{said}",
            platform=self.platform,
            status=cause.status if cause is not None else None,
            code="RATE_LIMIT_STREAK",
        )

    def sleeper(
        self, sleep: Callable[[float], None], clock: Callable[[], float] = time.monotonic
    ) -> Callable[[float], None]:
        """``sleep`` for a limiter: during a streak its waits count (the window penalised
        after a 429 is part of the streak; ordinary pacing is not). A wait that would pass
        the bound is not started; what counts is the time that passed on ``clock``, the
        limiter's own, as the limiter measures its waits by it."""

        def wait(seconds: float) -> None:
            with self._lock:
                if self.active and self.waited + seconds > self.max_wait:
                    raise self._stop(seconds, None)
            started = clock()
            sleep(seconds)
            with self._lock:
                if self.active:
                    self.waited += max(0.0, clock() - started)

        return wait
