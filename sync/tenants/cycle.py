"""One tenant's scheduled cycle, as a worker runs it.

The same cycle as ``reengage serve``'s (:func:`sync.serve.service.sync_cycle`): fresh
connectors built from the tenant's settings, the tenant's alert webhook, one
``run_cycle(kind="sync", trigger="schedule")``. Whether it applies:

* ``apply = false`` in the tenant's table: never (plans only);
* otherwise once reengage has applied from the tenant's store before (a first
  ``reengage --tenant ID sync --apply``), as ``serve`` does; or from the first run
  when the table says ``first_apply = true`` (the operator's decision, written down);
* and only once setup is complete on every platform (checked reading only).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from config.rules import Rules
from config.settings import Settings
from config.tenants import Tenant
from connectors.base import Platform
from sync.alerts import RecordLinks, make_alert_sender
from sync.run import (
    CycleOptions,
    RunResult,
    build_connectors,
    close_all,
    ever_applied,
    run_cycle,
)
from sync.serve.metrics import Metrics
from sync.serve.service import stop_progress
from sync.setup_check import describe_gaps, setup_gaps

log = logging.getLogger("reengage.tenants")


def _run(engine: Engine, built: dict[Platform, Any], rules: Rules, **options: Any) -> RunResult:
    """The one call of the orchestrator (kept here so that its signature changes in one line)."""
    return run_cycle(engine, built, rules, CycleOptions(**options))


def _applies(engine: Engine, tenant: Tenant, built: dict[Platform, Any], rules: Rules) -> bool:
    if not tenant.apply:
        return False
    if not (tenant.first_apply or ever_applied(engine)):
        log.warning("tenant %s: planning only: nothing was ever applied from its store; run "
                    "`reengage --tenant %s sync --apply` once, or set first_apply = true",
                    tenant.id, tenant.id)  # fmt: skip
        return False
    if gaps := setup_gaps(built, rules):
        log.error("tenant %s: planning only: %s", tenant.id, describe_gaps(gaps))
        return False
    return True


def tenant_cycle(
    engine: Engine,
    settings: Settings,
    tenant: Tenant,
    rules: Rules,
    metrics: Metrics,
    *,
    stop: threading.Event,
    check: Callable[[], None] | None = None,
) -> RunResult:
    """Runs one cycle of ``tenant`` on its store (the caller holds the tenant's lock)."""
    built = build_connectors(settings, rules)
    before = {p: c.usage() for p, c in built.items()}
    alerts = make_alert_sender(settings.alerts, links=RecordLinks.from_settings(settings))
    try:
        apply = _applies(engine, tenant, built, rules)
        return _run(engine, built, rules, kind="sync", as_of=datetime.now(UTC), plan=True,
                    apply=apply, alerts=alerts, stop=stop, progress=stop_progress(stop),
                    trigger="schedule", check=check)  # fmt: skip
    finally:
        for platform, connector in built.items():
            metrics.record_api(platform.value, before[platform], connector.usage())
        if alerts is not None:
            alerts.close()
        close_all(built)
