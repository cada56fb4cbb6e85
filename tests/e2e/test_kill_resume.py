"""An apply killed at 20+ points and restarted until done ends where an uninterrupted one does.

Two sandboxes hold the same generated world (same seed, size and now). World A
is pulled, classified and planned; its store, with the saved plan, is copied
for world B. A applies the plan in one go: the reference. B applies it in a
child process (:mod:`tests.e2e.apply_child`, pointed at B through ``REENGAGE_*``
variables and sharing B's SQLite store) that is killed again and again, at kill
points spread over the whole apply, half of them deterministic — right after a
connector returned, before the journal write — and half SIGKILLs at a random
moment once the child reached a given call. A few milliseconds of latency on B
make random kills land mid-request too. B's sandbox runs in this process the
whole time. Afterwards B must hold what A holds: the same list / campaign
members and field values, every task exactly once (counted by idempotency key on
both platforms), and every operation journaled as applied.
"""

from __future__ import annotations

import math
import random
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from config.rules import load_rules
from sync.plan import OpKind
from sync.run import CycleOptions, apply_all, run_cycle
from sync.store.journal import pending
from sync.store.schema import operations
from tests.e2e.killer import Children, ChildRun, child_environment
from tests.e2e.readback import Readback, read_back
from tests.e2e.world import World, open_world

KILLS = 22
MIN_KILLS = 20
CALLS_WANTED = 60  # applier calls the plan is cut into: room for the kill points
LATENCY = 0.004
JITTER = 0.03
FINAL_RUNS = 5
AHEAD = 2  # child processes started ahead

SIZES = [
    pytest.param(1500, id="1500-persons"),
    pytest.param(5000, id="5000-persons", marks=pytest.mark.slow),
]


@dataclass
class Pair:
    """The reference world and the world whose apply is killed, with the plan both apply."""

    reference: World
    killed: World
    plan_id: str


@pytest.fixture(scope="module", params=SIZES)
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    rules = load_rules()
    persons = int(request.param)
    a = open_world(tmp_path_factory.mktemp("reference"), persons, rules)
    b = None
    try:
        result = run_cycle(
            a.engine,
            a.connectors,
            rules,
            CycleOptions(kind="sync", as_of=a.as_of, plan=True, apply=False),
        )
        assert result.plan_id is not None and result.plan
        b = open_world(tmp_path_factory.mktemp("killed"), persons, rules, ten_second_limit=100_000)
        b.engine.dispose()
        shutil.copyfile(a.store_path, b.store_path)
        yield Pair(a, b, result.plan_id)
    finally:
        a.close()
        if b is not None:
            b.close()


@dataclass(frozen=True, repr=False)
class Outcome:
    reference: Readback
    killed: Readback
    runs: list[ChildRun]


def _call_size_and_count(world: World, plan_id: str) -> tuple[int, int]:
    """The call size that cuts the plan into about CALLS_WANTED connector calls, and the calls."""
    with world.engine.connect() as conn:
        todo = [e.operation for e in pending(conn, plan_id) if e.operation.platform is not None]
    size = max(10, len(todo) // CALLS_WANTED)
    groups = Counter((o.platform, o.op) for o in todo)
    return size, sum(math.ceil(n / size) for n in groups.values())


def _kill_and_resume(p: Pair) -> list[ChildRun]:
    """Kills the apply at KILLS points spread over its calls, then runs it to its end."""
    rng = random.Random(20261123)
    size, calls = _call_size_and_count(p.killed, p.plan_id)
    env = child_environment(p.killed.child_environment(), E2E_CALL_SIZE=str(size))
    targets = sorted(rng.sample(range(calls - 2), KILLS))  # calls journaled before each kill
    runs: list[ChildRun] = []
    journaled = 0
    children = Children(env, p.plan_id, ahead=AHEAD)
    try:
        for n, target in enumerate(targets):
            child, need = children.next(), max(0, target - journaled)
            if n % 2 == 0:
                child.go(die_after=need + 1)
                run = child.finish()
            else:
                child.go()
                run = child.finish(kill_after=need, jitter=JITTER, rng=rng)
            runs.append(run)
            journaled += run.journaled
            assert run.outcome in ("hook", "signal", "done"), run
        for _ in range(FINAL_RUNS):
            child = children.next()
            child.go()
            runs.append(child.finish())
            if runs[-1].finished:
                break
    finally:
        children.close()
    return runs


@pytest.fixture(scope="module")
def outcome(pair: Pair) -> Outcome:
    a, b = pair.reference, pair.killed
    b.box.hubspot.faults.latency = b.box.salesforce.faults.latency = LATENCY
    try:
        runs = _kill_and_resume(pair)
    finally:
        b.box.hubspot.faults.latency = b.box.salesforce.faults.latency = 0.0
    stats = apply_all(a.engine, pair.plan_id, a.connectors, a.rules)
    assert stats.total("failed") == 0
    kinds = Counter(r.outcome for r in runs)
    print(
        f"\n{len(runs)} child runs: {dict(kinds)}; journaled calls {sum(r.journaled for r in runs)}"
    )
    return Outcome(read_back(a.box, a.rules), read_back(b.box, b.rules), runs)


def test_the_apply_was_killed_at_twenty_points_and_finished(outcome: Outcome) -> None:
    kinds = Counter(r.outcome for r in outcome.runs)
    assert kinds["hook"] + kinds["signal"] >= MIN_KILLS, kinds
    assert kinds["hook"] >= MIN_KILLS // 2, kinds
    assert outcome.runs[-1].finished, outcome.runs[-1]


def test_every_operation_is_journaled_as_applied(pair: Pair, outcome: Outcome) -> None:
    with pair.killed.engine.connect() as conn:
        states: dict[str, int] = dict(
            conn.execute(
                select(operations.c.status, func.count())
                .where(operations.c.plan_id == pair.plan_id)
                .group_by(operations.c.status)
            ).all()
        )
    assert set(states) == {"applied"}, states


def test_memberships_and_fields_equal_the_uninterrupted_run(outcome: Outcome) -> None:
    for platform in ("hubspot", "salesforce"):
        ref, got = getattr(outcome.reference, platform), getattr(outcome.killed, platform)
        assert got.members == ref.members, platform
        assert got.fields == ref.fields, platform
        assert got.handoff == ref.handoff, platform


def test_no_membership_is_lost(pair: Pair, outcome: Outcome) -> None:
    with pair.killed.engine.connect() as conn:
        rows = conn.execute(
            select(operations.c.platform, operations.c.target, operations.c.record_id).where(
                operations.c.plan_id == pair.plan_id, operations.c.op == OpKind.ADD_MEMBER.value
            )
        ).all()
    assert rows
    for platform, target, record_id in rows:
        assert record_id in getattr(outcome.killed, platform).members[target]


def test_every_task_exists_exactly_once(pair: Pair, outcome: Outcome) -> None:
    with pair.killed.engine.connect() as conn:
        planned = set(
            conn.execute(
                select(operations.c.idempotency_key).where(
                    operations.c.plan_id == pair.plan_id,
                    operations.c.op == OpKind.CREATE_TASK.value,
                )
            ).scalars()
        )
    for seen in (outcome.killed, outcome.reference):
        keys = seen.hubspot.task_keys() + seen.salesforce.task_keys()
        assert [k for k, n in keys.items() if n > 1] == []
        assert set(keys) == planned
    by_key = {
        t.key: t for t in outcome.reference.hubspot.tasks + outcome.reference.salesforce.tasks
    }
    for task in outcome.killed.hubspot.tasks + outcome.killed.salesforce.tasks:
        ref = by_key[task.key]
        assert (task.platform, task.record_id, task.due, task.priority) == (
            ref.platform, ref.record_id, ref.due, ref.priority,
        )  # fmt: skip
