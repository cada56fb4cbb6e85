"""``reengage scheduler``: enqueues each enabled tenant's cycle when it is due.

Run exactly one scheduler per broker queue. Each tenant's schedule is the one
``reengage serve`` reads (:mod:`sync.serve.schedule`: an interval grid or a cron);
the first turn of an interval tenant is one interval after its last recorded run
(read from its schema), or now if it never ran. A task expires when the tenant's
next turn comes, so a backlog (all workers busy or down) never piles up runs of one
tenant: a stale task is discarded by the worker that receives it. The tenants file
is read again on every turn, so pausing a tenant takes effect without a restart;
a paused tenant is never enqueued (and a task already queued for it is not run).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from config.settings import Settings
from config.tenants import Tenant, TenantsError, load_tenants
from sync.tenants.status import last_run, next_due
from sync.tenants.store import open_tenant_store

log = logging.getLogger("reengage.scheduler")

Enqueue = Callable[[str, float], None]  # (tenant id, seconds until the task expires)
TICK = 1.0  # seconds between looks at the clock


def _now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    """Keeps each tenant's next due instant and enqueues it through ``enqueue`` when reached."""

    def __init__(
        self, settings: Settings, enqueue: Enqueue, clock: Callable[[], datetime] = _now
    ) -> None:
        self.settings = settings
        self.enqueue = enqueue
        self.clock = clock
        self.due: dict[str, datetime] = {}
        self.stop = threading.Event()
        self._engines: dict[str, Engine] = {}

    def _first_due(self, tenant: Tenant, now: datetime) -> datetime | None:
        try:
            if tenant.id not in self._engines:
                tenants = load_tenants(self._file())
                self._engines[tenant.id] = open_tenant_store(self.settings, tenants, tenant)
            last = last_run(self._engines[tenant.id])
        except Exception as exc:  # a tenant whose store cannot be read still gets scheduled
            log.warning("tenant %s: cannot read its last run (%s): due now", tenant.id, exc)
            last = None
        found = next_due(tenant, last.started_at if last else None, now)
        return max(found, now) if found is not None else None

    def _file(self) -> Path:
        assert self.settings.tenants_file is not None
        return self.settings.tenants_file

    def turn(self) -> list[str]:
        """One look at the clock: enqueues every enabled tenant that is due; returns their ids."""
        now = self.clock()
        try:
            tenants = load_tenants(self._file())
        except TenantsError as exc:
            log.error("%s: keeping the previous schedule", exc)
            return []
        sent = []
        for tenant in tenants.tenants:
            if tenant.paused:
                self.due.pop(tenant.id, None)
                continue
            if tenant.id not in self.due:
                first = self._first_due(tenant, now)
                if first is None:
                    continue
                self.due[tenant.id] = first
            if now >= self.due[tenant.id]:
                following = next_due(tenant, now, now)
                assert following is not None
                self.enqueue(tenant.id, max((following - now).total_seconds(), 1.0))
                self.due[tenant.id] = following
                sent.append(tenant.id)
                log.info("tenant %s enqueued; next at %s", tenant.id, following.isoformat())
        return sent

    def run(self) -> None:
        """Turns until :meth:`request_stop`."""
        while not self.stop.is_set():
            self.turn()
            self.stop.wait(TICK)
        for engine in self._engines.values():
            engine.dispose()

    def request_stop(self) -> None:
        self.stop.set()
