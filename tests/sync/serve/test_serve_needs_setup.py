"""``serve`` with apply on only plans while a platform lacks reengage's setup.

``serve`` applies once a person has applied from the store; if setup is undone
since (a field deleted, a list renamed), each applying run would half-apply and
log one failure per record. The process checks setup (reads only) before its
first applying run, plans only until setup is complete, and then stops asking.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

import sync.serve.service
from config.rules import load_rules
from config.settings import Settings
from connectors.base import ApiUsage, Platform, SetupItem
from sync.run import CycleOptions, RunResult
from sync.serve.metrics import Metrics
from sync.serve.service import sync_cycle
from sync.store.migrate import open_store


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = open_store(sqlite_url)
    yield engine
    engine.dispose()


class UnreadySalesforce:
    """A Salesforce whose admin has not created one field yet (until ``fixed``)."""

    platform = Platform.SALESFORCE

    def __init__(self, checks: list[bool], fixed: list[bool]) -> None:
        self.checks, self.fixed = checks, fixed

    def check_setup(self, _rules: Any) -> list[SetupItem]:
        self.checks.append(True)
        status = "ok" if self.fixed else "manual"
        return [SetupItem("field", "Lead.Reengage_Status__c", status)]

    def apply_setup(self, items: Any) -> list[SetupItem]:
        return list(items)

    def update_fields(self, _updates: Any) -> list[Any]:
        return []

    def usage(self) -> ApiUsage:
        return ApiUsage()

    def close(self) -> None:
        pass


def test_serve_plans_only_until_setup_is_done_then_checks_no_more(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[bool] = []

    def run_cycle(*args: Any) -> RunResult:
        options: CycleOptions = args[-1]
        asked.append(options.apply)
        return RunResult(run_id=0, status="ok")

    monkeypatch.setattr(sync.serve.service, "run_cycle", run_cycle)
    monkeypatch.setattr(
        sync.serve.service, "ever_applied", lambda _engine: True
    )  # a person applied once
    checks: list[bool] = []
    fixed: list[bool] = []
    salesforce = UnreadySalesforce(checks, fixed)
    cycle = sync_cycle(
        engine,
        Settings(),
        load_rules(),
        Metrics(),
        connectors=lambda *_: {Platform.SALESFORCE: salesforce},
    )
    cycle(threading.Event())
    cycle(threading.Event())
    fixed.append(True)  # the admin creates the field
    cycle(threading.Event())
    cycle(threading.Event())
    assert asked == [False, False, True, True]
    assert len(checks) == 3, "setup is read until it is complete, then not again"
