"""The serve loop in-process with fake cycles: failures, lock contention, stop, exit codes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update

from config.rules import load_rules
from config.settings import Settings
from connectors.base import ApiUsage, Connector, Platform, StopRun
from sync.run import RunResult
from sync.serve.lock import StoreLock
from sync.serve.metrics import Metrics
from sync.serve.schedule import Schedule
from sync.serve.service import ServeLoop, stop_progress, sync_cycle
from sync.store.migrate import open_store
from sync.store.schema import locks, runs

FAST = Schedule(interval=timedelta(milliseconds=20))
TTL = timedelta(minutes=5)


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = open_store(sqlite_url)
    yield engine
    engine.dispose()


def ok(_stop: threading.Event) -> RunResult:
    return RunResult(run_id=0, status="ok")


def make_loop(engine: Engine, cycle: Callable[[threading.Event], RunResult]) -> ServeLoop:
    return ServeLoop(cycle, FAST, StoreLock(engine, ttl=TTL, holder="me"), renew_every=0.02)


def runs_of(loop: ServeLoop, status: str) -> float:
    value = loop.metrics.registry.get_sample_value("reengage_runs_total", {"status": status})
    return value or 0.0


def test_a_failed_run_does_not_end_the_loop(engine: Engine) -> None:
    outcomes: list[RunResult | Exception] = [
        RuntimeError("platform down"),
        RunResult(run_id=1, status="ok"),
        RunResult(run_id=2, status="ok"),
    ]
    holders: list[str | None] = []

    def cycle(_stop: threading.Event) -> RunResult:
        held = loop.lock.current()
        holders.append(held.holder if held else None)
        outcome = outcomes.pop(0)
        if not outcomes:
            loop.request_stop()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    loop = make_loop(engine, cycle)
    assert loop.run() == 0
    assert holders == ["me", "me", "me"]  # every run under the lock
    assert loop.lock.current() is None  # released after each run, failed ones too
    assert (runs_of(loop, "failed"), runs_of(loop, "ok")) == (1, 2)
    assert loop.health.snapshot()["last_status"] == "ok"


def test_a_held_lock_skips_the_turn(engine: Engine) -> None:
    other = StoreLock(engine, ttl=TTL, holder="other-host:42:ab")
    assert other.acquire()
    called: list[bool] = []

    def cycle(stop: threading.Event) -> RunResult:
        called.append(True)
        return ok(stop)

    loop = make_loop(engine, cycle)
    assert loop.turn() == "skipped"
    assert called == []
    assert loop.metrics.registry.get_sample_value("reengage_lock_busy_total") == 1
    held = other.current()
    assert held is not None and held.holder == "other-host:42:ab"  # untouched


def test_stop_reaches_the_running_cycle_and_ends_the_loop(engine: Engine) -> None:
    seen: list[bool] = []

    def cycle(stop: threading.Event) -> RunResult:
        assert not stop.is_set()
        loop.request_stop()  # SIGTERM while the run is in flight
        seen.append(stop.is_set())
        return RunResult(run_id=0, status="stopped")

    loop = make_loop(engine, cycle)
    assert loop.run() == 0
    assert seen == [True]  # one run only, and it was told to stop
    assert loop.health.snapshot()["status"] == "stopping"


def test_a_lost_lock_stops_the_run(engine: Engine) -> None:
    def cycle(stop: threading.Event) -> RunResult:
        with engine.begin() as conn:  # the lock expired and another process took it
            conn.execute(update(locks).values(holder="thief"))
        return RunResult(run_id=0, status="stopped" if stop.wait(2) else "ok")

    loop = make_loop(engine, cycle)
    assert loop.turn() == "stopped"
    held = loop.lock.current()
    assert held is not None and held.holder == "thief"  # release left the thief's row alone


def _raise(exc: BaseException) -> Callable[[threading.Event], RunResult]:
    def cycle(_stop: threading.Event) -> RunResult:
        raise exc

    return cycle


@pytest.mark.parametrize(
    ("cycle", "locked_by_other", "code"),
    [
        (ok, False, 0),
        (_raise(RuntimeError("boom")), False, 1),
        (_raise(StopRun("budget nearly spent")), False, 3),
        (ok, True, 0),
    ],
    ids=["ok", "failed", "budget-stop", "lock-busy"],
)
def test_once_exit_codes(
    engine: Engine, cycle: Callable[[threading.Event], RunResult], locked_by_other: bool, code: int
) -> None:
    if locked_by_other:
        assert StoreLock(engine, ttl=TTL, holder="other").acquire()
    assert make_loop(engine, cycle).run(once=True) == code


def test_stop_progress_ends_the_pull_after_the_stored_page() -> None:
    stop = threading.Event()
    progress = stop_progress(stop)
    progress("contacts", 100, False)  # not asked to stop: nothing happens
    stop.set()
    with pytest.raises(StopRun, match="shutdown"):
        progress("contacts", 100, False)


class StoppingSource:
    """A connector whose first read spends requests, then hits the daily budget."""

    platform = Platform.SALESFORCE

    def __init__(self) -> None:
        self.spent = ApiUsage(0, 0, 0.0)
        self.closed = False

    def read_owners(self) -> Any:
        self.spent = ApiUsage(7, 0, 0.95)
        raise StopRun("daily budget nearly spent", platform="salesforce")

    def read_records(self, _cursors: Any) -> Any:  # the rest of the source contract:
        return iter(())  # never reached (read_owners comes first)

    def read_activities(self, _cursors: Any) -> Any:
        return iter(())

    def read_deals(self, _cursors: Any) -> Any:
        return iter(())

    def usage(self) -> ApiUsage:
        return self.spent

    def close(self) -> None:
        self.closed = True


def test_sync_cycle_records_api_usage_and_closes_connectors(engine: Engine) -> None:
    built: list[StoppingSource] = []

    def connectors(_settings: Settings, _rules: Any) -> dict[Platform, Connector]:
        built.append(StoppingSource())
        return {Platform.SALESFORCE: built[-1]}

    metrics = Metrics()
    cycle = sync_cycle(engine, Settings(), load_rules(), metrics, connectors=connectors)
    loop = ServeLoop(cycle, FAST, StoreLock(engine, ttl=TTL), metrics=metrics)
    assert loop.turn() == "stopped"
    assert loop.turn() == "stopped"
    sample = metrics.registry.get_sample_value
    assert sample("reengage_api_requests_total", {"platform": "salesforce"}) == 14
    assert sample("reengage_daily_budget_used_ratio", {"platform": "salesforce"}) == 0.95
    assert [b.closed for b in built] == [True, True]
    with engine.connect() as conn:
        rows = conn.execute(runs.select()).all()
    assert [(r.kind, r.status) for r in rows] == [("sync", "stopped")] * 2


class UnreachableLock(StoreLock):
    def acquire(self) -> bool:
        raise OSError("connection refused")


def test_an_unreachable_store_fails_the_turn_not_the_loop(engine: Engine) -> None:
    called: list[bool] = []

    def cycle(stop: threading.Event) -> RunResult:
        called.append(True)
        return ok(stop)

    loop = ServeLoop(cycle, FAST, UnreachableLock(engine, ttl=TTL))
    assert loop.turn() == "failed"
    assert called == []
    assert runs_of(loop, "failed") == 1
    assert loop.health.snapshot()["last_status"] == "failed"
