"""The fault matrix: under each fault, and under all of them together, ``reengage sync --apply``
ends where a clean run ends, after at most one more run.

A reference world syncs once with no fault. Each row opens a world from the
same seed, switches its fault on, and runs ``reengage sync --apply`` as an
operator does (a process of its own, the sandbox's ``REENGAGE_*`` variables, one
``--as-of`` for every run); if the platforms do not yet hold what the reference
holds, one more run follows, the faults still on (the budget row: a new day,
the budget spent so far forgotten). Then both platforms must hold exactly the
reference's state: the same list and campaign members, the same reengage
fields and hand-off values, and the same tasks, each key once.

Slow (minutes: the 429 streak alone lasts two); the world has
``REENGAGE_TEST_MATRIX_PERSONS`` persons (200 unless set).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from config.rules import Rules, load_rules
from sync.cli.demo import DEMO_TEN_SECOND_LIMIT
from tests.e2e.readback import PlatformState, Readback, read_back
from tests.e2e.world import World, open_world, salesforce_writes

PERSONS = int(os.environ.get("REENGAGE_TEST_MATRIX_PERSONS", "200"))
REPO = Path(__file__).resolve().parents[2]
STREAK_SECONDS = 120.0  # a 429 streak of two minutes (reengage waits up to 300 s)
INDEX_DELAY_MS = 5_000  # HubSpot search a few seconds behind, as with lost answers it matters
WINDOW = 10  # a HubSpot ten-second window of 10 requests
SESSION_REQUESTS = 500  # a Salesforce session expires after this many requests...
SESSIONS_PER_RUN = 3  # ...or sooner, so that a small world's run sees it expire a few times
SEEDS = (1, 22)  # HubSpot: the task create (12th write at 200 persons) loses its answer

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Reference:
    """The clean run's platform state, and what its Salesforce budget use looked like."""

    seen: Readback
    salesforce_requests: int  # requests the run spent from the Salesforce daily budget
    salesforce_writes: int  # of which writes (the apply)


def sync(world: World) -> subprocess.CompletedProcess[str]:
    """``reengage sync --apply`` in a process of its own, as of the world's "now"."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
    env.update(world.child_environment())
    args = ["sync", "--apply", "--quiet", "--as-of", world.as_of.isoformat()]
    return subprocess.run(
        [sys.executable, "-m", "sync.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=1200,
    )


def comparable(seen: Readback) -> dict[str, Any]:
    """What must match the reference: members, fields, hand-off values and tasks (no ids)."""

    def side(state: PlatformState) -> dict[str, Any]:
        tasks = sorted((t.key, t.record_id, t.due, t.priority, t.owner) for t in state.tasks)
        return {
            "members": state.members,
            "fields": state.fields,
            "handoff": state.handoff,
            "tasks": tasks,
        }

    return {"hubspot": side(seen.hubspot), "salesforce": side(seen.salesforce)}


def twice(seen: Readback) -> dict[str, list[str]]:
    """Task keys held more than once, per platform."""
    return {
        "hubspot": [k for k, n in seen.hubspot.task_keys().items() if n > 1],
        "salesforce": [k for k, n in seen.salesforce.task_keys().items() if n > 1],
    }


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, rules: Rules) -> Iterator[Reference]:
    world = open_world(Path(tmp_path_factory.mktemp("reference")), PERSONS, rules)
    try:
        budget = world.box.salesforce.state.budget
        before = budget.used
        world.box.salesforce.state.reset_counts()
        done = sync(world)
        assert done.returncode == 0, done.stderr[-3000:]
        writes = sum(salesforce_writes(world.box).values())
        yield Reference(read_back(world.box, rules), budget.used - before, writes)
    finally:
        world.close()


# ----- the faults ---------------------------------------------------------------------------


def five_xx(world: World, ref: Reference) -> None:
    for faults in (world.box.hubspot.faults, world.box.salesforce.faults):
        faults.error_rate = 0.10


def drops(world: World, ref: Reference) -> None:
    for faults in (world.box.hubspot.faults, world.box.salesforce.faults):
        faults.drop_rate = 0.05


def lost_answers(world: World, ref: Reference) -> None:
    world.box.hubspot.state.index_delay_ms = INDEX_DELAY_MS
    for faults in (world.box.hubspot.faults, world.box.salesforce.faults):
        faults.lost_answer_rate = 0.10


def streak(world: World, ref: Reference) -> None:
    world.box.hubspot.faults.rate_limit_for(STREAK_SECONDS)


def spikes(world: World, ref: Reference) -> None:
    for faults in (world.box.hubspot.faults, world.box.salesforce.faults):
        faults.spike_rate, faults.spike_seconds = 0.05, 3.0


def session_expiry(world: World, ref: Reference) -> None:
    """Every 500 requests, or every third of the clean run's requests if that is fewer."""
    every = min(SESSION_REQUESTS, ref.salesforce_requests // SESSIONS_PER_RUN)
    world.box.salesforce.session_expires_after = max(every, 5)


def budget(world: World, ref: Reference) -> None:
    """The Salesforce daily allocation sized so that reengage's share of it is used up halfway
    through the apply: reengage stops before the run's request number ``k``, the clean run's
    first write plus half its writes (the writes come last)."""
    allocation = world.box.salesforce.state.budget
    share = world.settings.salesforce.daily_budget_share
    k = ref.salesforce_requests - ref.salesforce_writes + 1 + ref.salesforce_writes // 2
    allocation.max = math.floor((allocation.used + k - 1) / share)


def seeded(world: World) -> None:
    """Each platform's faults drawn from a seed of its own. A small world's run makes few
    Salesforce requests (about 30, 3 of them writes, at 200 persons), so its seed is one
    whose third draw fires even a 5% fault: the third write (the task create) loses its
    answer, the third request drops or spikes."""
    for faults, seed in zip(
        (world.box.hubspot.faults, world.box.salesforce.faults), SEEDS, strict=True
    ):
        faults.seed = seed
        faults.reset()


def everything(world: World, ref: Reference) -> None:
    for arm in (five_xx, drops, lost_answers, streak, spikes, session_expiry, budget):
        arm(world, ref)


def new_day(world: World) -> None:
    """The next day: the Salesforce budget spent so far is forgotten."""
    world.box.salesforce.state.budget.used = 0


@dataclass(frozen=True)
class Row:
    arm: Callable[[World, Reference], None]
    window: int = DEMO_TEN_SECOND_LIMIT
    between: Callable[[World], None] | None = None
    first_exit: int | None = None  # the first run's exit code, when the row fixes it
    fired: Callable[[World], bool] = lambda world: True  # the fault did happen


def counted(kind: str, *, salesforce: bool = True) -> Callable[[World], bool]:
    def fired(world: World) -> bool:
        boxes = [world.box.hubspot.faults] + ([world.box.salesforce.faults] if salesforce else [])
        return all(f.counts.get(kind, 0) > 0 for f in boxes)

    return fired


def expired(world: World) -> bool:
    return any(s.expired for s in world.box.salesforce.state.sessions.values())


def all_fired(world: World) -> bool:
    """Every kind on HubSpot; on Salesforce, with its few requests, some fault and expiry."""
    kinds = ("server_error", "drop", "lost_answer", "spike", "rate_limited")
    hubspot = all(counted(k, salesforce=False)(world) for k in kinds)
    return hubspot and bool(world.box.salesforce.faults.counts) and expired(world)


ROWS = {
    "5xx-10pct": Row(five_xx, fired=counted("server_error")),
    "dropped-connections": Row(drops, fired=counted("drop")),
    "lost-answers": Row(lost_answers, fired=counted("lost_answer")),
    "429-streak-2min": Row(streak, first_exit=0, fired=counted("rate_limited", salesforce=False)),
    "latency-spikes": Row(spikes, fired=counted("spike")),
    "session-expiry": Row(session_expiry, fired=expired),
    "budget-mid-apply": Row(budget, between=new_day, first_exit=3),
    "hubspot-window-10": Row(lambda world, ref: None, window=WINDOW),
    "all-together": Row(everything, window=WINDOW, between=new_day, fired=all_fired),
}


@pytest.mark.parametrize("name", list(ROWS))
def test_a_faulty_run_ends_where_the_clean_run_ends(
    name: str, reference: Reference, rules: Rules, tmp_path: Path
) -> None:
    row = ROWS[name]
    world = open_world(tmp_path, PERSONS, rules, ten_second_limit=row.window)
    try:
        seeded(world)
        row.arm(world, reference)
        started = time.monotonic()
        runs = [sync(world)]
        if row.first_exit is not None:
            assert runs[0].returncode == row.first_exit, runs[0].stderr[-3000:]
        if comparable(read_back(world.box, rules)) != comparable(reference.seen):
            if row.between is not None:
                row.between(world)
            runs.append(sync(world))
        seen = read_back(world.box, rules)
        took = time.monotonic() - started
        counts = (world.box.hubspot.faults.counts, world.box.salesforce.faults.counts)
        codes = [r.returncode for r in runs]
        print(f"\n{name}: {len(runs)} run(s), exit {codes}, {took:.0f} s, faults {counts}")
        assert row.fired(world), f"{name}: the fault never happened ({counts})"
        assert runs[-1].returncode == 0, runs[-1].stderr[-3000:]
        assert twice(seen) == {"hubspot": [], "salesforce": []}
        assert comparable(seen) == comparable(reference.seen)
    finally:
        world.close()
