"""Runs :mod:`tests.e2e.apply_child` processes and kills them where a test asks.

A :class:`Child` is started ahead of time (it imports, reads its settings, opens
the store and builds its connectors, then waits), so that the next process
gets ready while the current one applies (:class:`Children` keeps a few started
ahead); :meth:`Child.go` starts its apply. Two ways to kill it:

* ``die_after=k``: the child ends itself (``os._exit(9)``) right after its k-th
  connector write call returned, before the journal write;
* ``kill_after=j``: once the child has journaled ``j`` calls, the test waits a
  random moment (up to ``jitter`` seconds) and sends SIGKILL, wherever the child
  then is: mid-request, between an answer and the journal, mid-transaction.

The child's stdout (``READY``, ``JOURNALED ...``, ``DONE ...``) tells the test
how far each run got.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.e2e.apply_child import DIE_CODE

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120.0


@dataclass(frozen=True)
class ChildRun:
    """How one child run ended: ``hook`` (died after a platform answered), ``signal``
    (SIGKILLed by the test), ``done`` (finished the plan) or ``exit <code>``."""

    outcome: str
    journaled: int
    last_line: str
    stderr: str

    @property
    def finished(self) -> bool:
        return self.outcome == "done" and self.last_line.startswith("DONE applied")


def child_environment(reengage: dict[str, str], **knobs: str) -> dict[str, str]:
    """The parent's environment without its own ``REENGAGE_*`` values, plus the given ones."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("REENGAGE_", "E2E_"))}
    return {**base, **reengage, **knobs}


def _read_until(stream: IO[str], *, journaled: int | None) -> tuple[int, str, bool]:
    """Reads lines until ``journaled`` calls were journaled (None: to the end of the output).
    Answers (calls journaled, last line, whether the output ended)."""
    count, last = 0, ""
    if journaled == 0:
        return count, last, False
    for line in stream:
        last = line.strip()
        if last.startswith("JOURNALED ") and not last.startswith("JOURNALED alerts"):
            count += 1
            if journaled is not None and count >= journaled:
                return count, last, False
    return count, last, True


class Child:
    """One ``apply_child`` process, started at once and told to apply with :meth:`go`."""

    def __init__(self, env: dict[str, str], plan_id: str) -> None:
        command = [sys.executable, "-m", "tests.e2e.apply_child", plan_id]
        self.proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.stdout: IO[str] = self.proc.stdout
        self.stdin: IO[str] = self.proc.stdin
        # A child that hangs is killed rather than hanging the test (reads here block).
        self._watchdog = threading.Timer(TIMEOUT, self.proc.kill)
        self._watchdog.daemon = True
        self._watchdog.start()

    def go(self, die_after: int = 0) -> None:
        """Waits until the child is ready, then starts its apply."""
        line = self.stdout.readline().strip()
        if line != "READY":
            raise AssertionError(f"child not ready: {line!r} {self._stderr()}")
        self.stdin.write(f"GO {die_after}\n")
        self.stdin.flush()

    def finish(
        self,
        *,
        kill_after: int | None = None,
        jitter: float = 0.0,
        rng: random.Random | None = None,
    ) -> ChildRun:
        """Lets the child run to its end, or SIGKILLs it ``kill_after`` calls in."""
        killed = False
        count, last, ended = _read_until(self.stdout, journaled=kill_after)
        if kill_after is not None and not ended:
            time.sleep((rng or random.Random()).uniform(0.0, jitter))
            killed = self.proc.poll() is None
            self.proc.send_signal(signal.SIGKILL)
        more, tail, _ = _read_until(self.stdout, journaled=None)
        count, last = count + more, tail or last
        code = self.proc.wait(timeout=TIMEOUT)
        stderr = self._stderr()
        if killed and code == -signal.SIGKILL:
            outcome = "signal"
        elif code == DIE_CODE:
            outcome = "hook"
        elif code == 0 and last.startswith("DONE"):
            outcome = "done"
        else:
            outcome = f"exit {code}"
        return ChildRun(outcome, count, last, stderr[-2000:])

    def discard(self) -> None:
        """Ends a child that was never told to go."""
        self.proc.kill()
        self.proc.wait(timeout=TIMEOUT)
        self._stderr()

    def _stderr(self) -> str:
        self._watchdog.cancel()
        for stream in (self.stdin, self.stdout):
            stream.close()
        assert self.proc.stderr is not None
        self.proc.wait(timeout=TIMEOUT)
        text = self.proc.stderr.read()
        self.proc.stderr.close()
        return text


class Children:
    """Child processes started ahead of need (start-up costs more than most applies)."""

    def __init__(self, env: dict[str, str], plan_id: str, *, ahead: int) -> None:
        self.env, self.plan_id = env, plan_id
        self.ready = deque(Child(env, plan_id) for _ in range(ahead))

    def next(self) -> Child:
        self.ready.append(Child(self.env, self.plan_id))
        return self.ready.popleft()

    def close(self) -> None:
        for child in self.ready:
            child.discard()
