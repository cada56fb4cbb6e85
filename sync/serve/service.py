"""The ``reengage serve`` loop: sync on a schedule, one run at a time per store.

Each turn:

1. waits for the next scheduled instant (:mod:`sync.serve.schedule`) or a stop request;
2. tries the store lock (:mod:`sync.serve.lock`); if another process holds it, logs
   who and skips the turn (several serve processes on one PostgreSQL store
   take turns, never overlap);
3. runs one cycle while a thread renews the lock, and records its outcome in
   the metrics and the health state; a run that fails is logged and the loop
   goes on (the next turn retries: the journal makes that safe);
4. releases the lock;
5. tells ``on_turn`` what the turn did (:class:`Turn`; skipped turns too): the command
   prints it as its one result line per turn.

A stop request (SIGTERM / SIGINT, see :mod:`sync.cli.serve`) sets an event the
running cycle watches: the pull stops after the page being stored and the
applier after the batch in flight, both journaled, and the loop exits. The
same happens to a run whose lock was taken over (it outlived the lock timeout).

The cycle is injected (``Cycle``), so the loop is tested with fake cycles;
:func:`sync_cycle` is the real one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from config.rules import Rules
from config.settings import Settings
from connectors.base import Connector, ConnectorError, Platform, StopRun
from sync.alerts import RecordLinks, make_alert_sender
from sync.pull import Progress
from sync.run import (
    CycleOptions,
    RunResult,
    build_connectors,
    close_all,
    ever_applied,
    explain_error,
    run_cycle,
)
from sync.serve.lock import Clock, StoreLock, keep_alive, utcnow
from sync.serve.metrics import Metrics
from sync.serve.metrics_http import Health
from sync.serve.schedule import Schedule
from sync.setup_check import describe_gaps, setup_gaps

log = logging.getLogger("reengage.serve")

# One run: takes the event that asks it to stop early, returns what it did (or raises).
Cycle = Callable[[threading.Event], RunResult]

EXIT_OK, EXIT_FAILED, EXIT_STOPPED = 0, 1, 3  # as the other platform commands (sync.cli.common)
_MAX_WAIT = 1.0  # seconds: how often a wait re-reads the clock (clock jumps, injected clocks)


@dataclass(frozen=True)
class Turn:
    """What one turn did, for the command's result line (:func:`sync.cli.serve.turn_line`).

    ``status`` is ok / stopped / failed / skipped; ``reason`` says why for all but ok
    (a user message, never an exception's repr: it is printed on stdout).
    """

    at: datetime
    status: str
    seconds: float = 0.0
    result: RunResult | None = None
    reason: str = ""


class ServeLoop:
    """Runs ``cycle`` on ``schedule`` under ``lock`` until :meth:`request_stop`.

    Args:
        cycle: one run (see :data:`Cycle`).
        schedule: when runs happen.
        lock: the store lock that keeps runs from overlapping.
        metrics: where outcomes are counted (a fresh :class:`Metrics` if None).
        health: what ``/healthz`` reports (a fresh :class:`Health` if None).
        clock: the current instant.
        renew_every: seconds between lock renewals during a run (default: a third of its ttl).
        after_run: called after each run that took the lock (e.g. refresh person gauges).
        on_turn: told what each turn did (the command prints its result line from it).
    """

    def __init__(
        self,
        cycle: Cycle,
        schedule: Schedule,
        lock: StoreLock,
        *,
        metrics: Metrics | None = None,
        health: Health | None = None,
        clock: Clock = utcnow,
        renew_every: float | None = None,
        after_run: Callable[[], None] | None = None,
        on_turn: Callable[[Turn], None] | None = None,
    ) -> None:
        self.cycle = cycle
        self.schedule = schedule
        self.lock = lock
        self.metrics = metrics or Metrics()
        self.health = health or Health()
        self.clock = clock
        self.renew_every = renew_every or lock.ttl.total_seconds() / 3
        self.after_run = after_run
        self.on_turn = on_turn
        self.stop = threading.Event()
        self._run_stop = threading.Event()

    def request_stop(self) -> None:
        """Asks the loop to exit after the batch in flight (safe from a signal handler)."""
        self.stop.set()
        self._run_stop.set()
        self.health.stop()

    def run(self, *, once: bool = False, start_at: datetime | None = None) -> int:
        """Loops until stopped (exit code 0); with ``once``, one turn now and its exit code.

        Args:
            once: run one turn immediately and return 0 (done or skipped), 1 (failed) or
                3 (stopped early by the platform's budget).
            start_at: the interval grid's origin and first run (default: now). Processes
                given the same ``start_at`` contend for the lock at the same instants.
        """
        if once:
            status = self.turn()
            if status == "failed":
                return EXIT_FAILED
            return EXIT_STOPPED if status == "stopped" and not self.stop.is_set() else EXIT_OK
        anchor = start_at or self.clock()
        next_at = anchor if start_at else self.schedule.first_run(anchor)
        log.info("serve: %s, next run at %s", self.schedule.describe(), f"{next_at:%H:%M:%S}")
        while not self.stop.is_set():
            self.health.scheduled(next_at)
            if not self._wait_until(next_at):
                break
            self.turn()
            next_at = self.schedule.next_after(self.clock(), anchor=anchor)
        self.health.stop()
        log.info("serve: stopped")
        return EXIT_OK

    def _wait_until(self, at: datetime) -> bool:
        """Waits until ``at``; False if a stop was requested first."""
        while (left := (at - self.clock()).total_seconds()) > 0:
            if self.stop.wait(min(left, _MAX_WAIT)):
                return False
        return not self.stop.is_set()

    def turn(self) -> str:
        """One turn: the run's status (ok / stopped / failed), or ``skipped`` (lock busy).

        A store that cannot be reached for the lock fails the turn, not the loop.
        """
        try:
            acquired = self._try_lock()
        except Exception:
            log.exception("cannot take the sync lock (store unreachable?); trying next turn",
                          extra={"event": "lock_error"})  # fmt: skip
            self.metrics.runs.labels(status="failed").inc()
            self.health.ran(self.clock(), "failed")
            self._tell(Turn(self.clock(), "failed", reason="cannot take the store's sync lock"))
            return "failed"
        if not acquired:
            self._tell(Turn(self.clock(), "skipped", reason="another run holds the store"))
            return "skipped"
        try:
            turn = self._locked_run()
        finally:
            self._release()
        self._tell(turn)
        return turn.status

    def _tell(self, turn: Turn) -> None:
        """Hands the turn to ``on_turn``; a hook that fails (a closed stdout) ends no loop."""
        if self.on_turn is None:
            return
        try:
            self.on_turn(turn)
        except Exception as exc:
            log.warning("could not report the turn: %s", exc)

    def _try_lock(self) -> bool:
        if self.lock.acquire():
            return True
        held = self.lock.current()
        holder = held.holder if held else "?"
        log.info("another process holds the sync lock (%s): skipping this turn", holder,
                 extra={"event": "lock_busy", "holder": holder})  # fmt: skip
        self.metrics.lock_busy.inc()
        return False

    def _release(self) -> None:
        try:
            if not self.lock.release():
                log.warning("the sync lock was no longer ours at release")
        except Exception as exc:  # it expires on its own after the lock timeout
            log.error("could not release the sync lock: %s", exc)

    def _locked_run(self) -> Turn:
        self._run_stop.clear()
        if self.stop.is_set():  # a stop that raced the clear above
            self._run_stop.set()
        started, result, status, reason = time.monotonic(), None, "failed", "see the log"
        try:
            with keep_alive(self.lock, every=self.renew_every, on_lost=self._run_stop.set):
                result = self.cycle(self._run_stop)
            status, reason = result.status, result.message
        except StopRun as exc:
            status, reason = "stopped", exc.user_message
            log.warning("run stopped early: %s (the next run resumes)", exc.user_message)
        except ConnectorError as exc:  # a platform's answer: its message says it all
            reason = f"{exc.platform or 'platform'}: {explain_error(exc)}"
            log.error("run failed: %s; the loop goes on", reason, extra={"event": "run_failed"})
        except Exception:
            log.exception("run failed; the loop goes on", extra={"event": "run_failed"})
        seconds = time.monotonic() - started
        finished = self.clock()
        self.metrics.record_run(status, seconds, result, finished)
        self.health.ran(finished, status)
        log.info("run %s in %.1f s", status, seconds,
                 extra={"event": "run", "status": status, "seconds": round(seconds, 3),
                        "run_id": result.run_id if result else None})  # fmt: skip
        self._after_run()
        return Turn(finished, status, seconds, result, reason)

    def _after_run(self) -> None:
        if self.after_run is None:
            return
        try:
            self.after_run()
        except Exception as exc:  # gauges are a nicety; never let them end the loop
            log.warning("could not refresh the person gauges: %s", exc)


def stop_progress(stop: threading.Event) -> Progress:
    """A pull progress callback that ends the pull cleanly once ``stop`` is set.

    The pull calls it after each page is stored with its cursor, so raising
    StopRun there loses nothing: the next run resumes from that page.
    """

    def progress(_stream: str, _n: int, _complete: bool) -> None:
        if stop.is_set():
            raise StopRun("shutdown requested: stopped after the page in flight")

    return progress


def _setup_done(built: Mapping[Platform, Connector], rules: Rules) -> bool:
    """Whether every platform holds what applying writes to; if not, this run only plans."""
    if gaps := setup_gaps(built, rules):
        log.error("planning only: %s", describe_gaps(gaps))
        return False
    return True


def scheduled_sync(
    engine: Engine,
    settings: Settings,
    rules: Rules,
    metrics: Metrics,
    *,
    stop: threading.Event,
    applies: Callable[[Mapping[Platform, Connector]], bool],
    connectors: Callable[[Settings, Rules], dict[Platform, Connector]] = build_connectors,
    clock: Clock = utcnow,
    check: Callable[[], None] | None = None,
) -> RunResult:
    """One scheduled ``run_cycle(kind="sync")`` (``serve``'s turn, a tenant's task): fresh
    connectors and alert webhooks, ``applies(connectors)`` deciding whether its plan is
    applied, their API counters recorded in ``metrics``, everything closed after."""
    built = connectors(settings, rules)
    before = {p: c.usage() for p, c in built.items()}
    alerts = make_alert_sender(settings.alerts, links=RecordLinks.from_settings(settings))
    try:
        apply = applies(built)
        options = CycleOptions(kind="sync", as_of=clock(), plan=True, apply=apply, alerts=alerts,
                               stop=stop, progress=stop_progress(stop), trigger="schedule",
                               check=check)  # fmt: skip
        return run_cycle(engine, built, rules, options)
    finally:
        for platform, connector in built.items():
            metrics.record_api(platform.value, before[platform], connector.usage())
        if alerts is not None:
            alerts.close()
        close_all(built)


def sync_cycle(
    engine: Engine,
    settings: Settings,
    rules: Rules,
    metrics: Metrics,
    *,
    connectors: Callable[[Settings, Rules], dict[Platform, Connector]] = build_connectors,
    clock: Clock = utcnow,
) -> Cycle:
    """The real cycle: fresh connectors (and alert webhooks), one ``run_cycle(kind="sync")``,
    the connectors' API counters recorded.

    Before its first applying run the process checks, reading only, that setup is
    done on every platform (:mod:`sync.setup_check`); until it is, runs only plan.

    Plans are applied when ``REENGAGE_SERVE__APPLY`` is on *and* reengage has
    applied from this store before: the very first write to a platform is a
    person's decision (``reengage sync --apply``), never a scheduler's.
    """

    ready: list[bool] = []  # setup was found complete once: not read again in this process

    def applies(built: Mapping[Platform, Connector]) -> bool:
        apply = settings.serve.apply and ever_applied(engine)
        if settings.serve.apply and not apply:
            log.warning("planning only: nothing was ever applied from this store; run "
                        "`reengage sync --apply` once to let serve apply")  # fmt: skip
        if apply and not ready:
            apply = _setup_done(built, rules)
            ready.extend([True] if apply else [])
        return apply

    def cycle(stop: threading.Event) -> RunResult:
        return scheduled_sync(engine, settings, rules, metrics, stop=stop, applies=applies,
                              connectors=connectors, clock=clock)  # fmt: skip

    return cycle
