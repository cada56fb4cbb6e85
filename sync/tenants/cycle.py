"""One tenant's scheduled cycle, as a worker runs it.

The same cycle as ``reengage serve``'s (:func:`sync.serve.service.scheduled_sync`): fresh
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
from collections.abc import Callable, Mapping

from sqlalchemy import Engine

from config.rules import Rules
from config.settings import Settings
from config.tenants import Tenant
from connectors.base import Connector, Platform
from sync.run import RunResult, ever_applied
from sync.serve.metrics import Metrics
from sync.serve.service import scheduled_sync
from sync.setup_check import describe_gaps, setup_gaps

log = logging.getLogger("reengage.tenants")


def _applies(
    engine: Engine, tenant: Tenant, built: Mapping[Platform, Connector], rules: Rules
) -> bool:
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
    return scheduled_sync(engine, settings, rules, metrics, stop=stop, check=check,
                          applies=lambda built: _applies(engine, tenant, built, rules))  # fmt: skip
