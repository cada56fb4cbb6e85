"""``reengage serve [--once]``: the periodic sync service, wired from the settings.

Checks everything that cannot fix itself before the first turn (the schedule,
the store, that a platform is configured, the metrics port) and exits 2 with
the reason; after that, platform trouble is a failed *run*, logged and retried
at the next turn. SIGTERM / SIGINT ask the loop to stop after the batch in
flight (exit 0); a second signal interrupts at once (exit 130, the run is
recorded as stopped and the next one resumes from the journal).

``--once`` runs one turn now (lock included) and exits with its outcome, for
cron, systemd timers and Kubernetes CronJobs; it serves no metrics endpoint,
since nothing would scrape a process that ends.

Each turn prints one result line on stdout (:func:`turn_line`), the command's
output for whoever reads it after cron or a CronJob; everything else is a log.

Logging (text or JSON lines, secrets masked) is set up by the entry point
(``sync.cli.load_config``); this module only writes to the ``reengage.serve``
logger.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from rich.console import Console
from sqlalchemy import Engine

from config.rules import Rules
from config.settings import Settings
from connectors.base import ConfigurationError
from sync.console import console_for
from sync.logs import flush_warnings
from sync.run import build_connectors, close_all
from sync.serve.lock import sync_lock
from sync.serve.metrics import Metrics, count_persons
from sync.serve.metrics_http import Health, MetricsServer
from sync.serve.schedule import Schedule, ScheduleError
from sync.serve.service import ServeLoop, Turn, sync_cycle
from sync.store.migrate import StoreError, open_store

log = logging.getLogger("reengage.serve")

EXIT_CONFIG, EXIT_INTERRUPTED = 2, 130


@contextmanager
def stop_on_signals(request_stop: Callable[[], None]) -> Iterator[None]:
    """SIGTERM / SIGINT call ``request_stop`` once; a second one raises KeyboardInterrupt.

    Signal handlers can only be set from the main thread; elsewhere (tests,
    embedding) this does nothing and the caller stops the loop itself.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    asked = False

    def handle(signum: int, _frame: FrameType | None) -> None:
        nonlocal asked
        if asked:
            raise KeyboardInterrupt
        asked = True
        log.info("%s: finishing the batch in flight, then exiting (again to force)",
                 signal.Signals(signum).name)  # fmt: skip
        request_stop()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _check_platforms(settings: Settings, rules: Rules) -> bool:
    try:
        close_all(build_connectors(settings, rules))
    except ConfigurationError as exc:
        log.error("cannot serve: %s", exc.user_message)
        return False
    return True


def turn_line(turn: Turn) -> str:
    """``2026-12-02T03:30:00Z sync ok: read 12 records, 40 activities, 2 deals, planned 3,
    applied 3, failed 0 (4.2 s)``, or ``... sync skipped: another run holds the store``."""
    head = f"{turn.at:%Y-%m-%dT%H:%M:%SZ} sync {turn.status}"
    result = turn.result
    if result is None:
        return f"{head}: {turn.reason or 'see the log'}" + _took(turn)
    read = (
        f"read {sum(s.records for s in result.pulled):,} records, "
        f"{sum(s.activities for s in result.pulled):,} activities, "
        f"{sum(s.deals for s in result.pulled):,} deals"
    )
    planned = f", planned {len(result.plan):,}" if result.plan is not None else ""
    a = result.applied
    applied = ", not applied" if a is None else (
        f", applied {a.total('applied'):,}, failed {a.total('failed'):,}"
    )  # fmt: skip
    why = f"; {turn.reason}" if turn.status != "ok" and turn.reason else ""
    return f"{head}: {read}{planned}{applied}{why}{_took(turn)}"


def _took(turn: Turn) -> str:
    return f" ({turn.seconds:.1f} s)" if turn.status != "skipped" else ""


def _print_turn(out: Console) -> Callable[[Turn], None]:
    def show(turn: Turn) -> None:
        out.print(turn_line(turn), markup=False, highlight=False)

    return show


def _loop(
    engine: Engine, settings: Settings, rules: Rules, schedule: Schedule, lines: bool
) -> ServeLoop:
    metrics = Metrics()
    lock = sync_lock(engine)
    return ServeLoop(
        sync_cycle(engine, settings, rules, metrics),
        schedule,
        lock,
        metrics=metrics,
        health=Health(),
        after_run=lambda: _after_run(engine, metrics),
        on_turn=_print_turn(console_for()) if lines else None,
    )


def _after_run(engine: Engine, metrics: Metrics) -> None:
    flush_warnings()  # a run's warning counts end with the run, not with the service
    metrics.record_persons(*count_persons(engine))


def _serve(
    engine: Engine, settings: Settings, rules: Rules, schedule: Schedule, once: bool, lines: bool
) -> int:
    if not _check_platforms(settings, rules):
        return EXIT_CONFIG
    loop = _loop(engine, settings, rules, schedule, lines)
    server = None
    if not once:
        host, port = settings.serve.host, settings.serve.port
        try:
            server = MetricsServer(loop.metrics, loop.health, host, port).start()
        except OSError as exc:
            log.error("cannot serve metrics on %s:%d: %s", host, port, exc)
            return EXIT_CONFIG
    try:
        with stop_on_signals(loop.request_stop):
            return loop.run(once=once)
    except KeyboardInterrupt:
        log.warning("interrupted: the run is recorded as stopped; the next one resumes")
        return EXIT_INTERRUPTED
    finally:
        if server is not None:
            server.stop()


def serve_command(
    settings: Settings, rules: Rules, *, once: bool = False, result_lines: bool = True
) -> int:
    """Runs ``reengage serve``; returns the process exit code (see the module docstring).

    ``result_lines=False`` prints no result line (``serve --once --json`` prints its
    document instead: stdout holds one document and nothing else).
    """
    try:
        schedule = Schedule.from_settings(settings.serve)
    except ScheduleError as exc:
        log.error("REENGAGE_SERVE__CRON: %s", exc)
        return EXIT_CONFIG
    try:
        engine = open_store(settings.store_url)
    except StoreError as exc:
        log.error("%s", exc)
        return EXIT_CONFIG
    try:
        return _serve(engine, settings, rules, schedule, once, result_lines)
    finally:
        engine.dispose()
