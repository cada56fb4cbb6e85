"""``backfill``: the first pull of a sandbox world, read against HubSpot's rate limits.

Reported: wall time; records per second per stream (a stream's rows over the time
from the previous stream's last page, or the pull's start, to its own last page);
the HubSpot ten-second budget used — requests admitted by the emulator's rolling
window in each full 10-second window of the HubSpot pull, against the budget
reengage is given (the window times the configured budget share); HubSpot's 429s;
and which Salesforce objects were read through Bulk API 2.0 jobs (from the
emulator's jobs), beside the objects above the reader's Bulk threshold.

The emulators run in this process and reengage's pull in a child process
(:mod:`benchmarks.backfill_child`), as the real platforms run apart from reengage:
sharing one interpreter, the emulators' request handling would slow down whenever
reengage works (measured: 77.5 % of the budget in one process, 91.4 % apart, at
20,000 persons on the same machine). ``peak_rss_mb`` is the child's.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

from benchmarks.measure import peak_rss_mb, progress
from benchmarks.world import World, open_world, stored_activities
from connectors.salesforce.reader import ReadOptions
from sync.cli.demo import DEMO_BUDGET_SHARE, DEMO_TEN_SECOND_LIMIT
from sync.run import close_all

DEFAULT_PERSONS = 20_000
WINDOW_S = 10.0


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


def _pull_in_child(world: World) -> dict[str, Any]:
    """Runs the pull in :mod:`benchmarks.backfill_child` against this process's emulators."""
    close_all(world.connectors)  # the child builds its own, from the same settings
    world.engine.dispose()
    command = [sys.executable, "-m", "benchmarks.backfill_child", "--folder", str(world.folder),
               "--as-of", world.as_of.isoformat()]  # fmt: skip
    done = subprocess.run(command, env=os.environ | world.env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the backfill's process ended with exit code {done.returncode}")
    child: dict[str, Any] = json.loads(done.stdout)
    if child["status"] != "ok":
        raise RuntimeError(f"the backfill did not finish: {child['message']}")
    return child


def run(opts: argparse.Namespace) -> dict[str, Any]:
    persons = opts.persons or DEFAULT_PERSONS
    progress(f"opening a sandbox world of {persons:,} persons")
    world = open_world(persons, ten_second_limit=opts.ten_second_limit or DEMO_TEN_SECOND_LIMIT)
    try:
        admitted, bulk = Admissions(world), _bulk_objects(world)
        progress("backfill (reengage in a child process, the emulators in this one)")
        child = _pull_in_child(world)
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
        "seconds": {"total": child["seconds"]},
        "peak_rss_mb": child["peak_rss_mb"],
        "peak_rss_of": "reengage's process (the emulators run in another)",
        "emulators_peak_rss_mb": peak_rss_mb(),
        "streams": child["streams"],
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
