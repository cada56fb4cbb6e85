"""``reengage worker`` and ``reengage scheduler``: many portal–org pairs on Celery.

``reengage worker [--concurrency N]`` starts a Celery worker on ``REENGAGE_BROKER_URL``, on
the tenants file's ``queue``; each task is one tenant's cycle
(:mod:`sync.tenants.tasks`). ``reengage scheduler`` enqueues each enabled tenant when it
is due (:mod:`sync.tenants.scheduler`); run one. Both need a tenants file and a
PostgreSQL store, checked before anything connects; both stop on SIGTERM / SIGINT
(the worker after its tasks in flight, as Celery's warm shutdown does).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from sync.cli.core import app, fail, load_config

if TYPE_CHECKING:
    from config.settings import Settings
    from config.tenants import Tenants


def _tenants_checked() -> tuple[Settings, Tenants]:
    from config.tenants import TenantsError, refuse_sqlite
    from sync.tenants.select import load_file

    settings, _rules = load_config()
    try:
        tenants = load_file(settings)
        refuse_sqlite(settings, tenants.source)
    except TenantsError as exc:
        raise fail(str(exc), kind="configuration") from None
    return settings, tenants


@app.command()
def worker(
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="Tenant cycles run at once.")
    ] = 1,
) -> None:
    """Run tenants' cycles from the broker's queue (a Celery worker; REENGAGE_TENANTS_FILE)."""
    from sync.serve.metrics import Metrics
    from sync.tenants.app import BrokerMissing, make_app
    from sync.tenants.tasks import WorkerState, register

    settings, tenants = _tenants_checked()
    try:
        celery = make_app(settings, tenants.queue)
    except BrokerMissing as exc:
        raise fail(str(exc), kind="configuration") from None
    register(celery, WorkerState(settings, Metrics(), {}))
    queue = tenants.queue
    celery.worker_main(
        argv=["worker", "--concurrency", str(concurrency), "--pool", "prefork",
              "--queues", queue, "--hostname", f"reengage-{uuid.uuid4().hex[:8]}@%h",
              "--without-gossip", "--without-mingle", "--loglevel", "WARNING"]
    )  # fmt: skip


@app.command()
def scheduler() -> None:
    """Enqueue each enabled tenant's cycle when due (run one per queue); serve the tenants'
    Prometheus metrics on REENGAGE_SERVE__HOST:PORT."""
    from sync.cli.serve import stop_on_signals
    from sync.tenants.app import TASK_NAME, BrokerMissing, make_app
    from sync.tenants.metrics import serve_metrics
    from sync.tenants.scheduler import Scheduler

    settings, tenants = _tenants_checked()
    try:
        celery = make_app(settings, tenants.queue)
    except BrokerMissing as exc:
        raise fail(str(exc), kind="configuration") from None

    def enqueue(tenant_id: str, expires: float) -> None:
        celery.send_task(TASK_NAME, args=[tenant_id], expires=expires)

    loop = Scheduler(settings, enqueue)
    try:
        collector, server = serve_metrics(settings)
    except OSError as exc:
        host, port = settings.serve.host, settings.serve.port
        raise fail(f"cannot serve metrics on {host}:{port}: {exc}", kind="configuration") from None
    try:
        with stop_on_signals(loop.request_stop):
            loop.run()
    finally:
        server.shutdown()
        collector.close()
