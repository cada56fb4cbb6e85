"""Prometheus metrics labelled by tenant, read from each tenant's schema at scrape time.

The store is what every worker writes, whichever process or pool child ran the
task, so counts read from it are right under a prefork pool and across machines
without prometheus_client's multiprocess files; a worker killed mid-task leaves its
run ``running`` and it shows so. ``reengage scheduler`` serves them (one per
deployment) on ``REENGAGE_SERVE__HOST``:``REENGAGE_SERVE__PORT``.

=========================================== ========= ===========================
name                                        type      labels
=========================================== ========= ===========================
reengage_tenant_runs_total                  counter   tenant, status
reengage_tenant_last_run_timestamp_seconds  gauge     tenant (the last finished run)
reengage_tenant_last_run_duration_seconds   gauge     tenant
reengage_tenant_operations                  gauge     tenant, status (the journal)
reengage_tenant_paused                      gauge     tenant (1 paused, 0 enabled)
reengage_tenant_up                          gauge     tenant (0: its store unreadable)
=========================================== ========= ===========================
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from config.settings import Settings
from config.tenants import Tenant, load_tenants
from sync.store.schema import operations, runs
from sync.tenants.store import open_tenant_store

log = logging.getLogger("reengage.metrics")


def _families() -> dict[str, Any]:
    t, ts = ["tenant"], ["tenant", "status"]
    return {
        "runs": CounterMetricFamily("reengage_tenant_runs", "Runs of a tenant by outcome.",
                                    labels=ts),
        "last": GaugeMetricFamily("reengage_tenant_last_run_timestamp_seconds",
                                  "When the tenant's last run finished.", labels=t),
        "duration": GaugeMetricFamily("reengage_tenant_last_run_duration_seconds",
                                      "Wall time of the tenant's last finished run.", labels=t),
        "ops": GaugeMetricFamily("reengage_tenant_operations",
                                 "Journaled operations of a tenant by status.", labels=ts),
        "paused": GaugeMetricFamily("reengage_tenant_paused", "1 when the tenant is paused.",
                                    labels=t),
        "up": GaugeMetricFamily("reengage_tenant_up", "0 when the tenant's store cannot be read.",
                                labels=t),
    }  # fmt: skip


def _read(engine: Engine) -> tuple[list[Any], Any, list[Any]]:
    with engine.connect() as conn:
        by_status = conn.execute(select(runs.c.status, func.count()).group_by(runs.c.status)).all()
        last = conn.execute(
            select(runs.c.started_at, runs.c.finished_at)
            .where(runs.c.finished_at.is_not(None))
            .order_by(runs.c.finished_at.desc())
            .limit(1)
        ).first()
        ops = conn.execute(
            select(operations.c.status, func.count()).group_by(operations.c.status)
        ).all()
    return list(by_status), last, list(ops)


class TenantCollector(Collector):
    """Collects every tenant's metrics from its schema (engines kept between scrapes)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engines: dict[str, Engine] = {}

    def _engine(self, tenant: Tenant) -> Engine:
        if tenant.id not in self.engines:
            assert self.settings.tenants_file is not None
            tenants = load_tenants(self.settings.tenants_file)
            self.engines[tenant.id] = open_tenant_store(self.settings, tenants, tenant)
        return self.engines[tenant.id]

    def _tenant(self, tenant: Tenant, families: dict[str, Any]) -> None:
        families["paused"].add_metric([tenant.id], 1.0 if tenant.paused else 0.0)
        try:
            by_status, last, ops = _read(self._engine(tenant))
        except Exception as exc:  # one unreadable tenant must not hide the others
            log.warning("metrics: tenant %s: %s", tenant.id, exc)
            families["up"].add_metric([tenant.id], 0.0)
            return
        families["up"].add_metric([tenant.id], 1.0)
        for status, n in by_status:
            families["runs"].add_metric([tenant.id, str(status)], float(n))
        if last is not None:
            families["last"].add_metric([tenant.id], last.finished_at.timestamp())
            seconds = (last.finished_at - last.started_at).total_seconds()
            families["duration"].add_metric([tenant.id], seconds)
        for status, n in ops:
            families["ops"].add_metric([tenant.id, str(status)], float(n))

    def collect(self) -> Iterable[Metric]:
        assert self.settings.tenants_file is not None
        families = _families()
        for tenant in load_tenants(self.settings.tenants_file).tenants:
            self._tenant(tenant, families)
        yield from families.values()

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


def serve_metrics(settings: Settings) -> tuple[TenantCollector, Any]:
    """Serves the tenants' metrics on ``REENGAGE_SERVE__HOST``:``PORT`` from a daemon thread;
    returns the collector and the server (``shutdown()`` it)."""
    from prometheus_client import CollectorRegistry, start_http_server

    registry = CollectorRegistry(auto_describe=False)
    collector = TenantCollector(settings)
    registry.register(collector)
    server, _thread = start_http_server(
        settings.serve.port, addr=settings.serve.host, registry=registry
    )
    return collector, server
