"""Kill trials through the real command: ``reengage sync --apply`` (and ``backfill``) SIGKILLed,
rerun until done, and compared with an uninterrupted run.

A trial opens a world (both emulators and a fresh SQLite store, :func:`~tests.e2e.world.open_world`)
and runs ``python -m sync.cli sync --apply --as-of T`` as a process, the way an operator's cron
does. The process is killed

* by the sandbox at a dangerous point (:mod:`connectors.sandbox.killpoints`): right after a
  platform sent the answer of the k-th write of a kind — the platform acted, the process never
  journaled it; or
* by the harness, with SIGKILL at a random moment.

Then the same command is run again until it exits 0; a run that exits 3 because the dead run
still holds the store's lock is waited for (the wait is recorded) and retried. What both
platforms hold is then compared with the *reference*: a world from the same seed and size on
which the same commands ran uninterrupted. Worlds are deterministic for a seed, so one
reference serves every trial of a size. Trials may run side by side in threads: each has its
own sandbox, store and processes; only opening a world is done one at a time.

Phases: ``first`` is the world's first sync, at T (field updates, list / campaign additions,
task creates); ``second`` is a sync at T + 21 days after an uninterrupted one at T (removals
too). A ``backfill`` trial kills ``reengage backfill`` at a random moment, then finishes with
``backfill`` and ``sync --apply --as-of T``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from config.rules import Rules
from connectors.sandbox.killpoints import KINDS
from tests.e2e.readback import Readback, read_back
from tests.e2e.world import World, open_world

SECOND_AFTER = timedelta(days=21)
MAX_RUNS = 12  # runs of one command before a trial gives up (lock refusals not counted)
LOCK_POLL = 0.25  # seconds between tries while a dead run's lock is held
LOCK_GIVE_UP = 120.0
TIMEOUT = 300.0
HELD = "holds the store"  # the refusal's wording (sync/cli_run.py)
OPENING = threading.Lock()  # worlds open one at a time (store migrations are not thread-safe)

# (platform, kind, phase): where the sandbox kills; every kind a sync writes, on both platforms
SANDBOX_POINTS: list[tuple[str, str, str]] = [
    ("hubspot", "contact_update", "first"),
    ("hubspot", "member_add", "first"),
    ("hubspot", "task_create", "first"),
    ("hubspot", "member_remove", "second"),
    ("hubspot", "member_add", "second"),
    ("hubspot", "task_create", "second"),
    ("salesforce", "field_update", "first"),
    ("salesforce", "member_add", "first"),
    ("salesforce", "task_create", "first"),
    ("salesforce", "member_remove", "second"),
    ("salesforce", "field_update", "second"),
    ("salesforce", "task_create", "second"),
]


@dataclass(frozen=True)
class Trial:
    """One trial: which command is killed, in which phase, where (None: a random moment)."""

    seed: int
    command: str = "sync"  # sync / backfill
    phase: str = "first"
    point: tuple[str, str] | None = None  # (platform, kind) for a sandbox kill point

    def describe(self) -> str:
        where = f"{self.point[0]} {self.point[1]}" if self.point else "random moment"
        return f"#{self.seed} {self.command} {self.phase}: {where}"


@dataclass
class Reference:
    """What an uninterrupted run leaves after each phase, its write counts and its length."""

    seen: dict[str, Readback]
    writes: dict[str, Counter[tuple[str, str]]]
    seconds: dict[str, float]


@dataclass
class Outcome:
    """One trial's result: how the kill landed, the runs after it, and the differences."""

    trial: Trial
    kill: str  # "hubspot task_create #1", "random 4.21 s", or "ended before ..."
    killed: bool
    exit_codes: list[int] = field(default_factory=list)
    lock_wait: float = 0.0
    differences: Counter[str] = field(default_factory=Counter)
    detail: list[str] = field(default_factory=list)

    def line(self) -> str:
        diffs = ", ".join(f"{k} {n}" for k, n in sorted(self.differences.items()) if n) or "none"
        return (
            f"{self.trial.describe()}: kill {self.kill}; runs after {self.exit_codes}; "
            f"lock wait {self.lock_wait:.1f} s; differences: {diffs}"
        )


def as_of(world: World, phase: str) -> datetime:
    return world.as_of + (SECOND_AFTER if phase == "second" else timedelta(0))


def command(world: World, name: str, phase: str = "first") -> list[str]:
    if name == "backfill":
        return ["backfill", "--quiet"]
    return ["sync", "--apply", "--as-of", as_of(world, phase).isoformat(), "--quiet"]


def start(world: World, args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """``reengage ARGS`` as a process against ``world`` (output to ``log``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REENGAGE_")}
    env.update(world.child_environment())
    with log.open("ab") as out:
        out.write(f"$ reengage {' '.join(args)}\n".encode())
        return subprocess.Popen(
            [sys.executable, "-m", "sync.cli", *args], env=env, stdout=out, stderr=out
        )


def run_until_done(world: World, args: list[str], log: Path, outcome: Outcome) -> None:
    """Runs the command until it exits 0; a run refused because a (dead) run holds the store's
    lock is retried at once and the time until a run got the lock is recorded."""
    refused_since: float | None = None
    while len(outcome.exit_codes) < MAX_RUNS:
        began = time.monotonic()
        before = log.stat().st_size if log.exists() else 0
        code = start(world, args, log).wait(timeout=TIMEOUT)
        if code == 3 and HELD in log.read_text(errors="replace")[before:]:
            refused_since = began if refused_since is None else refused_since
            if began - refused_since > LOCK_GIVE_UP:
                raise AssertionError(f"the store stayed locked for {LOCK_GIVE_UP} s: {log}")
            time.sleep(LOCK_POLL)
            continue
        if refused_since is not None:
            outcome.lock_wait = max(outcome.lock_wait, began - refused_since)
            refused_since = None
        outcome.exit_codes.append(code)
        if code == 0:
            return
    raise AssertionError(f"{' '.join(args)} never finished: exit codes {outcome.exit_codes}")


def run_timed(world: World, args: list[str], log: Path) -> float:
    """Runs a command once, uninterrupted; answers its seconds (it must exit 0)."""
    started = time.monotonic()
    code = start(world, args, log).wait(timeout=TIMEOUT)
    if code != 0:
        raise AssertionError(f"reengage {' '.join(args)} exited {code}: see {log}")
    return time.monotonic() - started


def _write_counts(world: World) -> Counter[tuple[str, str]]:
    box = world.box
    return Counter({(p, k): n for p in KINDS for k, n in box.kill_points(p).counts.items() if n})


def _reset_counts(world: World) -> None:
    for platform in KINDS:
        world.box.kill_points(platform).reset()


def make_reference(folder: Path, persons: int, rules: Rules, phases: tuple[str, ...]) -> Reference:
    """Runs each phase's sync uninterrupted on a fresh world and keeps what it left."""
    world = open_world(folder, persons, rules)
    ref = Reference({}, {}, {})
    try:
        for phase in phases:
            _reset_counts(world)
            ref.seconds[phase] = run_timed(world, command(world, "sync", phase), folder / "log")
            ref.writes[phase] = _write_counts(world)
            ref.seen[phase] = read_back(world.box, world.rules)
    finally:
        world.close()
    return ref


def kill_at_point(
    world: World, trial: Trial, ref: Reference, rng: random.Random, log: Path
) -> tuple[str, bool]:
    """Runs the phase's sync with the sandbox armed to kill it after a drawn k-th write."""
    assert trial.point is not None
    platform, kind = trial.point
    written = ref.writes[trial.phase][(platform, kind)]
    if written == 0:
        raise AssertionError(f"the reference wrote no {platform} {kind} in phase {trial.phase}")
    after = rng.randint(1, written)
    proc = start(world, command(world, "sync", trial.phase), log)
    world.box.arm_kill(proc.pid, platform=platform, kind=kind, after=after)
    code = proc.wait(timeout=TIMEOUT)
    world.box.disarm_kill()
    fired = world.box.kill_points(platform).fired
    killed = code == -signal.SIGKILL and bool(fired) and fired[-1].pid == proc.pid
    return f"{platform} {kind} #{after} of {written}", killed


def kill_at_random(
    world: World, args: list[str], window: float, rng: random.Random, log: Path
) -> tuple[str, bool]:
    """Runs a command and SIGKILLs it at a random moment within ``window`` seconds."""
    delay = rng.uniform(0.2, window)
    proc = start(world, args, log)
    try:
        code = proc.wait(timeout=delay)
        return f"random {delay:.2f} s (ended first, exit {code})", False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    return f"random {delay:.2f} s", proc.wait(timeout=TIMEOUT) == -signal.SIGKILL


def run_trial(folder: Path, persons: int, rules: Rules, trial: Trial, ref: Reference) -> Outcome:
    """Opens a trial world, kills the command as ``trial`` says, reruns it until done and
    compares what both platforms hold with the reference."""
    rng = random.Random(trial.seed)
    with OPENING:
        world = open_world(folder, persons, rules)
    log = folder / "log"
    try:
        if trial.phase == "second":
            run_timed(world, command(world, "sync", "first"), log)
        if trial.command == "backfill":
            window = ref.seconds["first"]
            kill, killed = kill_at_random(world, command(world, "backfill"), window, rng, log)
        elif trial.point is not None:
            kill, killed = kill_at_point(world, trial, ref, rng, log)
        else:
            window = ref.seconds[trial.phase]
            args = command(world, "sync", trial.phase)
            kill, killed = kill_at_random(world, args, window, rng, log)
        outcome = Outcome(trial, kill, killed)
        if trial.command == "backfill":
            run_until_done(world, command(world, "backfill"), log, outcome)
        run_until_done(world, command(world, "sync", trial.phase), log, outcome)
        compare(ref.seen[trial.phase], read_back(world.box, world.rules), outcome)
    finally:
        world.close()
    return outcome


def compare(ref: Readback, got: Readback, outcome: Outcome) -> None:
    """Counts, per platform, what the trial world holds that the reference does not (and the
    reverse): duplicate, missing and extra tasks (by idempotency key), lost and extra list /
    campaign memberships, and stale fields (a record's reengage fields or hand-off value, or a
    task's record, due date, priority or owner, differing from the reference)."""
    diffs, detail = outcome.differences, outcome.detail
    for platform in ("hubspot", "salesforce"):
        want, have = getattr(ref, platform), getattr(got, platform)
        keys, wanted = have.task_keys(), want.task_keys()
        diffs["duplicate tasks"] += sum(n - 1 for n in keys.values() if n > 1)
        diffs["missing tasks"] += len(set(wanted) - set(keys))
        diffs["extra tasks"] += len(set(keys) - set(wanted))
        for name in sorted(set(want.members) | set(have.members)):
            lost = want.members.get(name, frozenset()) - have.members.get(name, frozenset())
            extra = have.members.get(name, frozenset()) - want.members.get(name, frozenset())
            diffs["lost memberships"] += len(lost)
            diffs["extra memberships"] += len(extra)
            if lost or extra:
                detail.append(f"{platform} {name}: lost {sorted(lost)}, extra {sorted(extra)}")
        for rid in sorted(set(want.fields) | set(have.fields)):
            fields = (want.fields.get(rid), want.handoff.get(rid))
            if fields != (have.fields.get(rid), have.handoff.get(rid)):
                diffs["stale fields"] += 1
                detail.append(f"{platform} {rid}: {have.fields.get(rid)} != {fields[0]}")
        shape = {t.key: (t.record_id, t.due, t.priority, t.owner) for t in want.tasks}
        for task in have.tasks:
            if (
                task.key in shape
                and (task.record_id, task.due, task.priority, task.owner) != (shape[task.key])
            ):
                diffs["stale fields"] += 1
                detail.append(f"{platform} task {task.key}: differs from the reference")
        dupes = sorted(k for k, n in keys.items() if n > 1)
        if dupes:
            detail.append(f"{platform} duplicate task keys: {dupes}")


@dataclass
class Summary:
    """What a series of trials found, for the log and the report."""

    outcomes: list[Outcome]

    def total(self, difference: str) -> int:
        return sum(o.differences[difference] for o in self.outcomes)

    @property
    def failures(self) -> int:
        return sum(sum(o.differences.values()) for o in self.outcomes)

    @property
    def longest_lock_wait(self) -> float:
        return max((o.lock_wait for o in self.outcomes), default=0.0)

    def text(self) -> str:
        points = Counter(
            f"{o.trial.point[0]} {o.trial.point[1]} ({o.trial.phase})"
            for o in self.outcomes
            if o.trial.point and o.killed
        )
        randoms = [o for o in self.outcomes if o.trial.point is None]
        lines = [o.line() for o in self.outcomes]
        lines += [
            f"trials: {len(self.outcomes)}; killed: {sum(o.killed for o in self.outcomes)} "
            f"(sandbox kill points {sum(points.values())}, random moments "
            f"{sum(o.killed for o in randoms)} of {len(randoms)})",
            "kill points hit: " + ", ".join(f"{k} x{n}" for k, n in sorted(points.items())),
            f"duplicates: {self.total('duplicate tasks')}; lost memberships: "
            f"{self.total('lost memberships')}; extra memberships: "
            f"{self.total('extra memberships')}; stale fields: {self.total('stale fields')}; "
            f"missing tasks: {self.total('missing tasks')}; extra tasks: "
            f"{self.total('extra tasks')}",
            f"longest wait caused by a dead run's lock: {self.longest_lock_wait:.1f} s",
        ]
        return "\n".join(lines)


def plan_trials(count: int, seed: int) -> list[Trial]:
    """``count`` trials: the first three are the CI ones (a sandbox kill right after a HubSpot
    task create, one right after a Salesforce campaign-member insert, a random moment); more
    cycle through every sandbox kill point, random moments of each phase and backfill kills."""
    ci = [
        Trial(seed, point=("hubspot", "task_create")),
        Trial(seed + 1, point=("salesforce", "member_add")),
        Trial(seed + 2),
    ]
    extra = [Trial(0, "sync", phase, (platform, kind)) for platform, kind, phase in SANDBOX_POINTS]
    extra += [Trial(0, "sync", "first"), Trial(0, "sync", "second"), Trial(0, "backfill")]
    trials = ci[:count]
    for n in range(len(trials), count):
        t = extra[(n - len(ci)) % len(extra)]
        trials.append(Trial(seed + n, t.command, t.phase, t.point))
    return trials


def phases_of(trials: list[Trial]) -> tuple[str, ...]:
    return ("first", "second") if any(t.phase == "second" for t in trials) else ("first",)
