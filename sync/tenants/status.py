"""Each tenant's state for ``reengage tenants`` and the scheduler: its last run (read from its
own schema) and when it is next due. Pure but for :func:`last_run`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from config.tenants import Tenant
from sync.serve.schedule import Schedule
from sync.store.schema import runs


@dataclass(frozen=True)
class LastRun:
    run_id: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None


def schedule_of(tenant: Tenant) -> Schedule:
    """The tenant's schedule as ``reengage serve`` reads one (interval grid or cron)."""
    return Schedule(interval=tenant.schedule.interval, cron=tenant.schedule.cron)


def next_due(tenant: Tenant, last_started: datetime | None, now: datetime) -> datetime | None:
    """When the tenant runs next: never when paused; now when it never ran (interval); one
    interval after its last run's start; for cron, the first match after its last run."""
    if tenant.paused:
        return None
    schedule = schedule_of(tenant)
    if last_started is None:
        return schedule.first_run(now)
    if schedule.cron is not None:
        return schedule.next_after(last_started, anchor=last_started)
    assert schedule.interval is not None
    return last_started + schedule.interval


def last_run(engine: Engine) -> LastRun | None:
    """The tenant store's newest run (any kind), or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(1)
        ).first()
    if row is None:
        return None
    return LastRun(row.id, row.kind, row.status, row.started_at, row.finished_at)


def tenant_row(
    tenant: Tenant, last: LastRun | None, now: datetime, problem: str | None = None
) -> dict[str, Any]:
    """One line of ``reengage tenants`` (and its ``--json`` entry)."""
    due = next_due(tenant, last.started_at if last else None, now) if problem is None else None
    return {
        "tenant": tenant.id,
        "paused": tenant.paused,
        "schedule": schedule_of(tenant).describe(),
        "last_run": None if last is None else {
            "id": last.run_id, "kind": last.kind, "status": last.status,
            "started_at": last.started_at.isoformat(),
            "finished_at": last.finished_at.isoformat() if last.finished_at else None,
        },
        "next_run": due.isoformat() if due is not None else None,
        "problem": problem,
    }  # fmt: skip
