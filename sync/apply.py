"""The applier: executes a stored plan through the connectors' write contracts, journaling
every outcome.

Operations are sent in plan order — per platform, fields before list removals
before list additions before tasks, then alerts — grouped into calls of up to
``CALL_SIZE`` operations (each connector splits a call into the largest batches
its API takes). After each call, the outcomes and the applied state they imply
are written in one transaction, so a run stopped at any point (crash, SIGTERM)
resumes with what is left and never repeats what is recorded as done. For the
one gap a journal cannot close — the platform acted but the process died before
the journal write, or its answer was lost — tasks are looked up by idempotency
key on the platform before any is created, and "already a member" answers count
as done. A task create is marked ``sent`` in the journal before it goes out; a
key sent before without a recorded answer, or failed, is also looked up through
the sink's consistent look-up (:class:`~connectors.base.TaskConfirmer`) when its
usual one may lag (HubSpot's search index).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import Engine

from config.rules import Rules
from connectors.base import (
    FieldSink,
    MemberSink,
    Platform,
    TaskCloser,
    TaskConfirmer,
    TaskSink,
    WriteResult,
    WriteStatus,
)
from sync.logs import short
from sync.plan.model import Operation, OpKind
from sync.store.journal import (
    JournalEntry,
    mark_sent,
    pending,
    record_outcomes,
    set_plan_status,
    unsettled_keys,
)

log = logging.getLogger("reengage.apply")

CALL_SIZE = 1000

# Sends one batch of alerts; answers one result per operation (webhooks: sync/alerts.py).
AlertSender = Callable[[Sequence[JournalEntry]], list[WriteResult]]


ALERTS = "alerts"  # the ``platform`` of alert outcomes in :class:`ApplyStats`


@dataclass
class ApplyStats:
    """Outcomes by (platform or ``alerts``, operation kind).

    ``total("failed")`` counts only platform writes: alerts never fail the sync (a failed
    alert stays in the journal, is sent again next run and parked after
    ``apply.max_attempts``), so the exit code and "N operations failed" leave them out;
    :meth:`alert_failures` counts them for reports.
    """

    applied: Counter[tuple[str, str]] = field(default_factory=Counter)
    failed: Counter[tuple[str, str]] = field(default_factory=Counter)
    calls: int = 0
    stopped: bool = False

    def total(self, outcome: str) -> int:
        counter: Counter[tuple[str, str]] = getattr(self, outcome)
        if outcome == "failed":
            return sum(n for (platform, _op), n in counter.items() if platform != ALERTS)
        return sum(counter.values())

    def alert_failures(self) -> int:
        """Alerts no webhook took this run (retried next run; not a failure of the sync)."""
        return sum(n for (platform, _op), n in self.failed.items() if platform == ALERTS)


def _chunks(entries: Sequence[JournalEntry], size: int) -> Iterator[Sequence[JournalEntry]]:
    for start in range(0, len(entries), size):
        yield entries[start : start + size]


def _tasks(
    sink: TaskSink, batch: Sequence[JournalEntry], unsettled: frozenset[str]
) -> list[WriteResult]:
    """Creates the tasks whose key the platform does not already hold (``unsettled``: keys an
    earlier try may have created, looked up once more through a consistent read)."""
    keys = [e.operation.idempotency_key for e in batch]
    existing = sink.find_tasks(keys)
    unsure = [e for e in batch if e.operation.idempotency_key in unsettled - existing.keys()]
    if unsure and isinstance(sink, TaskConfirmer):
        existing.update(sink.confirm_tasks([e.operation.task_request() for e in unsure]))
    todo = [e for e in batch if e.operation.idempotency_key not in existing]
    created = iter(sink.create_tasks([e.operation.task_request() for e in todo]))
    return [
        WriteResult(k, WriteStatus.SKIPPED, platform_id=existing[k], message="task already exists")
        if k in existing
        else next(created)
        for k in keys
    ]


def _unsupported(ops: Sequence[Operation], what: str) -> list[WriteResult]:
    return [WriteResult(o.idempotency_key, WriteStatus.FAILED, error_code="UNSUPPORTED",
                        message=f"this connector cannot {what}") for o in ops]  # fmt: skip


def _send(
    engine: Engine, sink: FieldSink, kind: OpKind, batch: Sequence[JournalEntry]
) -> list[WriteResult]:
    """One batch through the sink; an operation the sink cannot take (a plug-in's field sink
    given a list member or a task) fails with a reason rather than stopping the apply."""
    ops = [e.operation for e in batch]
    if kind is OpKind.UPDATE_FIELDS:
        return sink.update_fields([o.field_update() for o in ops])
    if kind in (OpKind.ADD_MEMBER, OpKind.REMOVE_MEMBER):
        if not isinstance(sink, MemberSink):
            return _unsupported(ops, "take list members (it writes fields only)")
        if kind is OpKind.ADD_MEMBER:
            return sink.add_members([o.membership_change() for o in ops])
        return sink.remove_members([o.membership_change() for o in ops])
    if kind is OpKind.CREATE_TASK:
        if not isinstance(sink, TaskSink):
            return _unsupported(ops, "create tasks")
        with engine.begin() as conn:
            unsettled = unsettled_keys(conn, [o.idempotency_key for o in ops])
            mark_sent(conn, batch)
        return _tasks(sink, batch, unsettled)
    if kind is OpKind.CLOSE_TASK:
        if isinstance(sink, TaskCloser):
            return sink.close_tasks([o.task_close() for o in ops])
        return _unsupported(ops, "close tasks")
    raise ValueError(f"{kind} is not sent through a connector")


def _no_alerts(batch: Sequence[JournalEntry]) -> list[WriteResult]:
    return [
        WriteResult(
            e.operation.idempotency_key, WriteStatus.SKIPPED, message="no webhook configured"
        )
        for e in batch
    ]


def _group_key(entry: JournalEntry) -> tuple[Platform | None, OpKind]:
    return entry.operation.platform, entry.operation.op


def apply_plan(
    engine: Engine,
    plan_id: str,
    sinks: Mapping[Platform, FieldSink],
    rules: Rules,
    *,
    alerts: AlertSender | None = None,
    stop: threading.Event | None = None,
    on_call: Callable[[str, str, int], None] | None = None,
    check: Callable[[], None] | None = None,
) -> ApplyStats:
    """Applies what is left of plan ``plan_id`` (see the module docstring); ``check`` is
    called before each call to a platform and raises to stop the apply (the run's store
    lock lost: another run may be writing)."""
    stats = ApplyStats()
    with engine.begin() as conn:
        todo = pending(conn, plan_id)
        set_plan_status(conn, plan_id, "applying")
    for (platform, kind), group in groupby(todo, key=_group_key):
        entries = list(group)
        if platform is not None and platform not in sinks:
            log.warning(
                "no %s connector configured: %d %s operations left", platform, len(entries), kind
            )
            continue
        for batch in _chunks(entries, CALL_SIZE):
            if stop is not None and stop.is_set():
                stats.stopped = True
                return stats
            if check is not None:
                check()
            if platform is None:
                results = (alerts or _no_alerts)(batch)
            else:
                results = _send(engine, sinks[platform], kind, batch)
            _journal(engine, batch, results, rules, stats)
            if on_call is not None:
                on_call(platform.value if platform else "alerts", kind.value, len(batch))
    with engine.begin() as conn:
        left = pending(conn, plan_id)
        set_plan_status(conn, plan_id, "applied" if not left else "partial")
    return stats


def _journal(
    engine: Engine,
    batch: Sequence[JournalEntry],
    results: Sequence[WriteResult],
    rules: Rules,
    stats: ApplyStats,
) -> None:
    if len(results) != len(batch):
        raise RuntimeError(f"connector answered {len(results)} results for {len(batch)} inputs")
    with engine.begin() as conn:
        record_outcomes(
            conn, list(zip(batch, results, strict=True)), max_attempts=rules.apply.max_attempts
        )
    stats.calls += 1
    for entry, result in zip(batch, results, strict=True):
        op = entry.operation
        key = (op.platform.value if op.platform else ALERTS, op.op.value)
        if result.status is WriteStatus.FAILED:
            stats.failed[key] += 1
            log.warning("%s %s failed: %s %s", *key, result.error_code, short(result.message),
                        extra={"digest_key": f"{key[0]} {key[1]} {result.error_code}"})  # fmt: skip
        else:
            stats.applied[key] += 1
