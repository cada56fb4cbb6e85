"""A pull's progress callback that times each stream (the backfill benchmark's streams table)."""

from __future__ import annotations

import time
from collections import Counter


class StreamClock:
    """The pull's progress callback: each stream's rows and when its last page landed."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.rows: Counter[str] = Counter()
        self.done: dict[str, float] = {}
        self.first: dict[str, float] = {}

    def __call__(self, stream: str, n: int, complete: bool) -> None:
        now = time.perf_counter()
        self.first.setdefault(stream, now)
        self.rows[stream] += n
        if complete:
            self.done[stream] = now

    def per_second(self) -> dict[str, dict[str, float]]:
        out, previous = {}, self.started
        for stream, end in sorted(self.done.items(), key=lambda kv: kv[1]):
            span = max(end - previous, 1e-6)
            out[stream] = {"records": self.rows[stream], "seconds": round(span, 3),
                           "per_second": round(self.rows[stream] / span, 1)}  # fmt: skip
            previous = end
        return out
