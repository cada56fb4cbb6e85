"""The task a worker runs: one tenant's cycle, under that tenant's store lock.

A task names its tenant only; the worker reads the tenant's settings, secrets and
rules when the task runs (so a changed tenants file needs no restart of the
scheduler, and a secret never travels through the broker). The tenant's store lock
(:mod:`sync.serve.lock`, on the tenant's own schema) makes a duplicated or
redelivered task safe: while one run of the tenant holds it, another task for the
same tenant ends at once as ``skipped``; a run whose worker died has lost its lock
with its connection, so the redelivered task runs. A paused tenant is never run,
even by a task enqueued before it was paused.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from celery import Celery
from sqlalchemy import Engine

from config.rules import load_rules
from config.settings import Settings
from config.tenants import Tenant, load_tenants, tenant_settings
from connectors.base import StopRun
from sync.logs import tenant_context
from sync.serve.lock import keep_alive, sync_lock
from sync.serve.metrics import Metrics
from sync.tenants.app import TASK_NAME
from sync.tenants.cycle import tenant_cycle
from sync.tenants.store import open_tenant_store

log = logging.getLogger("reengage.tenants")


@dataclass
class WorkerState:
    """What one worker process keeps between tasks: the base settings (built once at the
    entry point), one engine per tenant store, the metrics."""

    settings: Settings
    metrics: Metrics
    engines: dict[str, Engine]

    def engine_for(self, settings: Settings, tenant: Tenant) -> Engine:
        if tenant.id not in self.engines:
            tenants = load_tenants(_file(settings))
            self.engines[tenant.id] = open_tenant_store(settings, tenants, tenant)
        return self.engines[tenant.id]

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()
        self.engines.clear()


def _file(settings: Settings) -> Any:
    assert settings.tenants_file is not None
    return settings.tenants_file


def _outcome(tenant: str, status: str, started: float, **more: Any) -> dict[str, Any]:
    return {"tenant": tenant, "status": status, "seconds": round(time.monotonic() - started, 3),
            **more}  # fmt: skip


def _cycle(state: WorkerState, tenant_id: str, stop: threading.Event) -> dict[str, Any]:
    started = time.monotonic()
    tenants = load_tenants(_file(state.settings))
    tenant = tenants.get(tenant_id)
    if tenant.paused:
        log.info("tenant %s is paused: not run", tenant_id)
        return _outcome(tenant_id, "paused", started)
    settings = tenant_settings(state.settings, tenants, tenant)
    rules = load_rules(settings.rules_file)
    engine = state.engine_for(state.settings, tenant)
    lock = sync_lock(engine)
    if not lock.acquire():
        held = lock.current()
        log.info("tenant %s: another run holds its store (%s): this task ends", tenant_id,
                 held.holder if held else "?")  # fmt: skip
        return _outcome(tenant_id, "skipped", started)
    # a task ends cleanly well within the broker's consumer timeout: the pull after the page
    # in flight, the apply after its batch; the tenant's next turn resumes from there
    budget = threading.Timer(tenants.task_seconds, stop.set)
    budget.daemon = True
    budget.start()
    try:
        with keep_alive(lock, every=lock.ttl.total_seconds() / 4, on_lost=stop.set):
            result = tenant_cycle(engine, settings, tenant, rules, state.metrics, stop=stop,
                                  check=lock.check)  # fmt: skip
    except StopRun as exc:
        log.warning("tenant %s: stopped cleanly: %s; its next turn resumes", tenant_id,
                    exc.user_message)  # fmt: skip
        return _outcome(tenant_id, "stopped", started)
    finally:
        budget.cancel()
        lock.release()
    return _outcome(tenant_id, result.status, started, run_id=result.run_id)


def register(app: Celery, state: WorkerState) -> None:
    """Registers the tenant task on ``app``, bound to this worker's ``state``."""

    @app.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
    def run_tenant(tenant_id: str) -> dict[str, Any]:
        with tenant_context(tenant_id):
            log.info("tenant %s: cycle starts", tenant_id)
            outcome = _cycle(state, tenant_id, threading.Event())
            log.info("tenant %s: cycle %s", tenant_id, outcome["status"], extra=outcome)
            return outcome
