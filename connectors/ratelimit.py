"""Client-side request budgets, so that a normal run gets no 429 at all.

A :class:`SlidingWindow` allows at most ``limit`` requests in any ``window``
seconds (HubSpot's rolling 10-second burst window; its search endpoints' 5 per
second). ``acquire`` blocks until a slot is free. Thread-safe; the clock and
sleep are injectable so tests run without waiting.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


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
