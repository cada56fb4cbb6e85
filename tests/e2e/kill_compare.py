"""What a kill trial compares: both platforms' reengage state, and a series' summary.

:class:`Held` is :func:`~tests.e2e.readback.read_back` plus each reengage task's status (a
task ``reengage forget`` closes keeps its key, record and due date: only its status shows
the close). :func:`compare` counts the differences between a trial world and the reference.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from config.rules import Rules
from sandbox.sandbox import Sandbox
from tests.e2e.readback import HUBSPOT_TASK_KEY, Readback, read_back

if TYPE_CHECKING:
    from tests.e2e.kill_harness import Trial


@dataclass(frozen=True, repr=False)
class Held:
    """Both platforms' reengage state and every reengage task's status, by (platform, key)."""

    seen: Readback
    task_status: dict[tuple[str, str], str]


def hold(box: Sandbox, rules: Rules) -> Held:
    """What both platforms hold now, read from the emulators' own state."""
    status: dict[tuple[str, str], str] = {}
    hubspot, salesforce = box.hubspot.state, box.salesforce.state
    with hubspot.lock:
        for task in hubspot.objects("tasks", archived=False):
            if key := task.properties.get(HUBSPOT_TASK_KEY):
                status["hubspot", key] = str(task.properties.get("hs_task_status"))
    key_field = rules.fields.salesforce.task_key
    with salesforce.lock:
        for record in salesforce.records("Task"):
            if record.get(key_field):
                status["salesforce", str(record[key_field])] = str(record.get("Status"))
    return Held(read_back(box, rules), status)


@dataclass
class Outcome:
    """One trial's result: how the kill landed, the runs after it, and the differences."""

    trial: Trial
    kill: str  # "hubspot task_create #1 of 1", "random 4.21 s", "random ... (ended first ...)"
    killed: bool
    exit_codes: list[int] = field(default_factory=list)
    lock_wait: float = 0.0
    differences: Counter[str] = field(default_factory=Counter)
    detail: list[str] = field(default_factory=list)
    error: str = ""  # why the trial could not finish

    def line(self) -> str:
        diffs = ", ".join(f"{k} {n}" for k, n in sorted(self.differences.items()) if n) or "none"
        return (
            f"{self.trial.describe()}: kill {self.kill}; runs after {self.exit_codes}; "
            f"lock wait {self.lock_wait:.1f} s; differences: {diffs}"
            + (f"; error: {self.error}" if self.error else "")
        )


def compare(ref: Held, got: Held, outcome: Outcome) -> None:
    """Counts, per platform, what the trial world holds that the reference does not (and the
    reverse): duplicate, missing and extra tasks (by idempotency key), lost and extra list /
    campaign memberships, and stale fields (a record's reengage fields or hand-off value, or a
    task's record, due date, priority, owner or status, differing from the reference)."""
    diffs, detail = outcome.differences, outcome.detail
    for (platform, key), status in sorted(got.task_status.items()):
        if ref.task_status.get((platform, key), status) != status:
            diffs["stale fields"] += 1
            detail.append(f"{platform} task {key}: {status}, not {ref.task_status[platform, key]}")
    for platform in ("hubspot", "salesforce"):
        want, have = getattr(ref.seen, platform), getattr(got.seen, platform)
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
            f"longest wait caused by a dead run's lock: {self.longest_lock_wait:.1f} s; "
            f"unfinished trials: {self.total('unfinished trials')}",
        ]
        return "\n".join(lines)
