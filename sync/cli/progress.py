"""Progress of a pull, per stream: Rich bars on a terminal, plain lines on stderr otherwise.

A backfill reads for minutes; under cron, CI or ``2> file`` nobody sees bars
(Rich draws nothing into a pipe until the end, then wraps it at 80 columns), so
when stderr is not a terminal each stream gets a whole line every
:data:`PROGRESS_SECONDS` and one when it completes::

    hubspot contacts: 5,000 records so far in 30 s (166/s)
    hubspot contacts: 12,345 records in 61 s (202/s)

Rates are records over the stream's wall time since it started (the end of the
previous page of any stream, or the start of the pull), and are left out under a
second: a first page read in a millisecond is not "11,204,420 /s".
Progress goes to stderr in both forms; stdout carries the command's results.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from sync.console import console_for
from sync.logs import JsonFormatter

log = logging.getLogger("reengage.progress")

PROGRESS_SECONDS = 10.0
"""Seconds between two progress lines of a stream when stderr is not a terminal."""

PROGRESS_ENV = "REENGAGE_TEST_PROGRESS_SECONDS"
"""Overrides :data:`PROGRESS_SECONDS` (tests; ``REENGAGE_TEST_`` names are not settings)."""

MIN_RATE_SECONDS = 1.0
"""Under this much wall time a stream shows no rate: one fast page says nothing about speed."""


def progress_seconds() -> float:
    """The interval between progress lines: :data:`PROGRESS_ENV` if it is a positive number."""
    raw = os.environ.get(PROGRESS_ENV)
    if raw is None:
        return PROGRESS_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value > 0:
        return value
    log.warning("%s=%r is not a positive number of seconds: using %s", PROGRESS_ENV, raw,
                PROGRESS_SECONDS)  # fmt: skip
    return PROGRESS_SECONDS


def json_logs() -> bool:
    """Whether reengage logs JSON lines on stderr: progress then goes there as log records
    (``event: progress``), so that every line stays one JSON object."""
    handlers = logging.getLogger("reengage").handlers
    return any(isinstance(h.formatter, JsonFormatter) for h in handlers)


def rate_text(records: int, seconds: float) -> str | None:
    """``"202/s"`` (``"0.4/s"`` under ten): records over wall seconds; None under
    :data:`MIN_RATE_SECONDS`, or when nothing was read (a rate of zero says nothing)."""
    if seconds < MIN_RATE_SECONDS or records <= 0:
        return None
    rate = records / seconds
    return f"{rate:.1f}/s" if rate < 10 else f"{rate:,.0f}/s"


def seconds_text(seconds: float) -> str:
    """``0.4`` under ten seconds, ``61`` or ``1,204`` above."""
    return f"{seconds:.1f}" if seconds < 10 else f"{seconds:,.0f}"


@dataclass
class StreamCount:
    """One stream's (or apply group's) count so far, when it started, when it was last heard
    of and when its last line was printed.

    ``unrated`` items were counted at ``started`` (an apply group's first call, whose own
    duration is unknown): they are shown but left out of the rate.
    """

    started: float
    last_line: float
    unit: str = "records"
    count: int = 0
    unrated: int = 0
    last_seen: float = 0.0

    def line(self, name: str, now: float, *, complete: bool) -> str:
        seconds = now - self.started
        so_far = "" if complete else " so far"
        rate = rate_text(self.count - self.unrated, seconds)
        tail = f" ({rate})" if rate else ""
        return f"{name}: {self.count:,} {self.unit}{so_far} in {seconds_text(seconds)} s{tail}"


class StreamProgress:
    """The pull's progress callback (:data:`sync.pull.Progress`), one entry per stream, and
    the applier's (:meth:`applied`), one entry per platform and operation kind.

    Streams arrive labelled ``"<platform> <stream>"`` (see :func:`sync.run.pull_all`).
    Use it as a context manager around the cycle: bars are drawn while it is open, a
    heartbeat thread prints the line of a stream whose next page is slow to come (a
    platform's query or rate-limit wait), and the last apply group's line is printed
    when it closes.

    Args:
        enabled: False prints nothing (``--quiet``).
        every: seconds between two lines of a stream (default :func:`progress_seconds`).
        clock: monotonic seconds (injected by tests).
        terminal: draw bars (default: whether stderr is a terminal).
        heartbeat: run the heartbeat thread while open (tests with a fake clock call
            :meth:`tick` themselves).
    """

    def __init__(
        self,
        enabled: bool,
        *,
        every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        terminal: bool | None = None,
        heartbeat: bool = True,
    ) -> None:
        self.every = progress_seconds() if every is None else every
        self.clock = clock
        self.err = console_for(stderr=True)
        bars = enabled and (sys.stderr.isatty() if terminal is None else terminal)
        self.lines = enabled and not bars
        self.json = json_logs()
        self.progress = Progress(
            TextColumn("{task.description:<36}"),
            BarColumn(),
            TextColumn("{task.completed:>10,.0f} {task.fields[unit]:<10}"),
            TextColumn("{task.fields[rate]:>8}"),
            TimeElapsedColumn(),
            console=self.err,
            disable=not bars,
        )
        self.streams: dict[str, StreamCount] = {}
        self.tasks: dict[str, TaskID] = {}
        self._last_event = clock()
        self._applying: str | None = None  # the apply group in progress
        self._active: str | None = None  # the stream or group being read or written
        self._lock = threading.Lock()  # the heartbeat thread and the run's thread
        self._closing = threading.Event()
        self._beat = threading.Thread(target=self._beats, name="progress", daemon=True)
        self._heartbeat = heartbeat and self.lines

    def __enter__(self) -> StreamProgress:
        self._last_event = self.clock()
        self.progress.start()
        if self._heartbeat:
            self._beat.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._closing.set()
        if self._beat.is_alive():
            self._beat.join()
        try:
            with self._lock:
                self._end_apply_group()
        finally:
            self.progress.stop()

    def __call__(self, stream: str, n: int, complete: bool) -> None:
        with self._lock:
            now = self.clock()
            count = self.streams.get(stream)
            if count is None:
                count = self.streams[stream] = StreamCount(self._last_event, self._last_event)
            self._add(stream, count, n, now, complete)

    def tick(self) -> None:
        """The line of the active stream (or apply group) if it is due, pages or not."""
        with self._lock:
            if self._active is None or not self.lines:
                return
            count, now = self.streams[self._active], self.clock()
            if now - count.last_line >= self.every:
                self._show(self._active, count, now, complete=False)

    def _beats(self) -> None:
        while not self._closing.wait(min(self.every, 1.0)):
            self.tick()

    def applied(self, platform: str, kind: str, n: int) -> None:
        """The applier's ``on_call``: ``n`` operations of ``kind`` sent to ``platform``.

        The applier goes group by group (platform, kind), so a new group ends the previous
        one. The first group starts at its first call (classifying and planning came
        before it), so that call's operations are shown but not rated.
        """
        with self._lock:
            now, name = self.clock(), f"{platform} {kind}"
            if name != self._applying:
                previous = self._end_apply_group()
                started = now if previous is None else previous.last_seen
                first = n if previous is None else 0
                self.streams[name] = StreamCount(started, started, "operations", unrated=first)
                self._applying = name
            self._add(name, self.streams[name], n, now, complete=False)

    def _end_apply_group(self) -> StreamCount | None:
        if self._applying is None:
            return None
        count = self.streams[self._applying]
        self._show(self._applying, count, count.last_seen, complete=True)
        self._applying = self._active = None
        return count

    def _add(self, name: str, count: StreamCount, n: int, now: float, complete: bool) -> None:
        count.count += n
        count.last_seen = self._last_event = now
        self._active = None if complete else name
        if complete or now - count.last_line >= self.every:
            self._show(name, count, now, complete=complete)
        elif not self.lines:
            self._bar(name, count, now, complete=False)

    def _show(self, name: str, count: StreamCount, now: float, *, complete: bool) -> None:
        """A line (or the bar) for ``name`` as of ``now``."""
        if not self.lines:
            self._bar(name, count, now, complete)
            return
        count.last_line = now
        text = count.line(name, now, complete=complete)
        if self.json:
            log.info("%s", text, extra={
                "event": "progress", "stream": name, "count": count.count, "unit": count.unit,
                "seconds": round(now - count.started, 3), "complete": complete,
            })  # fmt: skip
        else:
            self.err.print(text, markup=False, highlight=False)

    def _bar(self, name: str, count: StreamCount, now: float, complete: bool) -> None:
        if self.progress.disable:
            return
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(name, total=None, rate="", unit=count.unit)
        task_id = self.tasks[name]
        rate = rate_text(count.count - count.unrated, now - count.started) or ""
        self.progress.update(task_id, completed=count.count, rate=rate)
        if complete:
            self.progress.update(task_id, total=count.count)
