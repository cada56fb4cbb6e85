"""Fault knobs shared by both emulators: latency and its spikes, 5xx answers, 429 bursts and
streaks, dropped connections, and writes that land but whose answer is lost.

Each emulator wraps its app in :class:`FaultMiddleware` with its own
``shape`` callback, so that a fault answers with that platform's error body
and headers. The knobs are a plain mutable :class:`Faults` object that tests
and benchmarks change between (or during) runs. Randomness comes from a seeded
generator so that a failing run can be replayed.

Every fault but one fires before the route runs, so the platform is unchanged.
A lost answer (``lost_answer_rate``) runs a write fully, then cuts the
connection instead of sending its answer: the client cannot tell whether the
write landed, as when a connection breaks after the platform acted.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

# (status, kind) -> the platform's response; kind is "server_error" or "rate_limited".
Shape = Callable[[int, str], Response]

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READS_BY_POST = ("/search", "/batch/read", "/oauth2/token")
"""Routes that read (or log in) through POST: HubSpot search and batch read, the
Salesforce token endpoint. They change nothing, so their answer is never "lost"."""


def is_write(method: str, path: str) -> bool:
    """Whether a request may change the platform's state (what a lost answer hides)."""
    return method.upper() not in READ_METHODS and not path.rstrip("/").endswith(READS_BY_POST)


@dataclass
class Faults:
    """What goes wrong, per request. All off by default.

    Attributes:
        latency: seconds added to every answer.
        spike_rate: share of requests delayed ``spike_seconds`` more (a latency spike).
        spike_seconds: how long a spike lasts.
        error_rate: share of requests answered with a 5xx (503) in the platform's shape.
        drop_rate: share of requests whose connection is cut mid-answer.
        lost_answer_rate: share of write requests (:func:`is_write`) that run fully (the
            state changes) and whose connection is then cut instead of the answer sent.
        burst_every: every Nth request starts a burst of ``burst_length`` 429s (0 = off).
        burst_length: how many consecutive requests a burst refuses.
        seed: seeds the generator that draws errors and drops.

    :meth:`rate_limit_for` starts a streak in time: every request is refused (429)
    until it ends, as when another app keeps the window full.
    """

    latency: float = 0.0
    spike_rate: float = 0.0
    spike_seconds: float = 2.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    lost_answer_rate: float = 0.0
    burst_every: int = 0
    burst_length: int = 3
    seed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _seen: int = field(init=False, default=0)
    _burst_left: int = field(init=False, default=0)
    _streak_until: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def reset(self) -> None:
        """Switches every fault off and forgets what was counted."""
        with self._lock:
            self.latency = self.error_rate = self.drop_rate = self.lost_answer_rate = 0.0
            self.spike_rate = self._streak_until = 0.0
            self.burst_every = 0
            self.counts.clear()
            self._seen = self._burst_left = 0
            self._rng = random.Random(self.seed)

    def rate_limit_for(self, seconds: float) -> None:
        """Refuses every request with a 429 for the next ``seconds`` (a streak in time)."""
        with self._lock:
            self._streak_until = time.monotonic() + seconds

    def delay(self) -> float:
        """Seconds this request's answer waits: ``latency``, plus a spike now and then."""
        with self._lock:
            spike = bool(self.spike_rate) and self._rng.random() < self.spike_rate
            if spike:
                self.counts["spike"] = self.counts.get("spike", 0) + 1
        return self.latency + (self.spike_seconds if spike else 0.0)

    def draw(self, write: bool = False) -> str | None:
        """Decides this request's fault: 'rate_limited', 'server_error', 'drop',
        'lost_answer' (only for a ``write``) or None."""
        with self._lock:
            self._seen += 1
            fault: str | None = None
            if self.burst_every and self._seen % self.burst_every == 0:
                self._burst_left = self.burst_length
            if self._burst_left > 0:
                self._burst_left -= 1
                fault = "rate_limited"
            elif self._streak_until and time.monotonic() < self._streak_until:
                fault = "rate_limited"
            elif self.error_rate and self._rng.random() < self.error_rate:
                fault = "server_error"
            elif self.drop_rate and self._rng.random() < self.drop_rate:
                fault = "drop"
            elif write and self.lost_answer_rate and self._rng.random() < self.lost_answer_rate:
                fault = "lost_answer"
            if fault:
                self.counts[fault] = self.counts.get(fault, 0) + 1
            return fault


class FaultMiddleware:
    """Applies :class:`Faults` in front of an emulator's routes."""

    def __init__(self, app: ASGIApp, faults: Faults, shape: Shape) -> None:
        self.app = app
        self.faults = faults
        self.shape = shape

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if delay := self.faults.delay():
            await asyncio.sleep(delay)
        fault = self.faults.draw(is_write(scope["method"], scope["path"]))
        if fault == "lost_answer":
            await self.app(scope, receive, _swallowed)
            await _drop(send)
            return
        if fault == "drop":
            await _drop(send)
            return
        if fault == "rate_limited":
            await self.shape(429, fault)(scope, receive, send)
            return
        if fault == "server_error":
            await self.shape(503, fault)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _swallowed(message: Any) -> None:
    """Takes an answer's messages and sends nothing (the answer a lost answer loses)."""


async def _drop(send: Send) -> None:
    """Starts an answer, then ends it short of its declared length: the server closes the
    connection and the client sees a broken read, as with a connection reset mid-answer."""
    message: dict[str, Any] = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
    }
    await send(message)
    await send({"type": "http.response.body", "body": b'{"results": [', "more_body": False})
