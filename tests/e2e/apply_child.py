"""The kill-and-resume test's child process: applies one saved plan against a running sandbox.

Run as ``python -m tests.e2e.apply_child PLAN_ID`` with the ``REENGAGE_*``
variables an operator would set (the sandbox's URLs and credentials, the
store's ``REENGAGE_DATABASE_URL``); ``E2E_CALL_SIZE`` sets the operations per
applier call (smaller calls give the test more points to kill the process at;
the connectors still batch each call).

Once set up it prints ``READY`` and waits for a line ``GO <k>`` on stdin (so a
test can start the next process while the current one runs, and keep only the
apply itself in the race). ``k`` > 0 ends the process with ``os._exit(9)`` as
soon as the k-th write call to a connector has returned: the platform has acted
and answered, the journal has not heard of it. While applying it prints
``JOURNALED <platform> <op> <n>`` after each call the applier journals, and
``DONE <plan status> ...`` at the end.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import sync.apply
from config.rules import load_rules
from config.settings import load_settings
from connectors.base import (
    FieldUpdate,
    MembershipChange,
    Platform,
    SetupItem,
    SinkConnector,
    TaskRequest,
    WriteResult,
)
from sync.run import build_connectors, close_all, sinks_of
from sync.store.journal import plan_row
from sync.store.migrate import open_store

DIE_CODE = 9


class DyingSink:
    """A connector that kills the process right after its ``die_after``-th write call returns
    (the count is shared by every sink of the process)."""

    def __init__(self, inner: SinkConnector, calls: list[int], die_after: int) -> None:
        self.inner = inner
        self.platform: Platform = inner.platform
        self._calls = calls
        self._die_after = die_after

    def _answered(self) -> None:
        self._calls[0] += 1
        if self._calls[0] == self._die_after:
            os._exit(DIE_CODE)

    def check_setup(self, rules: Any) -> list[SetupItem]:
        return self.inner.check_setup(rules)

    def apply_setup(self, items: Sequence[SetupItem]) -> list[SetupItem]:
        return self.inner.apply_setup(items)

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        results = self.inner.update_fields(updates)
        self._answered()
        return results

    def add_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        results = self.inner.add_members(changes)
        self._answered()
        return results

    def remove_members(self, changes: Sequence[MembershipChange]) -> list[WriteResult]:
        results = self.inner.remove_members(changes)
        self._answered()
        return results

    def find_tasks(self, idempotency_keys: Sequence[str]) -> dict[str, str]:
        return self.inner.find_tasks(idempotency_keys)

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> list[WriteResult]:
        results = self.inner.create_tasks(tasks)
        self._answered()
        return results


def _say(line: str) -> None:
    print(line, flush=True)


def main(argv: Sequence[str]) -> int:
    plan_id = argv[1]
    settings = load_settings()
    rules = load_rules(settings.rules_file)
    engine = open_store(settings.store_url)
    connectors = build_connectors(settings, rules)
    if size := os.environ.get("E2E_CALL_SIZE"):
        sync.apply.CALL_SIZE = int(size)
    _say("READY")
    word, _, k = sys.stdin.readline().partition(" ")
    if word != "GO":
        return 2
    calls = [0]
    sinks: dict[Platform, SinkConnector] = {
        p: DyingSink(c, calls, int(k)) for p, c in sinks_of(connectors).items()
    }
    try:
        stats = sync.apply.apply_plan(
            engine, plan_id, sinks, rules, on_call=lambda p, op, n: _say(f"JOURNALED {p} {op} {n}")
        )
        with engine.connect() as conn:
            status = plan_row(conn, plan_id).status
        _say(f"DONE {status} applied={stats.total('applied')} failed={stats.total('failed')}")
    finally:
        close_all(connectors)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
