"""Kill trials through the real command: ``reengage sync --apply`` (and ``backfill``) SIGKILLed,
rerun until done, and compared with an uninterrupted run.

A trial opens a world (both emulators and a fresh SQLite store, :func:`~tests.e2e.world.open_world`)
and runs ``python -m sync.cli sync --apply --as-of T`` as a process, the way an operator's cron
does. The process is killed

* by the sandbox at a dangerous point (:mod:`sandbox.killpoints`): right after a
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
too); ``forget-hubspot`` / ``forget-salesforce`` is ``reengage forget EMAIL`` after the sync at
T, for a person holding a reengage task on that platform (task closes: no sync closes a
task). A ``backfill`` trial kills ``reengage backfill`` at a random moment, then finishes
with ``backfill`` and ``sync --apply --as-of T``.
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
from sandbox.killpoints import KINDS
from tests.e2e.kill_compare import Held, Outcome, compare, hold
from tests.e2e.readback import HUBSPOT_TASK_KEY
from tests.e2e.world import World, open_world

SECOND_AFTER = timedelta(days=21)
MAX_RUNS = 12  # runs of one command before a trial gives up (lock refusals not counted)
LOCK_POLL = 0.25  # seconds between tries while a dead run's lock is held
LOCK_GIVE_UP = 120.0
TIMEOUT = 300.0
HELD = "holds the store"  # the refusal's wording (sync/cli/common.py)
OPENING = threading.Lock()  # worlds open one at a time (store migrations are not thread-safe)

# (platform, kind, phase): where the sandbox kills: every kind a sync writes, on both platforms,
# and the task closes ``reengage forget`` sends (no sync closes a task)
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
    ("hubspot", "task_update", "forget-hubspot"),
    ("salesforce", "task_update", "forget-salesforce"),
]
FORGETS = ("forget-hubspot", "forget-salesforce")
# what runs uninterrupted on a trial world before the killed command, by phase
PRELUDE = {"first": [], "second": [("sync", "first")]} | {f: [("sync", "first")] for f in FORGETS}


@dataclass(frozen=True)
class Trial:
    """One trial: which command is killed, in which phase, where (None: a random moment)."""

    seed: int
    command: str = "sync"  # sync / backfill / forget
    phase: str = "first"
    point: tuple[str, str] | None = None  # (platform, kind) for a sandbox kill point

    def describe(self) -> str:
        where = f"{self.point[0]} {self.point[1]}" if self.point else "random moment"
        return f"#{self.seed} {self.command} {self.phase}: {where}"


@dataclass
class Reference:
    """What an uninterrupted run leaves after each phase, its write counts and its length."""

    seen: dict[str, Held] = field(default_factory=dict)
    writes: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # forget phase -> whom it forgets


def as_of(world: World, phase: str) -> datetime:
    return world.as_of + (SECOND_AFTER if phase == "second" else timedelta(0))


def command(world: World, name: str, phase: str = "first", email: str = "") -> list[str]:
    if name == "backfill":
        return ["backfill", "--quiet"]
    if name == "forget":
        return ["forget", email]
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
    """Runs each phase uninterrupted on fresh worlds (the syncs on one, each ``forget`` after a
    first sync on one of its own) and keeps what each left, its write counts and its length."""
    ref = Reference()
    syncs = [("sync", p) for p in phases if p not in FORGETS]
    _reference_chain(folder / "syncs", persons, rules, ref, syncs)
    for forget in (p for p in phases if p in FORGETS):
        chain = [("sync", "first"), ("forget", forget)]
        _reference_chain(folder / forget, persons, rules, ref, chain)
    return ref


def _reference_chain(
    folder: Path, persons: int, rules: Rules, ref: Reference, steps: list[tuple[str, str]]
) -> None:
    folder.mkdir()
    world = open_world(folder, persons, rules)
    try:
        for name, phase in steps:
            if name == "forget":
                ref.emails[phase] = forget_email(world, phase.removeprefix("forget-"))
            _reset_counts(world)
            args = command(world, name, phase, ref.emails.get(phase, ""))
            ref.seconds[phase] = run_timed(world, args, folder / "log")
            ref.writes[phase] = _write_counts(world)
            ref.seen[phase] = hold(world.box, world.rules)
    finally:
        world.close()


def forget_email(world: World, platform: str) -> str:
    """The email of a person holding a reengage task on ``platform`` (reengage gives a person
    a task on one platform only)."""
    if platform == "hubspot":
        state = world.box.hubspot.state
        with state.lock:
            emails = {c.id: c.properties.get("email") for c in state.objects("contacts")}
            tasks = [t for t in state.objects("tasks") if t.properties.get(HUBSPOT_TASK_KEY)]
            held = [emails[c] for t in tasks for c in state.associated("tasks", t.id, "contacts")]
        return str(sorted(str(e) for e in held if e)[0])
    key = world.rules.fields.salesforce.task_key
    org = world.box.salesforce.state
    with org.lock:
        emails = {
            str(r["Id"]): r.get("Email") for r in org.records("Lead") + org.records("Contact")
        }
        held = [emails.get(str(t.get("WhoId"))) for t in org.records("Task") if t.get(key)]
    return str(sorted(str(e) for e in held if e)[0])


def kill_at_point(
    world: World, args: list[str], trial: Trial, ref: Reference, rng: random.Random, log: Path
) -> tuple[str, bool]:
    """Runs ``args`` with the sandbox armed to kill it right after a drawn k-th write of the
    trial's kind (k within what the reference wrote in that phase)."""
    assert trial.point is not None
    platform, kind = trial.point
    written = ref.writes[trial.phase][(platform, kind)]
    if written == 0:
        raise AssertionError(f"the reference wrote no {platform} {kind} in phase {trial.phase}")
    after = rng.randint(1, written)
    proc = start(world, args, log)
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
    """:func:`run_one`; a trial that could not finish (a command that never exits 0, a run
    before the kill that failed) is an outcome with its error, so the others still count."""
    try:
        return run_one(folder, persons, rules, trial, ref)
    except (AssertionError, subprocess.TimeoutExpired) as exc:
        outcome = Outcome(trial, "not finished", killed=False, error=str(exc)[:300])
        outcome.differences["unfinished trials"] += 1
        return outcome


def run_one(folder: Path, persons: int, rules: Rules, trial: Trial, ref: Reference) -> Outcome:
    """Opens a trial world, kills the command as ``trial`` says, reruns it until done (a killed
    backfill is followed by the first sync) and compares both platforms with the reference."""
    rng = random.Random(trial.seed)
    with OPENING:
        world = open_world(folder, persons, rules)
    log = folder / "log"
    try:
        for name, phase in PRELUDE[trial.phase]:
            run_timed(world, command(world, name, phase), log)
        args = command(world, trial.command, trial.phase, ref.emails.get(trial.phase, ""))
        if trial.point is not None:
            kill, killed = kill_at_point(world, args, trial, ref, rng, log)
        else:
            kill, killed = kill_at_random(world, args, ref.seconds[trial.phase], rng, log)
        outcome = Outcome(trial, kill, killed)
        run_until_done(world, args, log, outcome)
        if trial.command == "backfill":
            run_until_done(world, command(world, "sync", "first"), log, outcome)
        compare(ref.seen[trial.phase], hold(world.box, world.rules), outcome)
    finally:
        world.close()
    return outcome


def plan_trials(count: int, seed: int) -> list[Trial]:
    """``count`` trials: the first three are the CI ones (a sandbox kill right after a HubSpot
    task create, one right after a Salesforce campaign-member insert, a random moment); more
    cycle through every sandbox kill point, random moments of each phase, backfill kills."""
    ci = [
        Trial(seed, point=("hubspot", "task_create")),
        Trial(seed + 1, point=("salesforce", "member_add")),
        Trial(seed + 2),
    ]
    extra = [
        Trial(0, "forget" if phase in FORGETS else "sync", phase, (platform, kind))
        for platform, kind, phase in SANDBOX_POINTS
    ]
    extra += [Trial(0, "sync", "first"), Trial(0, "sync", "second"), Trial(0, "backfill")]
    extra += [Trial(0, "forget", "forget-hubspot")]
    trials = ci[:count]
    for n in range(len(trials), count):
        t = extra[(n - len(ci)) % len(extra)]
        trials.append(Trial(seed + n, t.command, t.phase, t.point))
    return trials


def phases_of(trials: list[Trial]) -> tuple[str, ...]:
    """The phases the reference must run for ``trials`` (``first`` always)."""
    wanted = {t.phase for t in trials}
    return tuple(p for p in ("first", "second", *FORGETS) if p == "first" or p in wanted)
