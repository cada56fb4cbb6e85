"""The kill trials' comparison counts each kind of difference from the reference."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.e2e.kill_compare import Held, Outcome, Summary, compare
from tests.e2e.kill_harness import Trial
from tests.e2e.readback import PlatformState, Readback, TaskSeen


def task(key: str, record: str = "r1", priority: str = "HIGH") -> TaskSeen:
    return TaskSeen("hubspot", f"id-{key}", key, record, date(2026, 11, 30), priority, "o1")


def state(
    members: dict[str, frozenset[str]], fields: dict[str, dict[str, Any]], tasks: list[TaskSeen]
) -> PlatformState:
    handoff = {rid: None for rid in fields}
    return PlatformState(members, fields, handoff, tuple(tasks), {}, frozenset())


EMPTY = state({}, {}, [])
REFERENCE = Held(
    Readback(
        state({"L": frozenset({"r1", "r2"})}, {"r1": {"f": "a"}}, [task("k1"), task("k2")]),
        EMPTY,
    ),
    {("hubspot", "k1"): "NOT_STARTED", ("hubspot", "k2"): "NOT_STARTED"},
)


def differences(got: Held) -> dict[str, int]:
    outcome = Outcome(Trial(1), "test", killed=True)
    compare(REFERENCE, got, outcome)
    return {k: n for k, n in outcome.differences.items() if n}


def test_the_same_state_has_no_difference() -> None:
    assert differences(REFERENCE) == {}


def test_each_difference_is_counted() -> None:
    tasks = [task("k1"), task("k1"), task("k3", priority="LOW")]
    got = Held(
        Readback(state({"L": frozenset({"r1", "r3"})}, {"r1": {"f": "b"}}, tasks), EMPTY),
        {("hubspot", "k1"): "COMPLETED", ("hubspot", "k3"): "NOT_STARTED"},
    )
    assert differences(got) == {
        "duplicate tasks": 1,  # k1 twice
        "missing tasks": 1,  # k2
        "extra tasks": 1,  # k3
        "lost memberships": 1,  # r2
        "extra memberships": 1,  # r3
        "stale fields": 2,  # r1's field, k1's status
    }


def test_a_changed_task_is_a_stale_field() -> None:
    ref = REFERENCE.seen.hubspot
    moved = state(dict(ref.members), dict(ref.fields), [task("k1", record="r9"), task("k2")])
    got = Held(Readback(moved, EMPTY), REFERENCE.task_status)
    assert differences(got) == {"stale fields": 1}


def test_the_summary_adds_the_trials_up() -> None:
    first = Outcome(Trial(1, point=("hubspot", "task_create")), "hubspot task_create #1", True)
    first.differences["duplicate tasks"] = 2
    second = Outcome(Trial(2), "random 1.00 s", True, lock_wait=3.5)
    summary = Summary([first, second])
    assert summary.failures == 2
    assert summary.longest_lock_wait == 3.5
    assert "duplicates: 2; lost memberships: 0" in summary.text()
    assert "hubspot task_create (first) x1" in summary.text()
