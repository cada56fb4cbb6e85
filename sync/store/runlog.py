"""The sync log, read from the store: what each run did, and what failed on which record.

Reads only. A run's figures are in ``runs.stats`` (JSON written by
:func:`sync.run.finish_run`): its trigger, the records read per platform and
stream, the operations applied and failed per platform and operation, the exit
code. Runs recorded before those keys existed show what they have (reads per
platform, no trigger, an exit code derived from the status).

A failure is an operation of the journal whose latest outcome is ``failed`` (retried
next run) or ``parked`` (given up after ``rules.apply.max_attempts``). The journal
keeps one row per plan, so an operation refused on three nights has three rows:
the log shows it once, with its latest error and the attempts of all its rows.
Records skipped for bad data (``skipped_records``: a garbage date, a boolean that is
neither true nor false, a score that is no finite number) come out of
:func:`failures` as entries of kind ``skipped``: operation ``read``, the field as
target, the kind of refusal as error code, the reason as message and the number of
reads that skipped the record as attempts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from sync.store.schema import operations, plans, runs, skipped_records

FAILURE_KINDS = ("failed", "parked")
"""Journal statuses the log lists; ``skipped`` (records left out for bad data) beside them."""
SKIPPED = "skipped"
_RECORD_TYPES = {
    ("hubspot", "contacts"): "hubspot_contact",
    ("salesforce", "Lead"): "salesforce_lead",
    ("salesforce", "Contact"): "salesforce_contact",
}

_EXIT_BY_STATUS = {"ok": 0, "failed": 1, "stopped": 3}
_ONE_OFF = ("create_task", "send_alert")
JournalCounts = dict[str, dict[str, int]]  # applied / failed -> platform -> operations


@dataclass(frozen=True)
class RunEntry:
    """One run as the log shows it.

    Attributes:
        read: platform -> stream -> records read (``records`` / ``activities`` /
            ``deals`` for runs recorded before per-stream counts were kept).
        applied, failed: platform -> operations (alerts under ``-``); from the journal for a
            run that made a plan (so a plan applied later by ``reengage apply`` counts), from
            the run's stats otherwise. ``failed`` counts parked operations too.
        exit_code: what ``reengage sync`` exits with for this outcome; None while running.
    """

    id: int
    kind: str
    trigger: str | None
    started_at: datetime
    finished_at: datetime | None
    status: str
    exit_code: int | None
    message: str | None
    as_of: datetime | None
    read: dict[str, dict[str, int]]
    applied: dict[str, int]
    failed: dict[str, int]

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 1)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "seconds": self.seconds}


@dataclass(frozen=True)
class Failure:
    """One operation that did not get through, at its latest failure.

    Attributes:
        kind: ``failed`` (retried next run), ``parked`` (not planned again) or ``skipped``
            (a record left out of a read for bad data: operation ``read``).
        attempts: every failed send of this operation, across plans (for a skipped
            record, the reads that skipped it).
    """

    kind: str
    at: datetime
    run_id: int | None
    plan_id: str
    platform: str
    record_type: str | None
    record_id: str | None
    operation: str
    target: str | None
    error_code: str | None
    error_message: str | None
    attempts: int

    @property
    def parked(self) -> bool:
        return self.kind == "parked"

    @property
    def object(self) -> str | None:
        """The platform object: ``contact`` (HubSpot), ``lead`` / ``contact`` (Salesforce)."""
        if self.record_type is None:
            return None
        return self.record_type.removeprefix(f"{self.platform}_")


def _per_platform(counts: Mapping[str, int] | None) -> dict[str, int]:
    """``{"hubspot/update_fields": 5, ...}`` -> ``{"hubspot": 5, ...}``."""
    out: dict[str, int] = {}
    for key, n in (counts or {}).items():
        platform = key.split("/", 1)[0]
        out[platform] = out.get(platform, 0) + int(n)
    return {p: n for p, n in out.items() if n}


def _reads(stats: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    streams = stats.get("streams")
    if isinstance(streams, dict):
        return {p: {s: int(n) for s, n in by.items()} for p, by in streams.items()}
    return {p: {k: int(n) for k, n in by.items()} for p, by in (stats.get("read") or {}).items()}


def _run_entry(row: Any, journal: JournalCounts | None) -> RunEntry:
    """A run from its row; operations from the journal when the run made a plan (the
    journal is the record of outcomes), else from the run's stats."""
    stats: Mapping[str, Any] = row.stats or {}
    outcomes = journal or {k: _per_platform(stats.get(k)) for k in ("applied", "failed")}
    exit_code = stats.get("exit_code")
    if exit_code is None:
        exit_code = _EXIT_BY_STATUS.get(row.status)
    return RunEntry(
        id=row.id,
        kind=row.kind,
        trigger=stats.get("trigger"),
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        exit_code=exit_code,
        message=row.message or None,
        as_of=row.as_of,
        read=_reads(stats),
        applied=outcomes["applied"],
        failed=outcomes["failed"],
    )


def recent_runs(conn: Connection, since: datetime, limit: int = 0) -> list[RunEntry]:
    """Runs started at or after ``since``, newest first (``limit`` 0: all)."""
    query = (
        select(runs)
        .where(runs.c.started_at >= since)
        .order_by(runs.c.started_at.desc(), runs.c.id.desc())
    )
    if limit > 0:
        query = query.limit(limit)
    rows = conn.execute(query).all()
    journal = _journal_counts(conn, [row.id for row in rows])
    return [_run_entry(row, journal.get(row.id)) for row in rows]


def _journal_counts(conn: Connection, run_ids: list[int]) -> dict[int, JournalCounts]:
    """Per run, its plans' operations applied and failed (or parked) per platform, as the
    journal has them now: a plan applied later by ``reengage apply PLAN_ID`` counts too."""
    out: dict[int, JournalCounts] = {}
    if not run_ids:
        return out
    query = (
        select(plans.c.run_id, operations.c.platform, operations.c.status, func.count())
        .join(plans, plans.c.id == operations.c.plan_id)
        .where(plans.c.run_id.in_(run_ids))
        .group_by(plans.c.run_id, operations.c.platform, operations.c.status)
    )
    for run_id, platform, status, n in conn.execute(query):
        counts = out.setdefault(run_id, {"applied": {}, "failed": {}})
        outcome = "applied" if status == "applied" else "failed" if status in FAILURE_KINDS else ""
        if outcome:
            counts[outcome][platform] = counts[outcome].get(platform, 0) + int(n)
    return out


def failures(conn: Connection, since: datetime, limit: int = 0) -> list[Failure]:
    """Operations whose latest failure is at or after ``since``, and records skipped for bad
    data on a read at or after it, newest first.

    Every failed or parked row is read (not only the window's) to count an
    operation's attempts across plans; the journal parks an operation after a few
    failures, so these rows stay few.
    """
    query = (
        select(operations, plans.c.run_id)
        .join(plans, plans.c.id == operations.c.plan_id)
        .where(operations.c.status.in_(FAILURE_KINDS))
        .order_by(operations.c.id)
    )
    latest: dict[tuple[str | None, ...], Any] = {}
    attempts: dict[tuple[str | None, ...], int] = {}
    for row in conn.execute(query):
        key = _operation_key(row)
        latest[key] = row
        attempts[key] = attempts.get(key, 0) + max(int(row.attempts), 1)
    found = [_failure(row, attempts[key]) for key, row in latest.items() if row.updated_at >= since]
    found.extend(_skipped(conn, since))
    found.sort(key=lambda f: f.at, reverse=True)
    return found[:limit] if limit > 0 else found


def _operation_key(row: Any) -> tuple[str | None, ...]:
    """Which journal rows are the same operation: the journal's rule
    (``sync.store.journal._signature``, on rows rather than planner objects, so that
    reading the log loads no planner): one-off
    writes (tasks, alerts, hand-off fields) by key, others by what they write where."""
    one_off = row.op in _ONE_OFF or (row.op == "update_fields" and row.target == "handoff")
    if one_off:
        return ("key", row.idempotency_key)
    return (row.op, row.platform, row.record_id, row.target)


def _failure(row: Any, attempts: int) -> Failure:
    return Failure(
        kind=row.status,
        at=row.updated_at,
        run_id=row.run_id,
        plan_id=row.plan_id,
        platform=row.platform,
        record_type=row.record_type,
        record_id=row.record_id,
        operation=row.op,
        target=row.target,
        error_code=row.error_code,
        error_message=row.error_message,
        attempts=attempts,
    )


def _skipped(conn: Connection, since: datetime) -> list[Failure]:
    """Records last skipped for bad data at or after ``since``, as failures of kind
    ``skipped`` (the record type is reengage's where the object is a person record, so
    that the log can label and link it)."""
    query = select(skipped_records).where(skipped_records.c.last_seen >= since)
    return [
        Failure(
            kind=SKIPPED,
            at=row.last_seen,
            run_id=None,
            plan_id="",
            platform=row.platform,
            record_type=_RECORD_TYPES.get(
                (row.platform, row.object), f"{row.platform}_{row.object}"
            ),
            record_id=row.record_id,
            operation="read",
            target=row.field,
            error_code=row.kind,
            error_message=row.reason,
            attempts=int(row.times),
        )
        for row in conn.execute(query)
    ]
