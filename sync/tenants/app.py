"""The Celery application: one task per tenant cycle, on the broker ``REENGAGE_BROKER_URL``.

A task is acknowledged *late* (after it ran) and *rejected when its worker is lost*,
so a worker whose main process or pool child dies mid-task has the task redelivered
by the broker; ``prefetch_multiplier = 1`` keeps a worker from holding tasks it has not
started, which another worker could run. Running one tenant twice at once is made
impossible not by the broker but by the tenant's store lock (:mod:`sync.tenants.tasks`).

The app is built from the settings (no module-level instance): ``reengage worker`` and
``reengage scheduler`` each call :func:`make_app` once at their entry point.
"""

from __future__ import annotations

from celery import Celery
from kombu.entity import Queue

from config.settings import Settings

TASK_NAME = "reengage.tenant_cycle"
# RabbitMQ's consumer timeout (30 minutes by default) ends a channel whose task runs longer.
# A task stops itself cleanly after the tenants file's task_seconds (20 minutes by default,
# sync.tenants.tasks); this limit is the backstop for a task that could not.
SOFT_TIME_LIMIT = 28 * 60


class BrokerMissing(ValueError):
    """No ``REENGAGE_BROKER_URL``: workers and the scheduler have nothing to talk through."""


def make_app(settings: Settings, queue: str) -> Celery:
    """The Celery app for ``settings``' broker and the tenants file's ``queue``.

    Raises:
        BrokerMissing: ``REENGAGE_BROKER_URL`` is not set.
    """
    if not settings.broker_url:
        raise BrokerMissing(
            "REENGAGE_BROKER_URL is not set: name the broker, e.g. amqp://user:pass@host:5672// "
            "(RabbitMQ) or redis://host:6379/0"
        )
    app = Celery("reengage", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_default_queue=queue,
        task_queues=[Queue(queue, routing_key=queue)],  # type: ignore[no-untyped-call]
        task_routes={TASK_NAME: {"queue": queue, "routing_key": queue}},
        task_ignore_result=True,
        task_soft_time_limit=SOFT_TIME_LIMIT,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
    )
    return app
