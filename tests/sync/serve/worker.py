"""A serve process for the multi-process tests: ``python -m tests.sync.serve.worker MODE ...``.

It runs the real :class:`~sync.serve.service.ServeLoop` with the real store lock and
signal handling, around a fake cycle:

* ``turns URL READY GO``: touches the file READY once imported and connected,
  waits for the file GO to hold an epoch instant START (so that slow start-ups
  under load never eat into the test's turns), then every second from START a
  cycle that sleeps 0.3 s and records ``(pid, started, ended)`` in ``serve_probe``;
* ``apply URL PLAN_ID SENT``: one run of the real applier over plan PLAN_ID
  with a slow fake sink, in calls of 5 operations; the sink appends each key it
  receives to the file SENT before answering.

On exit it prints one JSON line: runs per status and turns skipped.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, Engine, Float, Integer, MetaData, Table

import sync.apply
from config.rules import load_rules
from connectors.base import FieldUpdate, Platform, WriteResult, WriteStatus
from sync.apply import apply_plan
from sync.cli.serve import stop_on_signals
from sync.run import RunResult
from sync.serve.lock import StoreLock
from sync.serve.schedule import Schedule
from sync.serve.service import Cycle, ServeLoop
from sync.store.migrate import open_store

probe = Table(
    "serve_probe",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pid", Integer, nullable=False),
    Column("started", Float, nullable=False),
    Column("ended", Float, nullable=False),
)

CALL = 5  # operations per applier call
CALL_SECONDS = 0.15  # how long the fake platform takes to answer one call


def probe_cycle(engine: Engine) -> Cycle:
    def cycle(_stop: threading.Event) -> RunResult:
        started = time.time()
        time.sleep(0.3)
        ended = time.time()
        with engine.begin() as conn:
            conn.execute(probe.insert().values(pid=os.getpid(), started=started, ended=ended))
        return RunResult(run_id=0, status="ok")

    return cycle


class SlowSink:
    """Answers field updates after CALL_SECONDS, logging every key it received to ``sent``."""

    platform = Platform.SALESFORCE

    def __init__(self, sent: Path) -> None:
        self.sent = sent

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        with self.sent.open("a") as out:
            out.writelines(u.key + "\n" for u in updates)
        time.sleep(CALL_SECONDS)
        return [WriteResult(u.key, WriteStatus.APPLIED, platform_id="id-" + u.key) for u in updates]


def apply_cycle(engine: Engine, plan_id: str, sent: Path) -> Cycle:
    sync.apply.CALL_SIZE = CALL
    sinks = {Platform.SALESFORCE: SlowSink(sent)}

    def cycle(stop: threading.Event) -> RunResult:
        stats = apply_plan(engine, plan_id, sinks, load_rules(), stop=stop)  # type: ignore[arg-type]
        return RunResult(run_id=0, applied=stats, status="stopped" if stats.stopped else "ok")

    return cycle


def wait_for_go(ready: Path, go: Path, timeout: float = 300.0) -> float:
    """Says it is ready, then waits for the test to write the first turn's epoch instant."""
    ready.touch()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = go.read_text().strip() if go.exists() else ""
        if text:
            return float(text)
        time.sleep(0.02)
    raise SystemExit(f"no start instant in {go} after {timeout} s")


def main(argv: list[str]) -> int:
    mode, url = argv[0], argv[1]
    engine = open_store(url)
    lock = StoreLock(engine, ttl=timedelta(minutes=1))
    start_at = None
    if mode == "turns":
        cycle, every = probe_cycle(engine), timedelta(seconds=1)
        start_at = datetime.fromtimestamp(wait_for_go(Path(argv[2]), Path(argv[3])), UTC)
    else:
        cycle, every = apply_cycle(engine, argv[2], Path(argv[3])), timedelta(hours=1)
    loop = ServeLoop(cycle, Schedule(interval=every), lock, renew_every=0.1)
    with stop_on_signals(loop.request_stop):
        code = loop.run(start_at=start_at)
    registry = loop.metrics.registry
    runs = {
        status: registry.get_sample_value("reengage_runs_total", {"status": status}) or 0
        for status in ("ok", "stopped", "failed")
    }
    skipped = registry.get_sample_value("reengage_lock_busy_total") or 0
    print(json.dumps({"pid": os.getpid(), "runs": runs, "skipped": skipped}), flush=True)
    engine.dispose()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
