"""``backfill``: the first pull of a sandbox world, read against HubSpot's rate limits.

Reported: wall time; records per second per stream (a stream's rows over the time
from the previous stream's last page, or the pull's start, to its own last page);
the HubSpot ten-second budget used — requests admitted by the emulator's rolling
window in each full 10-second window of the HubSpot pull, against the budget
reengage is given (the window times the configured budget share); HubSpot's 429s;
and which Salesforce objects were read through Bulk API 2.0 jobs (from the
emulator's jobs), beside the objects above the reader's Bulk threshold.
"""

from __future__ import annotations

import argparse
import math
import threading
import time
from collections import Counter
from typing import Any

from benchmarks.measure import peak_rss_mb, progress
from benchmarks.world import World, open_world, stored_activities
from connectors.salesforce.reader import ReadOptions
from sync.cli.demo import DEMO_BUDGET_SHARE, DEMO_TEN_SECOND_LIMIT
from sync.run import CycleOptions, run_cycle

DEFAULT_PERSONS = 20_000
WINDOW_S = 10.0


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


class Admissions:
    """Wraps the HubSpot emulator's rate limiter: when each counted request was admitted."""

    def __init__(self, world: World) -> None:
        self.limiter = world.box.hubspot.limiter
        self.admit = self.limiter.admit
        self.times: list[float] = []
        self.lock = threading.Lock()
        self.limiter.admit = self._admit  # type: ignore[method-assign]

    def _admit(self, *, search: bool) -> Any:
        verdict = self.admit(search=search)
        if verdict.allowed and not search:
            with self.lock:
                self.times.append(time.monotonic())
        return verdict

    def windows(self) -> list[int]:
        """Admitted requests in each full 10-second window from the first one."""
        if not self.times:
            return []
        start = self.times[0]
        full = math.floor((self.times[-1] - start) / WINDOW_S)
        counts = Counter(int((t - start) // WINDOW_S) for t in self.times)
        return [counts.get(i, 0) for i in range(full)]


def _bulk_objects(world: World) -> set[str]:
    """Wraps the Salesforce emulator's job table to see each Bulk 2.0 query job's object."""
    seen: set[str] = set()

    class Jobs(dict[str, Any]):
        def __setitem__(self, key: str, job: Any) -> None:
            seen.add(job.plan.object.name)
            super().__setitem__(key, job)

    state = world.box.salesforce.state
    state.jobs = Jobs(state.jobs)
    return seen


def _hubspot_budget(admitted: Admissions) -> dict[str, Any]:
    budget = DEMO_TEN_SECOND_LIMIT * DEMO_BUDGET_SHARE
    windows = admitted.windows()
    mean = sum(windows) / len(windows) if windows else 0.0
    return {
        "ten_second_limit": DEMO_TEN_SECOND_LIMIT,
        "budget_per_window": budget,
        "full_windows": len(windows),
        "mean_requests_per_window": round(mean, 1),
        "max_requests_per_window": max(windows, default=0),
        "share_of_budget_used": round(mean / budget, 3) if budget else None,
    }


def run(opts: argparse.Namespace) -> dict[str, Any]:
    persons = opts.persons or DEFAULT_PERSONS
    progress(f"opening a sandbox world of {persons:,} persons")
    world = open_world(persons, ten_second_limit=opts.ten_second_limit or DEMO_TEN_SECOND_LIMIT)
    try:
        admitted, bulk = Admissions(world), _bulk_objects(world)
        clock = StreamClock()
        progress("backfill")
        started = time.perf_counter()
        result = run_cycle(
            world.engine,
            world.connectors,
            world.rules,
            CycleOptions(
                kind="backfill", as_of=world.as_of, plan=False, apply=False, progress=clock
            ),
        )
        took = time.perf_counter() - started
        if result.status != "ok":
            raise RuntimeError(f"the backfill did not finish: {result.message}")
        tables = world.box.salesforce.state.tables
        rows = {name: len(t) for name, t in tables.items() if len(t)}
        threshold = ReadOptions().bulk_threshold
        acts, requests = stored_activities(world), world.requests()
        limited = dict(world.box.hubspot.state.rate_limited)
    finally:
        world.close()
    above = sorted(n for n, k in rows.items() if k > threshold)
    return {
        "benchmark": "backfill",
        "persons": persons,
        "activities": acts,
        "seconds": {"total": round(took, 3)},
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_of": "this process (sandbox emulators and reengage in one process)",
        "streams": clock.per_second(),
        "hubspot_budget": _hubspot_budget(admitted),
        "hubspot_429s": sum(limited.values()),
        "requests": requests,
        "salesforce_bulk": {
            "threshold_rows": threshold,
            "objects_above_threshold": above,
            "read_through_bulk": sorted(bulk),
            "above_threshold_not_bulk": sorted(set(above) - bulk),
        },
    }
