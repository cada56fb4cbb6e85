"""Each serve turn tells its outcome once; the command prints it as one result line."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from connectors.base import StopRun
from sync.apply import ApplyStats
from sync.cli.serve import turn_line
from sync.pull import PullStats
from sync.run import RunResult
from sync.serve.lock import StoreLock
from sync.serve.schedule import Schedule
from sync.serve.service import ServeLoop, Turn

TTL = timedelta(minutes=5)
AT = datetime(2026, 12, 2, 3, 30, tzinfo=UTC)


def loop_telling(engine: Engine, cycle: object, told: list[Turn]) -> ServeLoop:
    return ServeLoop(
        cycle,  # type: ignore[arg-type]
        Schedule(interval=timedelta(minutes=1)),
        StoreLock(engine, ttl=TTL, holder="me"),
        clock=lambda: AT,
        on_turn=told.append,
    )


def test_once_tells_exactly_one_turn(engine: Engine) -> None:
    told: list[Turn] = []
    result = RunResult(run_id=1, status="ok")
    loop = loop_telling(engine, lambda _stop: result, told)
    assert loop.run(once=True) == 0
    assert [(t.status, t.result) for t in told] == [("ok", result)]


def test_a_busy_store_is_told_as_skipped(engine: Engine) -> None:
    assert StoreLock(engine, ttl=TTL, holder="other").acquire()
    told: list[Turn] = []
    loop = loop_telling(engine, lambda _stop: RunResult(run_id=1, status="ok"), told)
    assert loop.turn() == "skipped"
    assert [turn_line(t) for t in told] == [
        "2026-12-02T03:30:00Z sync skipped: another run holds the store"
    ]


def test_a_stopped_run_is_told_with_its_reason(engine: Engine) -> None:
    def cycle(_stop: threading.Event) -> RunResult:
        raise StopRun("the daily API allocation is spent")

    told: list[Turn] = []
    assert loop_telling(engine, cycle, told).run(once=True) == 3
    assert len(told) == 1
    line = turn_line(told[0])
    assert line.startswith("2026-12-02T03:30:00Z sync stopped: the daily API allocation is spent (")


def test_a_failing_hook_ends_no_loop(engine: Engine) -> None:
    def broken(_turn: Turn) -> None:
        raise OSError("stdout closed")

    loop = ServeLoop(
        lambda _stop: RunResult(run_id=1, status="ok"),
        Schedule(interval=timedelta(minutes=1)),
        StoreLock(engine, ttl=TTL, holder="me"),
        on_turn=broken,
    )
    assert loop.run(once=True) == 0


def test_the_result_line_says_what_was_read_planned_and_applied() -> None:
    applied = ApplyStats()
    applied.applied[("hubspot", "add_to_list")] = 3
    result = RunResult(
        run_id=1,
        status="ok",
        pulled=[
            PullStats("hubspot", records=10, activities=40, deals=1),
            PullStats("salesforce", records=2),
        ],
        applied=applied,
    )
    assert turn_line(Turn(AT, "ok", 4.21, result)) == (
        "2026-12-02T03:30:00Z sync ok: read 12 records, 40 activities, 1 deals, applied 3, "
        "failed 0 (4.2 s)"
    )
