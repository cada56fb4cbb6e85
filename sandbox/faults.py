"""Fault knobs shared by both emulators: latency, 5xx answers, 429 bursts, dropped connections.

Each emulator wraps its app in :class:`FaultMiddleware` with its own
``shape`` callback, so that a fault answers with that platform's error body
and headers. The knobs are a plain mutable :class:`Faults` object that tests
and benchmarks change between (or during) runs. Randomness comes from a seeded
generator so that a failing run can be replayed.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

# (status, kind) -> the platform's response; kind is "server_error" or "rate_limited".
Shape = Callable[[int, str], Response]


@dataclass
class Faults:
    """What goes wrong, per request. All off by default.

    Attributes:
        latency: seconds added to every answer.
        error_rate: share of requests answered with a 5xx (503) in the platform's shape.
        drop_rate: share of requests whose connection is cut mid-answer.
        burst_every: every Nth request starts a burst of ``burst_length`` 429s (0 = off).
        burst_length: how many consecutive requests a burst refuses.
        seed: seeds the generator that draws errors and drops.
    """

    latency: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    burst_every: int = 0
    burst_length: int = 3
    seed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _seen: int = field(init=False, default=0)
    _burst_left: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def reset(self) -> None:
        """Switches every fault off and forgets what was counted."""
        with self._lock:
            self.latency = self.error_rate = self.drop_rate = 0.0
            self.burst_every = 0
            self.counts.clear()
            self._seen = self._burst_left = 0
            self._rng = random.Random(self.seed)

    def draw(self) -> str | None:
        """Decides this request's fault: 'rate_limited', 'server_error', 'drop' or None."""
        with self._lock:
            self._seen += 1
            fault: str | None = None
            if self.burst_every and self._seen % self.burst_every == 0:
                self._burst_left = self.burst_length
            if self._burst_left > 0:
                self._burst_left -= 1
                fault = "rate_limited"
            elif self.error_rate and self._rng.random() < self.error_rate:
                fault = "server_error"
            elif self.drop_rate and self._rng.random() < self.drop_rate:
                fault = "drop"
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
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        fault = self.faults.draw()
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
