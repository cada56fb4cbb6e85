"""What ``reengage serve`` tells Prometheus and health checks.

All collectors live in a :class:`Metrics` object's own ``CollectorRegistry``,
never prometheus_client's global one: two loops in one process (tests) or a
library user's own metrics never collide. The endpoint is served by
:mod:`sync.serve.metrics_http`.

Metrics (``reengage_`` prefix):

=========================================== ========= ===========================
name                                        type      labels
=========================================== ========= ===========================
runs_total                                  counter   status (ok/failed/stopped)
run_duration_seconds                        histogram
lock_busy_total                             counter   (turns skipped: lock held)
last_run_timestamp_seconds                  gauge
records_read_total                          counter   platform, object
operations_applied_total                    counter   platform, op
operations_failed_total                     counter   platform, op
api_requests_total                          counter   platform
api_rate_limited_total                      counter   platform (HTTP 429 answers)
daily_budget_used_ratio                     gauge     platform (0..1)
persons_by_segment                          gauge     segment
persons_by_status                           gauge     status
=========================================== ========= ===========================

API counters are what each connector says it cost (``Connector.usage()``), added
per run as the difference between before and after; nothing counted adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import Engine, func, select

from connectors.base import ApiUsage
from sync.run import RunResult
from sync.store.schema import person_states

# seconds: a small sync takes seconds, a large one an hour
DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, float("inf"))


def count_persons(engine: Engine) -> tuple[dict[str, int], dict[str, int]]:
    """Persons per segment (those in one) and per status, from the latest classification."""
    with engine.connect() as conn:
        seg = conn.execute(
            select(person_states.c.segment, func.count())
            .where(person_states.c.segment.is_not(None))
            .group_by(person_states.c.segment)
        ).all()
        status = conn.execute(
            select(person_states.c.status, func.count()).group_by(person_states.c.status)
        ).all()
    return {str(s): int(n) for s, n in seg}, {str(s or "none"): int(n) for s, n in status}


class Metrics:
    """reengage's Prometheus collectors in their own registry (see the module docstring)."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        p, po = ["platform"], ["platform", "op"]
        self.runs = Counter("reengage_runs", "Sync runs by outcome.", ["status"], registry=r)
        self.duration = Histogram("reengage_run_duration_seconds", "Wall time of a sync run.",
                                  buckets=DURATION_BUCKETS, registry=r)  # fmt: skip
        self.lock_busy = Counter("reengage_lock_busy",
                                 "Turns skipped because another process held the lock.",
                                 registry=r)  # fmt: skip
        self.last_run = Gauge("reengage_last_run_timestamp_seconds",
                              "When the last run finished.", registry=r)  # fmt: skip
        self.records = Counter("reengage_records_read", "Items read from a platform.",
                               ["platform", "object"], registry=r)  # fmt: skip
        self.applied = Counter("reengage_operations_applied",
                               "Operations written (or found done) on a platform.", po,
                               registry=r)  # fmt: skip
        self.failed = Counter("reengage_operations_failed", "Operations a platform refused.",
                              po, registry=r)  # fmt: skip
        self.requests = Counter("reengage_api_requests", "HTTP requests sent to a platform.", p,
                                registry=r)  # fmt: skip
        self.rate_limited = Counter("reengage_api_rate_limited",
                                    "HTTP 429 answers from a platform.", p, registry=r)  # fmt: skip
        self.budget = Gauge("reengage_daily_budget_used_ratio",
                            "Share of the platform's daily API budget used.", p,
                            registry=r)  # fmt: skip
        self.segments = Gauge("reengage_persons_by_segment", "Persons per segment.", ["segment"],
                              registry=r)  # fmt: skip
        self.statuses = Gauge("reengage_persons_by_status", "Persons per status.", ["status"],
                              registry=r)  # fmt: skip

    def record_run(
        self, status: str, seconds: float, result: RunResult | None, finished: datetime
    ) -> None:
        """Counts one run: its outcome, duration, and what it read and wrote."""
        self.runs.labels(status=status).inc()
        self.duration.observe(seconds)
        self.last_run.set(finished.timestamp())
        if result is None:
            return
        for pulled in result.pulled:
            for obj in ("records", "activities", "deals"):
                self.records.labels(platform=pulled.platform, object=obj).inc(getattr(pulled, obj))
        if result.applied is not None:
            for (platform, op), n in result.applied.applied.items():
                self.applied.labels(platform=platform, op=op).inc(n)
            for (platform, op), n in result.applied.failed.items():
                self.failed.labels(platform=platform, op=op).inc(n)

    def record_api(self, platform: str, before: ApiUsage, after: ApiUsage) -> None:
        """Adds what a connector counted between ``before`` and ``after`` (one run)."""
        if after.requests > before.requests:
            self.requests.labels(platform=platform).inc(after.requests - before.requests)
        if after.rate_limited > before.rate_limited:
            self.rate_limited.labels(platform=platform).inc(
                after.rate_limited - before.rate_limited
            )
        if after.budget_used is not None:
            self.budget.labels(platform=platform).set(after.budget_used)

    def record_persons(self, segments: Mapping[str, int], statuses: Mapping[str, int]) -> None:
        """Replaces the person gauges (a segment that emptied disappears from the output)."""
        self.segments.clear()
        self.statuses.clear()
        for name, n in segments.items():
            self.segments.labels(segment=name).set(n)
        for name, n in statuses.items():
            self.statuses.labels(status=name).set(n)

    def exposition(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)
